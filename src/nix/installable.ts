/**
 * From "what the project asked to build" to the exact `nix build` argument vector, for one
 * target. Pure: no file is read except to find the library shipped beside the bundle.
 *
 * User strings never become Nix code: an installable is one argv element, and the library's
 * entry (nix/build.nix) receives every value with `--argstr`.
 */
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TargetSpec } from '../targets.js'

/** Where nixpkgs comes from for the library's modes (see nix/build.nix). */
export type NixpkgsSource = 'auto' | 'pinned' | 'flake-lock' | 'default-nix' | { path: string }

export type BuildMode =
  /** The project's own installable; `{target}`, `{system}`, `{attr}` are filled per target. */
  | { kind: 'installable'; template: string }
  /** A PostgREST-shaped Nix function called with the cross package set. */
  | {
      kind: 'expression'
      file: string
      /** Attribute path inside the function's result when it gives several derivations. */
      attr?: string
      /** Extra string arguments for the function (e.g. `{ compiler: 'ghc9123' }`). */
      args?: Readonly<Record<string, string>>
      nixpkgs?: NixpkgsSource
    }
  /** A cabal package built with callCabal2nix in the cross static Haskell set. */
  | { kind: 'package'; name: string; ghc?: string; nixpkgs?: NixpkgsSource }

export type BuildStrategy = 'cross' | 'emulated'

export interface NixBuildRequest {
  mode: BuildMode
  target: TargetSpec
  /** Absolute path of the project checkout (the build's working directory). */
  projectDir: string
  /** Absolute path of the shipped Nix library (see shippedLibraryDir). */
  libraryDir: string
  strategy?: BuildStrategy
  /** Keep a GC root here; without it the build makes none (`--no-link`). */
  outLink?: string
  /** `-L`: stream build logs (default true; a CI log wants them). */
  printBuildLogs?: boolean
  /** `--option <name> <value>` pairs, e.g. extra-platforms for the emulated strategy. */
  options?: ReadonlyArray<readonly [string, string]>
}

export interface NixBuildInvocation {
  /** Arguments after `nix` (without the experimental-feature flags runNix adds). */
  argv: string[]
  cwd: string
  /** Human description for logs and the plan. */
  describe: string
}

const PLACEHOLDER = /\{([^{}]*)\}/g

/** Fill an installable template for one target; unknown placeholders are an error. */
export function expandInstallable(template: string, target: TargetSpec): string {
  const values: Record<string, string> = {
    target: target.name,
    system: target.system,
    // The host target has no pkgsCross attribute; `native` keeps templates uniform.
    attr: target.nixpkgsCross ?? 'native'
  }
  const expanded = template.replace(PLACEHOLDER, (whole, key: string) => {
    const value = values[key]
    if (value === undefined) {
      throw new Error(
        `unknown placeholder ${whole} in installable '${template}' (known: {target}, {system}, {attr})`
      )
    }
    return value
  })
  if (expanded.trim() === '') throw new Error('installable is empty')
  // An argv element starting with '-' would be read by nix as an option.
  if (expanded.startsWith('-')) throw new Error(`installable must not start with '-': ${expanded}`)
  if (/[\s]/.test(expanded))
    throw new Error(`installable must not contain whitespace: '${expanded}'`)
  return expanded
}

const CABAL_PACKAGE = /^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)*$/
const HASKELL_SET = /^[A-Za-z][A-Za-z0-9_-]*$/
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/
const ATTR_PATH = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/

/** The `nixpkgs` value nix/build.nix and nix/nixpkgs-source.nix take: a keyword or an absolute path. */
export function nixpkgsArg(source: NixpkgsSource | undefined, projectDir: string): string {
  if (source === undefined) return 'auto'
  if (typeof source === 'string') return source
  return isAbsolute(source.path) ? source.path : resolve(projectDir, source.path)
}

