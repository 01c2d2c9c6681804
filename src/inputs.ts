/**
 * The one place that reads action inputs: every input is read, validated and typed here,
 * before the action does anything else. Errors name the input, the value and what is valid.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { join, relative, resolve, isAbsolute } from 'node:path'
import type { BuildMode, NixpkgsSource } from './nix/installable.js'
import { TARGETS, TARGET_NAMES } from './targets.js'
import {
  InputError,
  MAX_INPUT_LENGTH,
  checkCommon,
  checkPlaceholders,
  parseBoolean,
  parseChoice,
  parseInteger,
  parseList,
  parseRelativePath,
  parseSize,
  show
} from './inputs/parse.js'

export { InputError } from './inputs/parse.js'

export const STRATEGIES = ['cross', 'emulated'] as const
export type Strategy = (typeof STRATEGIES)[number]
export const ARCHIVE_FORMATS = ['tar.xz', 'tar.gz', 'zip', 'raw'] as const
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number]
export const FAIL_ON = ['any', 'all', 'none'] as const
export type FailOn = (typeof FAIL_ON)[number]

export const INSTALLABLE_PLACEHOLDERS = ['target', 'system', 'attr'] as const
export const ARTIFACT_NAME_PLACEHOLDERS = ['name', 'version', 'arch', 'target', 'system'] as const

/** The build mode as the Nix library takes it (src/nix/installable.ts). */
export type { BuildMode } from './nix/installable.js'

export interface NixInstallerOverride {
  version: string
  url: string
  sha256: string
}

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
}

/** Reads one input's raw value; `core.getInput` on a runner, a record in tests. */
export type InputReader = (name: string) => string

/** Friendly spellings people write for a target, offered as a hint, never accepted silently. */
const TARGET_ALIASES: Record<string, string> = {
  amd64: 'x86_64-linux',
  x86_64: 'x86_64-linux',
  'x86-64': 'x86_64-linux',
  arm64: 'aarch64-linux',
  aarch64: 'aarch64-linux',
  armhf: 'armv7l-linux',
  armv7: 'armv7l-linux',
  armv7l: 'armv7l-linux',
  armv6: 'armv6l-linux',
  armv6l: 'armv6l-linux',
  riscv64: 'riscv64-linux',
  ppc64le: 'powerpc64le-linux',
  s390x: 's390x-linux',
  i386: 'i686-linux',
  i686: 'i686-linux',
  x86: 'i686-linux'
}

const SIMPLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/
const CABAL_PACKAGE = /^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)*$/
const NIX_ATTR_PATH = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/
const NIX_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/
const HASKELL_SET = /^[A-Za-z][A-Za-z0-9_-]*$/
const NIXPKGS_SOURCES = ['auto', 'pinned', 'flake-lock', 'default-nix'] as const
const CACHE_KEY_PART = /^[A-Za-z0-9._-]{1,64}$/
const NIX_KEY_NAME = /^[A-Za-z0-9._-]+$/

export function parseTargets(value: string): string[] {
  const targets = parseList('targets', value, { spaces: true })
  if (targets.length === 0) {
    throw new InputError('targets', `targets is empty; give one or more of: ${TARGET_NAMES.join(', ')}`)
  }
  const seen = new Set<string>()
  for (const target of targets) {
    if (!TARGETS.has(target)) {
      const alias = TARGET_ALIASES[target.toLowerCase()]
      const hint = alias ? ` (did you mean ${alias}?)` : ''
      throw new InputError(
        'targets',
        `targets names an unknown target ${show(target)}${hint}; valid targets: ${TARGET_NAMES.join(', ')}`
      )
    }
    if (seen.has(target)) {
      throw new InputError('targets', `targets lists ${target} twice; list each target once`)
    }
    seen.add(target)
  }
  return targets
}

