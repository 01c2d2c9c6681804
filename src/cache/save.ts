/**
 * The post step's half of the binary cache: copy what this run built into the cache
 * directory (signed when a key is given), cap its size, and save it to the GitHub cache.
 * Lenient by default: any failure is a warning, never a red build, unless `strict` is on.
 */
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import * as os from 'node:os'
import { runNix } from '../nix/run.js'
import { capCacheSize, directorySize } from './prune.js'
import { type CacheHit, cachePathFor, withArchiveRoot } from './restore.js'
import { removeSigningKeyFile } from './signing.js'
import {
  chunk,
  listValidPaths,
  pathsBuiltSince,
  readStoreSnapshot,
  storePathHash
} from './store.js'

/** GitHub keeps 10 GB per repository; leave room for the project's other caches. */
export const DEFAULT_MAX_CACHE_BYTES = 5 * 1024 ** 3

export interface SaveBinaryCacheOptions {
  /** The same directory that was passed to `restoreBinaryCache`. */
  cacheDir: string
  /** The same `cachePath` that was passed to `restoreBinaryCache`. */
  cachePath?: string
  key: string
  /** `cacheHit` of the restore (state). */
  cacheHit: CacheHit
  /** `snapshotFile` of the restore (state). */
  snapshotFile: string
  /** `signingKeyFile` of the restore (state); removed here whatever happens. */
  signingKeyFile?: string
  maxSizeBytes?: number
  strict?: boolean
}

export interface SaveBinaryCacheResult {
  saved: boolean
  /** Why nothing was saved, when nothing was. */
  skipped?: 'exact-hit' | 'nothing-new' | 'failed'
  /** Store paths this run built (the ones copied). */
  newPaths: number
  /** Bytes the cache directory grew by from the copy. */
  addedBytes: number
  /** Entries and bytes dropped to stay under the cap. */
  prunedEntries: number
  prunedBytes: number
  /** Size of the directory that was (or would have been) saved. */
  cacheSizeBytes: number
  seconds: { copy: number; prune: number; upload: number; total: number }
  warning?: string
}

function since(start: number): number {
  return Math.round(Date.now() - start) / 1000
}

async function nixOrThrow(args: string[], what: string): Promise<void> {
  const result = await runNix(args, { echo: false })
  if (result.exitCode !== 0)
    throw new Error(`${what} failed: ${result.stderr.trim().split('\n').slice(-5).join('\n')}`)
}

export async function saveBinaryCache(
  options: SaveBinaryCacheOptions
): Promise<SaveBinaryCacheResult> {
  const started = Date.now()
  const result: SaveBinaryCacheResult = {
    saved: false,
    newPaths: 0,
    addedBytes: 0,
    prunedEntries: 0,
    prunedBytes: 0,
    cacheSizeBytes: 0,
    seconds: { copy: 0, prune: 0, upload: 0, total: 0 }
  }
  try {
    if (options.cacheHit === 'exact') {
      // The key names its inputs, so an exact hit already holds what this run could add; and
      // GitHub cache entries cannot be overwritten.
      core.info(`Binary cache: exact hit on ${options.key}, nothing to save.`)
      result.skipped = 'exact-hit'
      return result
    }

    const copyStart = Date.now()
    const before = await readStoreSnapshot(options.snapshotFile)
    const after = await listValidPaths()
    const built = await pathsBuiltSince(before, after)
    result.newPaths = built.length
    if (built.length === 0) {
      core.info('Binary cache: this run built nothing new, nothing to save.')
      result.skipped = 'nothing-new'
      return result
    }

    const sizeBefore = await directorySize(options.cacheDir)
    await core.group(
      `Copying ${built.length} store paths built by this run into the binary cache`,
      async () => {
        let to = `file://${options.cacheDir}?compression=zstd`
        if (options.signingKeyFile) {
          for (const part of chunk(built))
            await nixOrThrow(
              ['store', 'sign', '--key-file', options.signingKeyFile!, ...part],
              'nix store sign'
            )
          to += `&secret-key=${options.signingKeyFile}`
        }
        for (const part of chunk(built)) await nixOrThrow(['copy', '--to', to, ...part], 'nix copy')
      }
    )
    result.seconds.copy = since(copyStart)

    const pruneStart = Date.now()
    // Everything in the store after the build counts as used by this run, built or substituted.
    const keep = new Set(after.map(storePathHash))
    const pruned = await capCacheSize(
      options.cacheDir,
      options.maxSizeBytes ?? DEFAULT_MAX_CACHE_BYTES,
      keep
    )
    // The prune measured the directory as the copy left it.
    result.addedBytes = pruned.sizeBeforeBytes - sizeBefore
    result.prunedEntries = pruned.removedEntries
    result.prunedBytes = pruned.removedBytes
    result.cacheSizeBytes = pruned.sizeBytes
    result.seconds.prune = since(pruneStart)
    if (pruned.overCap) {
      core.warning(
        `The binary cache holds ${pruned.sizeBytes} bytes that this run used, more than the cap of ${options.maxSizeBytes ?? DEFAULT_MAX_CACHE_BYTES}; saving it anyway.`
      )
    }

    const uploadStart = Date.now()
    const cachePath = cachePathFor(options.cacheDir, options.cachePath)
    const id = await withArchiveRoot(os.homedir(), () => cache.saveCache([cachePath], options.key))
    result.seconds.upload = since(uploadStart)
    if (id === -1)
      throw new Error(`the GitHub cache did not take ${options.key} (see the warning above)`)
    result.saved = true
    core.info(
      `Binary cache saved as ${options.key}: ${built.length} new paths, +${result.addedBytes} bytes, ` +
        `${result.prunedEntries} old entries (${result.prunedBytes} bytes) dropped, ${result.cacheSizeBytes} bytes in all.`
    )
    return result
  } catch (error) {
    const warning = `Binary cache not saved: ${(error as Error).message}`
    if (options.strict) throw new Error(warning)
    core.warning(warning)
    result.skipped = 'failed'
    result.warning = warning
    return result
  } finally {
    await removeSigningKeyFile(options.signingKeyFile)
    result.seconds.total = since(started)
  }
}
