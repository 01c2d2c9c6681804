/**
 * Capping the binary cache directory: narinfos (and their NARs) of paths this run did not have
 * in its store go first, oldest first, until the directory fits.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import * as path from 'node:path'

export interface CacheEntry {
  /** Store path hash: the narinfo is `<hash>.narinfo`. */
  hash: string
  narinfoFile: string
  /** The NAR's path relative to the cache dir (`URL:` of the narinfo). */
  narUrl?: string
  /** Bytes of the narinfo plus its NAR. */
  bytes: number
  mtimeMs: number
}

export interface PruneResult {
  /** Bytes in the directory before anything was dropped. */
  sizeBeforeBytes: number
  removedEntries: number
  removedBytes: number
  sizeBytes: number
  /** Still above the cap after dropping everything unused. */
  overCap: boolean
}

/** Total bytes of the regular files under `dir` (0 when it does not exist). */
export async function directorySize(dir: string): Promise<number> {
  let total = 0
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) total += await directorySize(full)
    else if (entry.isFile()) total += (await stat(full)).size
  }
  return total
}

export function narUrlOf(narinfo: string): string | undefined {
  return /^URL: (.+)$/m.exec(narinfo)?.[1]?.trim()
}

export async function readCacheEntries(dir: string): Promise<CacheEntry[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.narinfo'))
  const entries: CacheEntry[] = []
  for (const name of names) {
    const narinfoFile = path.join(dir, name)
    const info = await stat(narinfoFile)
    const narUrl = narUrlOf(await readFile(narinfoFile, 'utf8'))
    let narBytes = 0
    if (narUrl && !narUrl.includes('..'))
      narBytes = await stat(path.join(dir, narUrl)).then(
        (s) => s.size,
        () => 0
      )
    entries.push({
      hash: name.slice(0, -'.narinfo'.length),
      narinfoFile,
      narUrl,
      bytes: info.size + narBytes,
      mtimeMs: info.mtimeMs
    })
  }
  return entries
}

/**
 * Which entries to drop to get `totalBytes` down to `maxBytes` (pure): only entries whose hash
 * is not in `keep`, oldest first, and no more than needed.
 */
export function choosePrunes(
  entries: readonly CacheEntry[],
  keep: ReadonlySet<string>,
  totalBytes: number,
  maxBytes: number
): CacheEntry[] {
  if (totalBytes <= maxBytes) return []
  const candidates = entries
    .filter((e) => !keep.has(e.hash))
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.hash.localeCompare(b.hash))
  const chosen: CacheEntry[] = []
  let size = totalBytes
  for (const entry of candidates) {
    if (size <= maxBytes) break
    chosen.push(entry)
    size -= entry.bytes
  }
  return chosen
}

export async function capCacheSize(
  dir: string,
  maxBytes: number,
  keep: ReadonlySet<string>
): Promise<PruneResult> {
  const before = await directorySize(dir)
  const entries = await readCacheEntries(dir)
  const drop = choosePrunes(entries, keep, before, maxBytes)
  // A NAR may back more than one narinfo (identical contents): keep it while one still uses it.
  const dropped = new Set(drop.map((e) => e.hash))
  const narsInUse = new Set(
    entries.filter((e) => !dropped.has(e.hash) && e.narUrl).map((e) => e.narUrl!)
  )
  for (const entry of drop) {
    await rm(entry.narinfoFile, { force: true })
    if (entry.narUrl && !entry.narUrl.includes('..') && !narsInUse.has(entry.narUrl))
      await rm(path.join(dir, entry.narUrl), { force: true })
  }
  const after = drop.length === 0 ? before : await directorySize(dir)
  return {
    sizeBeforeBytes: before,
    removedEntries: drop.length,
    removedBytes: before - after,
    sizeBytes: after,
    overCap: after > maxBytes
  }
}