export function parseStrategyOverrides(value: string, targets: readonly string[]): Record<string, Strategy> {
  const overrides: Record<string, Strategy> = {}
  for (const entry of parseList('strategy-overrides', value, { spaces: true })) {
    const match = /^([^=]+)=([^=]+)$/.exec(entry)
    if (!match) {
      throw new InputError('strategy-overrides', `strategy-overrides entry ${show(entry)} is not target=strategy (e.g. armv6l-linux=emulated)`)
    }
    const [, target, strategy] = match as unknown as [string, string, string]
    if (!targets.includes(target)) {
      throw new InputError(
        'strategy-overrides',
        `strategy-overrides names ${show(target)}, which is not among the targets (${targets.join(', ')})`
      )
    }
    if (target in overrides) {
      throw new InputError('strategy-overrides', `strategy-overrides gives ${target} twice; give each target once`)
    }
    overrides[target] = parseChoice('strategy-overrides', strategy, STRATEGIES)
  }
  return overrides
}

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

function parseBuildMode(read: InputReader, workspace: string, projectDir: string): BuildMode {
  const installable = read('installable')
  const expression = read('expression')
  const pkg = read('package')
  const given = [
    ['installable', installable],
    ['expression', expression],
    ['package', pkg]
  ].filter(([, value]) => value !== '')
  if (given.length !== 1) {
    const which = given.length === 0 ? 'none is set' : `${given.map(([n]) => n).join(' and ')} are set`
    throw new InputError(
      given[0]?.[0] ?? 'installable',
      `set exactly one of installable (e.g. .#static-{target}), expression (e.g. nix/static.nix) or package (a cabal package name); ${which}`
    )
  }
  if (installable !== '') return { kind: 'installable', template: parseInstallableTemplate(installable) }
  const nixpkgs = parseNixpkgsSource(read('nixpkgs'), workspace, projectDir)
  if (expression !== '') {
    const file = parseRelativePath('expression', expression)
    const absolute = join(resolve(workspace, projectDir), file)
    if (!existsSync(absolute) || !statSync(absolute).isFile()) {
      throw new InputError('expression', `expression file ${show(expression)} does not exist in ${projectDir === '.' ? 'the workspace' : projectDir}`)
    }
    checkInsideWorkspace('expression', expression, absolute, workspace)
    const attr = read('attr')
    if (attr !== '' && !NIX_ATTR_PATH.test(attr)) {
      throw new InputError('attr', `attr ${show(attr)} is not a Nix attribute path such as postgrestStatic`)
    }
    return { kind: 'expression', file, attr: attr || undefined, args: parseExpressionArgs(read('expression-args')), nixpkgs }
  }
  for (const name of ['attr', 'expression-args']) {
    if (read(name) !== '') throw new InputError(name, `${name} goes with expression, which is not set`)
  }
  checkCommon('package', pkg, false)
  if (!CABAL_PACKAGE.test(pkg) || pkg.length > 128) {
    throw new InputError('package', `package ${show(pkg)} is not a cabal package name (letters, digits and single dashes)`)
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
    throw new InputError('nixpkgs', `nixpkgs must be one of ${NIXPKGS_SOURCES.join(', ')} or a path in the project; ${show(value)} is neither`)
  }
  checkInsideWorkspace('nixpkgs', value, absolute, workspace)
  return { path }
}

/** `name=value` lines for the expression; values reach Nix as strings, never as code. */
function parseExpressionArgs(value: string): Record<string, string> {
  checkCommon('expression-args', value, true)
  const args: Record<string, string> = {}
  for (const line of value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')) {
    const eq = line.indexOf('=')
    const name = eq < 0 ? '' : line.slice(0, eq).trim()
    if (!NIX_IDENTIFIER.test(name)) {
      throw new InputError('expression-args', `expression-args line ${show(line)} is not name=value with a Nix identifier as the name`)
    }
    if (name in args) throw new InputError('expression-args', `expression-args gives ${name} twice`)
    args[name] = line.slice(eq + 1).trim()
  }
  return args
}

