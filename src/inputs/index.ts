/**
 * The one place that reads action inputs: every input is read, validated and typed here,
 * before the action does anything else. Errors name the input, the value and what is valid.
 * The parsers for each concern live beside this file; this module reads the inputs in the
 * order of action.yml and hands each to its parser.
 */
import { resolve } from 'node:path'
import type { BuildMode } from '../nix/installable.js'
import { parseBuildMode } from './build-mode.js'
import {
  defaultName,
  defaultVersion,
  parseArtifactNameTemplate,
  parseExecutables,
  parseSimpleName
} from './naming.js'
import {
  type NixInstallerOverride,
  parseNixInstaller,
  parsePublicKeys,
  parseSecretLine,
  parseSigningKey,
  parseSubstituters
} from './nix-settings.js'
import {
  InputError,
  type InputReader,
  MAX_INPUT_LENGTH,
  checkCommon,
  parseBoolean,
  parseChoice,
  parseInteger,
  parseSize,
  show
} from './parse.js'
import { type ImageInputs, parseImageInputs } from './image.js'
import { parseSmokeArgs, parseSmokeExpect } from './smoke.js'
import { STRATEGIES, type Strategy, parseStrategyOverrides, parseTargets } from './targets.js'
import { parseProjectDir } from './workspace.js'

export { InputError, type InputReader } from './parse.js'
export type { ImageInputs } from './image.js'
export type { NixInstallerOverride } from './nix-settings.js'
export { STRATEGIES, type Strategy } from './targets.js'
export { INSTALLABLE_PLACEHOLDERS } from './build-mode.js'
export { ARTIFACT_NAME_PLACEHOLDERS } from './naming.js'

export const ARCHIVE_FORMATS = ['tar.xz', 'tar.gz', 'zip', 'raw'] as const
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number]
export const FAIL_ON = ['any', 'all', 'none'] as const
export type FailOn = (typeof FAIL_ON)[number]

/** The build mode as the Nix library takes it (src/nix/installable.ts). */
export type { BuildMode } from '../nix/installable.js'

export interface Inputs {
  targets: string[]
  strategy: Strategy
  strategyOverrides: Record<string, Strategy>
  mode: BuildMode
  /** Project directory relative to the workspace, normalised (`.` for the workspace). */
  projectDir: string
  executables: string[]
  smokeArgs: string[]
  smokeExpect: RegExp | null
  smokeTimeoutSec: number
  name: string
  version: string
  archive: ArchiveFormat
  /** 0-9, or null for the format's own default (xz preset 6, deflate 9). */
  compressionLevel: number | null
  artifactName: string
  upload: boolean
  retentionDays: number
  failOn: FailOn
  maxParallel: number
  dryRun: boolean
  installNix: boolean
  nixInstaller: NixInstallerOverride | null
  extraNixConfig: string
  substituters: string[]
  trustedPublicKeys: string[]
  githubToken: string
  cache: boolean
  cacheKey: string
  cacheSigningKey: string
  cacheMaxSizeBytes: number
  cacheStrict: boolean
  summary: boolean
  attest: boolean
  /** The multi-platform OCI image, or null when `image` is false. */
  image: ImageInputs | null
}

/** Empty for the format's default; a level with `raw` is refused, since nothing is compressed. */
function parseCompressionLevel(value: string, archive: ArchiveFormat): number | null {
  if (value === '') return null
  const level = parseInteger('compression-level', value, 0, 9)
  if (archive === 'raw') {
    throw new InputError(
      'compression-level',
      `compression-level ${level} has nothing to compress with archive: raw; remove it or choose tar.xz, tar.gz or zip`
    )
  }
  return level
}

const CACHE_KEY_PART = /^[A-Za-z0-9._-]{1,64}$/

/**
 * Read and validate every input. Throws the first InputError found, in the order of
 * action.yml, so a run reports one clear problem at a time.
 */
