/**
 * The binary cache at a real project's scale: an executable whose closure holds 100 MB, 1 GB
 * or 3 GB of library-like store paths in ten paths (the `bench-cache`
 * fixture: the machine's GHC libraries cut into 4 MB files).
 *
 * Cold: new derivations, empty Actions cache; the post step saves only the paths this run
 * made (nix copy to the file:// cache with zstd, then the Actions cache upload to Azurite).
 * Warm: a fresh workspace after the executable and its library paths were deleted from the
 * store, so the restored binary cache must supply the whole closure; it must build nothing.
 *
 * Against it, what nix-community/cache-nix-action and similar actions do: one tarball of the
 * whole store paths (tar + zstd -T0, as @actions/cache compresses), created and unpacked here
 * on the same disk. That figure leaves out the Actions cache transfer, which the action's
 * figures include, so the comparison favours the tarball.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Services } from '../test-support/runner/index.js'
import { benchRun, saltedWorkspace, type ActionSnapshot } from './action-runs.js'
import { progress, runCommand } from './measure.js'
import { countBuilds, derivationsToBuild, nixEnv, type StoreLedger } from './nix-store.js'

export const CACHE_SIZES = ['100mb', '1gb', '3gb'] as const
export type CacheSize = (typeof CACHE_SIZES)[number]

export interface CacheScaleRow {
  size: CacheSize
  /** Bytes of the closure on disk (nix path-info -S). */
  closureBytes: number
  /** Bytes of the Actions cache entry (the zstd NARs in the archive @actions/cache made). */
  cacheBytes: number
  coldMainMs: number
  /** Post step of the cold run: copy of the new paths into the cache and its upload. */
  saveMs: number
  /** Main step of the warm run: restore, substitute the whole closure, verify, package. */
  warmMainMs: number
  /** The warm run's cache restore (download and unpack), from the action's own log line. */
  restoreMs: number
  /** The warm run's build step: Nix substituting the whole closure from the restored cache. */
  substituteMs: number
  warmBuilt: number
  warmSubstituted: number
  cacheHit: string
  /** tar + zstd -T0 of the closure's store paths, and unpacking it into an empty directory. */
  tarballSaveMs: number
  tarballRestoreMs: number
  tarballBytes: number
}

export interface CacheScaleResult {
  rows: CacheScaleRow[]
}

/** "Binary cache: exact (...), 159075386 bytes in 2.3 s; ..." from the main step's log. */
function restoreSeconds(log: readonly string[]): number {
  for (const line of log) {
    const match = /Binary cache: (?:exact|partial)\b.* bytes in ([\d.]+) s/.exec(line)
    if (match) return Number(match[1])
  }
  throw new Error('the warm run logged no binary cache restore')
}

async function closureOf(path: string): Promise<{ paths: string[]; bytes: number }> {
  const closure = await runCommand('nix-store', ['--query', '--requisites', path], {
    env: nixEnv()
  })
  const paths = closure.stdout.split('\n').filter(Boolean)
  const size = await runCommand('nix', ['path-info', '-S', path], { env: nixEnv() })
  const bytes = Number(size.stdout.trim().split(/\s+/).pop())
  return { paths, bytes }
}

async function tarball(
  paths: readonly string[]
): Promise<{ saveMs: number; restoreMs: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tarball-'))
  try {
    const file = join(dir, 'store.tar.zst')
    const save = await runCommand('tar', [
      '--use-compress-program',
      'zstd -T0',
      '-cPf',
      file,
      ...paths
    ])
    const bytes = statSync(file).size
    const into = join(dir, 'restore')
    await runCommand('mkdir', [into])
    const restore = await runCommand('tar', [
      '--use-compress-program',
      'zstd -d -T0',
      '-xf',
      file,
      '-C',
      into
    ])
    return { saveMs: save.wallMs, restoreMs: restore.wallMs, bytes }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchCacheScale(options: {
  services: Services
  action: ActionSnapshot
  ledger: StoreLedger
  repo: string
  sizes: readonly CacheSize[]
}): Promise<CacheScaleResult> {
  const source = join(options.repo, 'test-support', 'fixtures', 'bench-cache')
  const rows: CacheScaleRow[] = []
  for (const size of options.sizes) {
    const salt = `cs${Date.now().toString(36)}${size}`
    const coldWorkspace = saltedWorkspace(source, salt, ['hello.c'])
    const warmWorkspace = saltedWorkspace(source, salt, ['hello.c'])
    const inputs = {
      targets: 'x86_64-linux',
      installable: `.#${size}`,
      name: 'hello',
      version: salt,
      'cache-key': `bench-${salt}`
    }
    try {
      const drvs = await derivationsToBuild(coldWorkspace, [`.#${size}`])
      progress(`binary cache ${size}: cold run (${drvs.length} derivations to build)`)
      const cold = await benchRun({
        ...options,
        workspace: coldWorkspace,
        inputs,
        label: `cache ${size} cold run`
      })
      const exe = cold.results[0]!.storePath!
      const closure = await closureOf(exe)
      options.ledger.addOutputs(closure.paths)
      const entry = options.services
        .listCacheEntries()
        .find((e) => e.finalized && e.key.includes(`bench-${salt}`))
      const cacheBytes = entry?.storedBytes ?? entry?.sizeBytes ?? Number.NaN
      progress(`binary cache ${size}: tarball of the ${closure.paths.length} store paths`)
      const tar = await tarball(closure.paths)
      progress(`binary cache ${size}: warm run (closure deleted from the store)`)
      // The executable and its libraries; the salted source stays (the warm workspace has it, and
      // the executable's symbol table names it, so it is in the closure too).
      await options.ledger.deleteOutputs(closure.paths.filter((p) => !p.endsWith('-hello.c')))
      const warmStart = Math.floor(Date.now() / 1000) - 1
      const warm = await benchRun({
        ...options,
        workspace: warmWorkspace,
        inputs,
        label: `cache ${size} warm run`,
        post: false
      })
      const builds = await countBuilds(drvs, warmStart)
      if (builds.built !== 0)
        throw new Error(
          `the warm ${size} run built ${builds.built} derivation(s); it must build none`
        )
      rows.push({
        size,
        closureBytes: closure.bytes,
        cacheBytes,
        coldMainMs: cold.mainMs,
        saveMs: cold.postMs,
        warmMainMs: warm.mainMs,
        restoreMs: restoreSeconds(warm.run.log) * 1000,
        substituteMs: warm.results[0]!.durationsMs.build,
        warmBuilt: builds.built,
        warmSubstituted: builds.substituted,
        cacheHit: warm.run.outputs['cache-hit'] ?? '',
        tarballSaveMs: tar.saveMs,
        tarballRestoreMs: tar.restoreMs,
        tarballBytes: tar.bytes
      })
    } finally {
      rmSync(coldWorkspace, { recursive: true, force: true })
      rmSync(warmWorkspace, { recursive: true, force: true })
    }
  }
  return { rows }
}