function parseSimpleName(input: string, value: string, what: string): string {
  checkCommon(input, value, false)
  if (!SIMPLE_NAME.test(value) || value.length > 100) {
    throw new InputError(input, `${input} ${show(value)} is not ${what} (letters, digits, '.', '_', '+', '-', starting with a letter or digit, at most 100)`)
  }
  return value
}

/** Derived defaults are cleaned rather than refused: a tag like `release/1.0` becomes `release-1.0`. */
function cleanDerivedName(value: string): string {
  return value.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100)
}

/** A project with one .cabal file names its executables after it (PostgREST: postgrest.cabal). */
function cabalPackageName(projectPath: string): string | null {
  const cabalFiles = readdirSync(projectPath).filter((file) => file.endsWith('.cabal'))
  return cabalFiles.length === 1 ? (cabalFiles[0] as string).slice(0, -'.cabal'.length) : null
}

function defaultName(mode: BuildMode, projectPath: string, env: NodeJS.ProcessEnv): string {
  if (mode.kind === 'package') return mode.name
  const cabal = cabalPackageName(projectPath)
  if (cabal && SIMPLE_NAME.test(cabal)) return cabal
  const repository = env.GITHUB_REPOSITORY?.split('/')[1]
  return cleanDerivedName(repository ?? '') || 'app'
}

function defaultVersion(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_REF_TYPE === 'tag' && env.GITHUB_REF_NAME) return cleanDerivedName(env.GITHUB_REF_NAME) || 'dev'
  if (env.GITHUB_SHA && /^[0-9a-f]{7,}$/.test(env.GITHUB_SHA)) return env.GITHUB_SHA.slice(0, 7)
  return 'dev'
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

function parseNixInstaller(read: InputReader): NixInstallerOverride | null {
  const version = read('nix-version')
  const url = read('nix-installer-url')
  const sha256 = read('nix-installer-sha256')
  const given = [version, url, sha256].filter((v) => v !== '').length
  if (given === 0) return null
  if (given !== 3) {
    throw new InputError(
      'nix-version',
      'nix-version, nix-installer-url and nix-installer-sha256 go together: set all three to override the pinned Nix installer, or none'
    )
  }
  if (!/^\d+\.\d+(\.\d+)?$/.test(version)) {
    throw new InputError('nix-version', `nix-version must look like 2.24.10, got ${show(version)}`)
  }
  checkCommon('nix-installer-url', url, false)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError('nix-installer-url', `nix-installer-url is not a URL: ${show(url)}`)
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new InputError('nix-installer-url', `nix-installer-url must be an https URL, got ${show(url)}`)
  }
  if (!/^[0-9a-f]{64}$/i.test(sha256)) {
    throw new InputError('nix-installer-sha256', `nix-installer-sha256 must be 64 hexadecimal digits, got ${show(sha256)}`)
  }
  return { version, url, sha256: sha256.toLowerCase() }
}

function parseSubstituters(value: string): string[] {
  return parseList('substituters', value, { spaces: true }).map((entry) => {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      throw new InputError('substituters', `substituters entry ${show(entry)} is not a URL such as https://example.cachix.org`)
    }
    if (!['https:', 'http:', 'file:', 's3:', 'ssh:', 'ssh-ng:'].includes(url.protocol)) {
      throw new InputError('substituters', `substituters entry ${show(entry)} has an unsupported scheme ${url.protocol}`)
    }
    return entry
  })
}

function parsePublicKeys(value: string): string[] {
  return parseList('trusted-public-keys', value, { spaces: true }).map((entry) => {
    const [name, key] = entry.split(':')
    if (!name || !key || entry.split(':').length !== 2 || !NIX_KEY_NAME.test(name) || Buffer.from(key, 'base64').length !== 32) {
      throw new InputError('trusted-public-keys', `trusted-public-keys entry ${show(entry)} is not a Nix public key (name:base64 of 32 bytes)`)
    }
    return entry
  })
}