export function getInputs(read: InputReader, env: NodeJS.ProcessEnv = process.env): Inputs {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd()
  const raw = (name: string): string => {
    const value = read(name)
    if (value.length > MAX_INPUT_LENGTH) checkCommon(name, value, true)
    return value
  }
  const targets = parseTargets(raw('targets'))
  const strategy = parseChoice('strategy', raw('strategy'), STRATEGIES)
  const strategyOverrides = parseStrategyOverrides(raw('strategy-overrides'), targets)
  const projectDir = parseProjectDir(raw('project-dir'), workspace)
  const mode = parseBuildMode(raw, workspace, projectDir)
  const executables = parseExecutables(raw('executables'))
  const smokeArgs = parseSmokeArgs(raw('smoke-args'))
  const smokeExpect = parseSmokeExpect(raw('smoke-expect'))
  const smokeTimeoutSec = parseInteger('smoke-timeout', raw('smoke-timeout'), 1, 3600)
  const name =
    raw('name') === ''
      ? defaultName(mode, resolve(workspace, projectDir), env)
      : parseSimpleName('name', raw('name'), 'a name for artifacts')
  const version =
    raw('version') === ''
      ? defaultVersion(env)
      : parseSimpleName('version', raw('version'), 'a version for artifacts')
  const archive = parseChoice('archive', raw('archive'), ARCHIVE_FORMATS)
  const compressionLevel = parseCompressionLevel(raw('compression-level'), archive)
  const artifactName = parseArtifactNameTemplate(raw('artifact-name'), targets.length)
  const upload = parseBoolean('upload', raw('upload'))
  const retentionDays = parseInteger('retention-days', raw('retention-days'), 0, 90)
  const failOn = parseChoice('fail-on', raw('fail-on'), FAIL_ON)
  const maxParallel = parseInteger('max-parallel', raw('max-parallel'), 1, 16)
  const dryRun = parseBoolean('dry-run', raw('dry-run'))
  const installNix = parseBoolean('install-nix', raw('install-nix'))
  const nixInstaller = parseNixInstaller(raw)
  const extraNixConfig = checkCommon('extra-nix-config', raw('extra-nix-config'), true)
  const substituters = parseSubstituters(raw('substituters'))
  const trustedPublicKeys = parsePublicKeys(raw('trusted-public-keys'))
  const githubToken = parseSecretLine('github-token', raw('github-token'))
  const cache = parseBoolean('cache', raw('cache'))
  const cacheKeyRaw = raw('cache-key')
  if (cacheKeyRaw !== '' && !CACHE_KEY_PART.test(cacheKeyRaw)) {
    throw new InputError(
      'cache-key',
      `cache-key ${show(cacheKeyRaw)} may hold only letters, digits, '.', '_' and '-' (at most 64)`
    )
  }
  const cacheSigningKey = parseSigningKey(raw('cache-signing-key'))
  const cacheMaxSizeBytes = parseSize(
    'cache-max-size',
    raw('cache-max-size'),
    1024 ** 2,
    10 * 1024 ** 3
  )
  const cacheStrict = parseBoolean('cache-strict', raw('cache-strict'))
  const summary = parseBoolean('summary', raw('summary'))
  const attest = parseBoolean('attest', raw('attest'))
  const image = parseImageInputs(raw, version)
  return {
    targets,
    strategy,
    strategyOverrides,
    mode,
    projectDir,
    executables,
    smokeArgs,
    smokeExpect,
    smokeTimeoutSec,
    name,
    version,
    archive,
    compressionLevel,
    artifactName,
    upload,
    retentionDays,
    failOn,
    maxParallel,
    dryRun,
    installNix,
    nixInstaller,
    extraNixConfig,
    substituters,
    trustedPublicKeys,
    githubToken,
    cache,
    cacheKey: cacheKeyRaw,
    cacheSigningKey,
    cacheMaxSizeBytes,
    cacheStrict,
    summary,
    attest,
    image
  }
}