/** The `nix build` argv for one target. */
export function nixBuildInvocation(request: NixBuildRequest): NixBuildInvocation {
  const { mode, target, projectDir, libraryDir } = request
  const strategy = request.strategy ?? 'cross'
  if (!isAbsolute(projectDir)) throw new Error(`projectDir must be absolute: ${projectDir}`)
  if (!isAbsolute(libraryDir)) throw new Error(`libraryDir must be absolute: ${libraryDir}`)

  const common = ['build', '--json']
  common.push(...(request.outLink ? ['--out-link', request.outLink] : ['--no-link']))
  if (request.printBuildLogs ?? true) common.push('-L')
  for (const [name, value] of request.options ?? []) common.push('--option', name, value)

  if (mode.kind === 'installable') {
    const installable = expandInstallable(mode.template, target)
    return { argv: [...common, installable], cwd: projectDir, describe: installable }
  }

  const lib = (args: string[], describe: string): NixBuildInvocation => ({
    argv: [
      ...common,
      '--file',
      join(libraryDir, 'build.nix'),
      '--argstr',
      'target',
      target.name,
      '--argstr',
      'projectDir',
      projectDir,
      '--argstr',
      'strategy',
      strategy,
      ...args,
      // build.nix is a function; nix applies --argstr on the way to an attribute.
      'static'
    ],
    cwd: projectDir,
    describe
  })

  if (mode.kind === 'expression') {
    if (mode.file.trim() === '') throw new Error('expression file is empty')
    if (mode.attr !== undefined && !ATTR_PATH.test(mode.attr))
      throw new Error(`invalid attribute path: ${mode.attr}`)
    const args = mode.args ?? {}
    for (const key of Object.keys(args)) {
      if (!ARG_NAME.test(key)) throw new Error(`invalid argument name for ${mode.file}: ${key}`)
    }
    return lib(
      [
        '--argstr',
        'mode',
        'expression',
        '--argstr',
        'file',
        mode.file,
        '--argstr',
        'attr',
        mode.attr ?? '',
        '--argstr',
        'argsJson',
        JSON.stringify(args),
        '--argstr',
        'nixpkgs',
        nixpkgsArg(mode.nixpkgs, projectDir)
      ],
      `${mode.file}${mode.attr ? '#' + mode.attr : ''} for ${target.name} (${strategy})`
    )
  }

  if (!CABAL_PACKAGE.test(mode.name)) throw new Error(`invalid cabal package name: ${mode.name}`)
  if (mode.ghc !== undefined && !HASKELL_SET.test(mode.ghc))
    throw new Error(`invalid GHC package set name: ${mode.ghc}`)
  return lib(
    [
      '--argstr',
      'mode',
      'package',
      '--argstr',
      'name',
      mode.name,
      '--argstr',
      'ghc',
      mode.ghc ?? '',
      '--argstr',
      'nixpkgs',
      nixpkgsArg(mode.nixpkgs, projectDir)
    ],
    `cabal package ${mode.name} for ${target.name} (${strategy})`
  )
}

/** A directory that holds the shipped library (its entry points are all present). */
export function isLibraryDir(dir: string): boolean {
  return ['default.nix', 'build.nix', 'targets.json', 'iserv-wrapper.nix'].every((f) =>
    existsSync(join(dir, f))
  )
}

/**
 * The Nix library shipped with the action, found from this module's own location: the bundle
 * (dist/main/index.js) and the sources (src/nix/installable.ts) both sit below the action's
 * root, which holds nix/. GITHUB_ACTION_PATH is not used: it is unset for some action kinds and
 * in tests, and the bundle's location is the truth.
 */
export function shippedLibraryDir(moduleUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(moduleUrl))
  for (;;) {
    const candidate = join(dir, 'nix')
    if (isLibraryDir(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error(
    `the static-cross Nix library (nix/) was not found above ${fileURLToPath(moduleUrl)}`
  )
}