/** The signing key is a secret: its value never appears in an error. */
export function parseSigningKey(value: string): string {
  if (value === '') return ''
  const parts = value.split(':')
  const valid =
    parts.length === 2 &&
    NIX_KEY_NAME.test(parts[0] as string) &&
    /^[A-Za-z0-9+/]+={0,2}$/.test(parts[1] as string) &&
    Buffer.from(parts[1] as string, 'base64').length === 64
  if (!valid) {
    throw new InputError(
      'cache-signing-key',
      `cache-signing-key is not a Nix secret key (expected name:base64 of 64 bytes, as 'nix key generate-secret' writes; the value given has ${value.length} characters and is not shown)`
    )
  }
  return value
}

/** A secret is checked like any single-line value, but its value is never shown. */
function parseSecretLine(input: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.length > 4096 || /[\u0000-\u001f\u007f\s]/.test(value)) {
    throw new InputError(input, `${input} has ${value.length} characters including spaces or control characters; the value is not shown`)
  }
  return value
}

function parseSmokeExpect(value: string): RegExp | null {
  if (value === '') return null
  checkCommon('smoke-expect', value, false)
  if (value.length > 1000) throw new InputError('smoke-expect', 'smoke-expect is longer than 1000 characters')
  try {
    return new RegExp(value)
  } catch (error) {
    throw new InputError('smoke-expect', `smoke-expect ${show(value)} is not a valid regular expression: ${(error as Error).message}`)
  }
}

function parseSmokeArgs(value: string): string[] {
  checkCommon('smoke-args', value, false)
  return value.split(/\s+/).filter((arg) => arg !== '')
}

function parseExecutables(value: string): string[] {
  const names = parseList('executables', value, { spaces: true })
  for (const name of names) parseSimpleName('executables', name, 'an executable name in bin/')
  const twice = names.find((name, i) => names.indexOf(name) !== i)
  if (twice) throw new InputError('executables', `executables lists ${show(twice)} twice; list each executable once`)
  return names
}

/**
 * A path that exists must also resolve inside the workspace: `parseRelativePath` checks the
 * spelling, this follows symbolic links, so a checked-in link cannot point Nix outside it.
 */
function checkInsideWorkspace(input: string, value: string, absolute: string, workspace: string): void {
  const rel = relative(realpathSync(workspace), realpathSync(absolute))
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    throw new InputError(input, `${input} ${show(value)} leaves the workspace through a symbolic link`)
  }
}

function parseProjectDir(value: string, workspace: string): string {
  const dir = parseRelativePath('project-dir', value === '' ? '.' : value)
  const absolute = resolve(workspace, dir)
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new InputError('project-dir', `project-dir ${show(value)} is not a directory in the workspace`)
  }
  checkInsideWorkspace('project-dir', value, absolute, workspace)
  return dir
}

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
  const name = raw('name') === '' ? defaultName(mode, resolve(workspace, projectDir), env) : parseSimpleName('name', raw('name'), 'a name for artifacts')
  const version =
    raw('version') === '' ? defaultVersion(env) : parseSimpleName('version', raw('version'), 'a version for artifacts')
  const archive = parseChoice('archive', raw('archive'), ARCHIVE_FORMATS)
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
    throw new InputError('cache-key', `cache-key ${show(cacheKeyRaw)} may hold only letters, digits, '.', '_' and '-' (at most 64)`)
  }
  const cacheSigningKey = parseSigningKey(raw('cache-signing-key'))
  const cacheMaxSizeBytes = parseSize('cache-max-size', raw('cache-max-size'), 1024 ** 2, 10 * 1024 ** 3)
  const cacheStrict = parseBoolean('cache-strict', raw('cache-strict'))
  const summary = parseBoolean('summary', raw('summary'))
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
    summary
  }
}
