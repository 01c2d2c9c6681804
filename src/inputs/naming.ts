/**
 * Names that end up in file and artifact names: executables, name and version (with their
 * defaults from the project and the GitHub context) and the artifact-name template.
 */
import { readdirSync } from 'node:fs'
import type { BuildMode } from '../nix/installable.js'
import { InputError, checkCommon, checkPlaceholders, parseList, show } from './parse.js'

export const ARTIFACT_NAME_PLACEHOLDERS = ['name', 'version', 'arch', 'target', 'system'] as const

const SIMPLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/

export function parseSimpleName(input: string, value: string, what: string): string {
  checkCommon(input, value, false)
  if (!SIMPLE_NAME.test(value) || value.length > 100) {
    throw new InputError(
      input,
      `${input} ${show(value)} is not ${what} (letters, digits, '.', '_', '+', '-', starting with a letter or digit, at most 100)`
    )
  }
  return value
}

/** Derived defaults are cleaned rather than refused: a tag like `release/1.0` becomes `release-1.0`. */
function cleanDerivedName(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._+-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100)
}

/** A project with one .cabal file names its executables after it (PostgREST: postgrest.cabal). */
function cabalPackageName(projectPath: string): string | null {
  const cabalFiles = readdirSync(projectPath).filter((file) => file.endsWith('.cabal'))
  return cabalFiles.length === 1 ? (cabalFiles[0] as string).slice(0, -'.cabal'.length) : null
}

export function defaultName(mode: BuildMode, projectPath: string, env: NodeJS.ProcessEnv): string {
  if (mode.kind === 'package') return mode.name
  const cabal = cabalPackageName(projectPath)
  if (cabal && SIMPLE_NAME.test(cabal)) return cabal
  const repository = env.GITHUB_REPOSITORY?.split('/')[1]
  return cleanDerivedName(repository ?? '') || 'app'
}

export function defaultVersion(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_REF_TYPE === 'tag' && env.GITHUB_REF_NAME)
    return cleanDerivedName(env.GITHUB_REF_NAME) || 'dev'
  if (env.GITHUB_SHA && /^[0-9a-f]{7,}$/.test(env.GITHUB_SHA)) return env.GITHUB_SHA.slice(0, 7)
  return 'dev'
}

export function parseExecutables(value: string): string[] {
  const names = parseList('executables', value, { spaces: true })
  for (const name of names) parseSimpleName('executables', name, 'an executable name in bin/')
  const twice = names.find((name, i) => names.indexOf(name) !== i)
  if (twice)
    throw new InputError(
      'executables',
      `executables lists ${show(twice)} twice; list each executable once`
    )
  return names
}

export function parseArtifactNameTemplate(value: string, targetCount: number): string {
  checkCommon('artifact-name', value, false)
  const used = checkPlaceholders('artifact-name', value, ARTIFACT_NAME_PLACEHOLDERS)
  if (targetCount > 1 && !used.some((name) => ['arch', 'target', 'system'].includes(name))) {
    throw new InputError(
      'artifact-name',
      `artifact-name ${show(value)} gives every target the same name; add {arch}, {target} or {system}`
    )
  }
  return value
}
