/**
 * The Template Haskell audit of one target: which Haskell packages in its build closure use
 * Template Haskell or quasi-quotes, from their cabal file and module pragmas in the store (the
 * package's `src`), and how their splices ran, from the derivation and its build log:
 * - `qemu-iserv`: GHC was given `-fexternal-interpreter` (and `-pgmi <wrapper>`), so splices ran
 *   in the target interpreter under qemu-user;
 * - `emulated`: the derivation was built for another system than the runner's, so GHC itself
 *   ran under qemu binfmt;
 * - `native`: built on the runner's system with GHC's own interpreter.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { runCommand } from '../nix/run.js'
import type { ClosurePath, NixClosure } from '../sbom/closure.js'
import type { HaskellPackage } from '../sbom/haskell.js'
import { cabalExtensions, pragmaExtensions, runsSplices, thExtensions } from './cabal.js'

export type SpliceRunner = 'qemu-iserv' | 'emulated' | 'native' | 'unknown'

export interface ThPackage {
  name: string
  version: string
  storePath: string
  /** TH-related extensions found, e.g. TemplateHaskell, QuasiQuotes. */
  extensions: string[]
  /** Where each was found: the cabal file or module, relative to the package source. */
  evidence: string[]
  /** Whether splices run at compile time (false: TemplateHaskellQuotes only). */
  splices: boolean
  ranIn: SpliceRunner
  /** The -pgmi program GHC started, when it was given one. */
  interpreter: string | null
}

export interface ThAudit {
  /** Haskell packages the closure holds (name-version). */
  haskellPackages: number
  packages: ThPackage[]
}

/** How a package's splices ran, from its derivation's system, GHC options and build log. */
export function spliceRunner(
  derivation: ClosurePath['derivation'],
  hostSystem: string,
  buildLog: string
): { ranIn: SpliceRunner; interpreter: string | null } {
  if (!derivation) return { ranIn: 'unknown', interpreter: null }
  const options = derivation.ghcOptions
  const pgmi = options.findIndex((o) => o.startsWith('-pgmi'))
  const interpreter =
    pgmi < 0
      ? null
      : options[pgmi] === '-pgmi'
        ? (options[pgmi + 1] ?? null)
        : options[pgmi]!.slice(5)
  if (options.includes('-fexternal-interpreter') || /-fexternal-interpreter/.test(buildLog))
    return { ranIn: 'qemu-iserv', interpreter }
  if (derivation.system !== null && derivation.system !== hostSystem)
    return { ranIn: 'emulated', interpreter: null }
  return { ranIn: 'native', interpreter: null }
}

async function filesUnder(dir: string, depth = 10): Promise<string[]> {
  if (depth === 0) return []
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await filesUnder(path, depth - 1)))
    else if (entry.isFile()) out.push(path)
  }
  return out.sort()
}

/** Cabal files and Haskell modules of a source in the store: a directory or a tarball. */
async function sourceTexts(src: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>()
  const wanted = (name: string) => /\.(cabal|hs|lhs|hsc)$/.test(name)
  const info = await stat(src).catch(() => null)
  if (info?.isDirectory()) {
    for (const file of (await filesUnder(src)).filter(wanted))
      texts.set(relative(src, file), await readFile(file, 'utf8'))
    return texts
  }
  if (!info?.isFile() || !/\.(tar(\.gz|\.xz|\.bz2)?|tgz)$/.test(src)) return texts
  // One extraction per tarball (a Hackage sdist is small); reading members one by one would
  // decompress it once per module.
  const dir = await mkdtemp(join(tmpdir(), 'th-audit-'))
  try {
    const unpacked = await runCommand('tar', ['-xf', src, '-C', dir, '--no-same-owner'], {
      echo: false
    })
    if (unpacked.exitCode !== 0) return texts
    for (const file of (await filesUnder(dir)).filter(wanted))
      texts.set(relative(dir, file), await readFile(file, 'utf8'))
    return texts
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function buildLog(drv: string | null): Promise<string> {
  if (drv === null) return ''
  const log = await runCommand('nix-store', ['--read-log', drv], { echo: false })
  return log.exitCode === 0 ? log.stdout : ''
}

/** Audit the Haskell packages of one target's closure. */
export async function auditTarget(
  closure: NixClosure,
  haskell: ReadonlyMap<string, readonly HaskellPackage[]>,
  hostSystem: string
): Promise<ThAudit> {
  const packages: ThPackage[] = []
  const candidates = closure.paths.filter((p) => haskell.has(p.path) || p.path === closure.root)
  for (const entry of candidates) {
    const registered = haskell.get(entry.path)?.[0]
    const src = entry.derivation?.src ?? null
    if (src === null) continue
    const extensions: string[] = []
    const evidence: string[] = []
    for (const [file, text] of await sourceTexts(src)) {
      const found = thExtensions(
        file.endsWith('.cabal') ? cabalExtensions(text) : pragmaExtensions(text)
      )
      if (found.length === 0) continue
      extensions.push(...found)
      evidence.push(file)
    }
    if (extensions.length === 0) continue
    const unique = [...new Set(extensions)].sort()
    const how = spliceRunner(entry.derivation, hostSystem, await buildLog(entry.deriver))
    packages.push({
      name: registered?.name ?? entry.derivation?.pname ?? entry.path,
      version: registered?.version ?? entry.derivation?.version ?? '',
      storePath: entry.path,
      extensions: unique,
      evidence,
      splices: runsSplices(unique),
      ...how
    })
  }
  return {
    haskellPackages: haskell.size,
    packages: packages.sort((a, b) => a.name.localeCompare(b.name))
  }
}
