/**
 * What to build: exactly one of installable, expression or package, with the inputs that go
 * with each (attr, expression-args, ghc, nixpkgs), read into the Nix library's BuildMode.
 */
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { BuildMode, NixpkgsSource } from '../nix/installable.js'
import {
  InputError,
  type InputReader,
  checkCommon,
  checkPlaceholders,
  parseRelativePath,
  show
} from './parse.js'
import { checkInstallableReference } from './flake-reference.js'
import { checkInsideWorkspace } from './workspace.js'

export const INSTALLABLE_PLACEHOLDERS = ['target', 'system', 'attr'] as const

const CABAL_PACKAGE = /^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)*$/
const NIX_ATTR_PATH = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/
const NIX_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/
const HASKELL_SET = /^[A-Za-z][A-Za-z0-9_-]*$/
const NIXPKGS_SOURCES = ['auto', 'pinned', 'flake-lock', 'default-nix'] as const

/** A flake installable template: must not look like an option, contain spaces or quotes. */
export function parseInstallableTemplate(value: string): string {
  checkCommon('installable', value, false)
  if (value.startsWith('-') || /[\s"'`$;&|<>\\]/.test(value)) {
    throw new InputError(
      'installable',
      `installable ${show(value)} is not a flake installable such as .#static-{target} (no spaces, quotes, shell characters or leading '-')`
    )
  }
  checkPlaceholders('installable', value, INSTALLABLE_PLACEHOLDERS)
  return value
}

export function parseBuildMode(
  read: InputReader,
  workspace: string,
  projectDir: string
): BuildMode {
  const installable = read('installable')
  const expression = read('expression')
  const pkg = read('package')
  const given = [
    ['installable', installable],
    ['expression', expression],
    ['package', pkg]
  ].filter(([, value]) => value !== '')
  if (given.length !== 1) {
    const which =
      given.length === 0 ? 'none is set' : `${given.map(([n]) => n).join(' and ')} are set`
    throw new InputError(
      given[0]?.[0] ?? 'installable',
      `set exactly one of installable (e.g. .#static-{target}), expression (e.g. nix/static.nix) or package (a cabal package name); ${which}`
    )
  }
  if (installable !== '') {
    const template = parseInstallableTemplate(installable)
    checkInstallableReference(template, workspace, projectDir)
    return { kind: 'installable', template }
  }
  const nixpkgs = parseNixpkgsSource(read('nixpkgs'), workspace, projectDir)
  if (expression !== '') {
    const file = parseRelativePath('expression', expression)
    const absolute = join(resolve(workspace, projectDir), file)
    if (!existsSync(absolute) || !statSync(absolute).isFile()) {
      throw new InputError(
        'expression',
        `expression file ${show(expression)} does not exist in ${projectDir === '.' ? 'the workspace' : projectDir}`
      )
    }
    checkInsideWorkspace('expression', expression, absolute, workspace)
    const attr = read('attr')
    if (attr !== '' && !NIX_ATTR_PATH.test(attr)) {
      throw new InputError(
        'attr',
        `attr ${show(attr)} is not a Nix attribute path such as postgrestStatic`
      )
    }
    return {
      kind: 'expression',
      file,
      attr: attr || undefined,
      args: parseExpressionArgs(read('expression-args')),
      nixpkgs
    }
  }
  for (const name of ['attr', 'expression-args']) {
    if (read(name) !== '')
      throw new InputError(name, `${name} goes with expression, which is not set`)
  }
  checkCommon('package', pkg, false)
  if (!CABAL_PACKAGE.test(pkg) || pkg.length > 128) {
    throw new InputError(
      'package',
      `package ${show(pkg)} is not a cabal package name (letters, digits and single dashes)`
    )
  }
  const ghc = read('ghc')
  if (ghc !== '' && !HASKELL_SET.test(ghc)) {
    throw new InputError('ghc', `ghc ${show(ghc)} is not a Haskell package set name such as ghc912`)
  }
  return { kind: 'package', name: pkg, ghc: ghc || undefined, nixpkgs }
}

function parseNixpkgsSource(value: string, workspace: string, projectDir: string): NixpkgsSource {
  if ((NIXPKGS_SOURCES as readonly string[]).includes(value)) return value as NixpkgsSource
  const path = parseRelativePath('nixpkgs', value)
  const absolute = join(resolve(workspace, projectDir), path)
  if (!existsSync(absolute)) {
    throw new InputError(
      'nixpkgs',
      `nixpkgs must be one of ${NIXPKGS_SOURCES.join(', ')} or a path in the project; ${show(value)} is neither`
    )
  }
  checkInsideWorkspace('nixpkgs', value, absolute, workspace)
  return { path }
}

/** `name=value` lines for the expression; values reach Nix as strings, never as code. */
function parseExpressionArgs(value: string): Record<string, string> {
  checkCommon('expression-args', value, true)
  const args: Record<string, string> = {}
  for (const line of value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')) {
    const eq = line.indexOf('=')
    const name = eq < 0 ? '' : line.slice(0, eq).trim()
    if (!NIX_IDENTIFIER.test(name)) {
      throw new InputError(
        'expression-args',
        `expression-args line ${show(line)} is not name=value with a Nix identifier as the name`
      )
    }
    if (name in args) throw new InputError('expression-args', `expression-args gives ${name} twice`)
    args[name] = line.slice(eq + 1).trim()
  }
  return args
}
