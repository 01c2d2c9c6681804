/**
 * The Nix closure behind one built executable, read from the store: every path that went into
 * the build (`nix-store -qR --include-outputs <drv>`: sources, tools, libraries), with each
 * path's NAR hash and references, and the name, version and meta its derivation records.
 * When the derivation is not in the store (an output substituted from the binary cache), only
 * the runtime closure can be read, and the result says so.
 */
import { runCommand, runNix } from '../nix/run.js'

export interface DerivationFacts {
  name: string | null
  pname: string | null
  version: string | null
  /** meta as the derivation's environment records it (JSON), when it does. */
  meta: Record<string, unknown> | null
  /** The system the derivation builds on (a target system means an emulated build). */
  system: string | null
  /** The `src` the derivation builds from (a directory or tarball in the store). */
  src: string | null
  /** Every GHC option the derivation passes (configureFlags' --ghc-option=... and ghcFlags). */
  ghcOptions: string[]
}

export interface ClosurePath {
  path: string
  narHash: string
  narSize: number
  references: string[]
  deriver: string | null
  derivation: DerivationFacts | null
}

export interface NixClosure {
  /** build: everything the build used; runtime: only what the output references. */
  kind: 'build' | 'runtime'
  root: string
  rootDerivation: string | null
  paths: ClosurePath[]
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const asString = (value: unknown): string | null => (typeof value === 'string' ? value : null)

/** Parse `nix path-info --json` (an array in Nix 2.8, an object keyed by path in newer Nix). */
export function parsePathInfo(stdout: string): Omit<ClosurePath, 'derivation'>[] {
  const parsed: unknown = JSON.parse(stdout)
  const entries: [string, unknown][] = Array.isArray(parsed)
    ? parsed.map((e) => [isRecord(e) ? (asString(e.path) ?? '') : '', e])
    : isRecord(parsed)
      ? Object.entries(parsed)
      : []
  return entries.flatMap(([path, info]) => {
    if (!isRecord(info) || path === '' || typeof info.narHash !== 'string') return []
    return [
      {
        path,
        narHash: info.narHash,
        narSize: typeof info.narSize === 'number' ? info.narSize : 0,
        references: Array.isArray(info.references)
          ? info.references.filter((r): r is string => typeof r === 'string')
          : [],
        deriver: asString(info.deriver)
      }
    ]
  })
}

function parseMeta(env: Record<string, unknown>): Record<string, unknown> | null {
  const meta = asString(env.meta)
  if (meta === null) return null
  try {
    const parsed: unknown = JSON.parse(meta)
    return isRecord(parsed) ? parsed : null
  } catch {
    return null
  }
}

/**
 * GHC options as nixpkgs' Haskell builder passes them: `--ghc-option=<opt>` / `--ghc-options=<opts>`
 * in configureFlags (how its cross set-up adds `-fexternal-interpreter -pgmi <wrapper>`).
 */
export function ghcOptionsOf(env: Record<string, unknown>): string[] {
  const words = [asString(env.configureFlags), asString(env.ghcFlags)]
    .flatMap((v) => (v === null ? [] : v.split(/\s+/)))
    .filter((w) => w !== '')
  return words.flatMap((word) => {
    const m = /^--ghc-options?=(.*)$/.exec(word)
    if (m) return (m[1] ?? '').split(',').filter((o) => o !== '')
    return word.startsWith('-') && !word.startsWith('--') ? [word] : []
  })
}

/** Parse `nix show-derivation` / `nix derivation show` output: derivation path -> facts. */
export function parseDerivations(stdout: string): Map<string, DerivationFacts> {
  const parsed: unknown = JSON.parse(stdout)
  const facts = new Map<string, DerivationFacts>()
  if (!isRecord(parsed)) return facts
  // Newer Nix nests derivations under "derivations" and may key them without /nix/store/.
  const table = isRecord(parsed.derivations) ? parsed.derivations : parsed
  for (const [drvPath, drv] of Object.entries(table)) {
    if (!isRecord(drv) || !isRecord(drv.env)) continue
    const env = drv.env
    const key = drvPath.startsWith('/') ? drvPath : `/nix/store/${drvPath}`
    facts.set(key, {
      name: asString(env.name) ?? asString(drv.name),
      pname: asString(env.pname),
      version: asString(env.version),
      meta: parseMeta(env),
      system: asString(drv.system) ?? asString(env.system),
      src: asString(env.src),
      ghcOptions: ghcOptionsOf(env)
    })
  }
  return facts
}

async function mustRun(
  run: Promise<{ exitCode: number; stdout: string; stderr: string }>,
  what: string
): Promise<string> {
  const result = await run
  if (result.exitCode !== 0)
    throw new Error(`${what} failed (exit ${result.exitCode}): ${result.stderr.trim().slice(-500)}`)
  return result.stdout
}

/** Derivations in one call; Nix 2.8 spells it `show-derivation`, newer Nix `derivation show`. */
async function showDerivations(drvPaths: readonly string[]): Promise<Map<string, DerivationFacts>> {
  if (drvPaths.length === 0) return new Map()
  const modern = await runNix(['derivation', 'show', ...drvPaths], { echo: false })
  if (modern.exitCode === 0) return parseDerivations(modern.stdout)
  return parseDerivations(
    await mustRun(runNix(['show-derivation', ...drvPaths], { echo: false }), 'nix show-derivation')
  )
}

/** The paths among `paths` that are in the store, in one call. */
async function validPaths(paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return []
  const invalid = await mustRun(
    runCommand('nix-store', ['--check-validity', '--print-invalid', ...paths], { echo: false }),
    'nix-store --check-validity'
  )
  const missing = new Set(invalid.split('\n').map((l) => l.trim()))
  return paths.filter((p) => !missing.has(p))
}

/** Read the closure of a built store path (the target's `nix build` output). */
export async function queryClosure(root: string): Promise<NixClosure> {
  const [rootInfo] = parsePathInfo(
    await mustRun(runNix(['path-info', '--json', root], { echo: false }), 'nix path-info')
  )
  const rootDerivation = rootInfo?.deriver ?? null
  const buildClosure = rootDerivation !== null && (await validPaths([rootDerivation])).length === 1
  const listed = buildClosure
    ? await mustRun(
        runCommand('nix-store', ['--query', '--requisites', '--include-outputs', rootDerivation], {
          echo: false
        }),
        'nix-store --query --requisites'
      )
    : await mustRun(
        runCommand('nix-store', ['--query', '--requisites', root], { echo: false }),
        'nix-store --query --requisites'
      )
  const storePaths = [
    ...new Set(
      listed
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.endsWith('.drv'))
    )
  ]
  const infos = parsePathInfo(
    await mustRun(runNix(['path-info', '--json', ...storePaths], { echo: false }), 'nix path-info')
  )
  const derivers = [...new Set(infos.flatMap((i) => (i.deriver !== null ? [i.deriver] : [])))]
  const derivations = await showDerivations(await validPaths(derivers))
  return {
    kind: buildClosure ? 'build' : 'runtime',
    root,
    rootDerivation,
    paths: infos
      .map((info) => ({
        ...info,
        derivation: info.deriver !== null ? (derivations.get(info.deriver) ?? null) : null
      }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }
}
