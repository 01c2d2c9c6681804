import { CACHE_CONTAINER, type BlobStore } from './blob-store.js'
import type { RuntimeTokenClaims } from './jwt.js'
import { TwirpError } from './twirp.js'

export interface CacheEntry {
  entryId: number
  key: string
  version: string
  blobName: string
  /** Size the client reported when finalizing. */
  sizeBytes?: number
  /** Size actually stored in the blob store at finalize time. */
  storedBytes?: number
  finalized: boolean
  createdAt: Date
  finalizedAt?: Date
  createdBy: RuntimeTokenClaims
}

type JsonObject = Record<string, unknown>

function requireString(body: JsonObject, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '') {
    throw new TwirpError('invalid_argument', `${field} is required`)
  }
  return value
}

/**
 * Cache service v2 (`github.actions.results.api.v1.CacheService`): reserves an entry
 * with a signed upload URL, finalizes it once the archive is in the blob store, and
 * looks entries up the way the real service does.
 */
export class CacheService {
  private readonly entries: CacheEntry[] = []
  private nextEntryId = 1
  // Finalize order, so "newest first" does not depend on clock resolution.
  private readonly finalizeOrder = new Map<CacheEntry, number>()
  private finalizeCounter = 0

  constructor(private readonly blobs: BlobStore) {}

  async handle(method: string, body: JsonObject, caller: RuntimeTokenClaims): Promise<JsonObject> {
    switch (method) {
      case 'CreateCacheEntry':
        return this.createCacheEntry(body, caller)
      case 'FinalizeCacheEntryUpload':
        return this.finalizeCacheEntryUpload(body)
      case 'GetCacheEntryDownloadURL':
        return this.getCacheEntryDownloadURL(body)
      default:
        throw new TwirpError(
          'bad_route',
          `no handler for path "/twirp/github.actions.results.api.v1.CacheService/${method}"`
        )
    }
  }

  list(): CacheEntry[] {
    return this.entries.map((entry) => ({ ...entry }))
  }

  /** The stored archive of a finalized entry (exact key; newest when versions differ). */
  async readArchive(key: string, version?: string): Promise<Buffer> {
    const entry = this.newestFirst(
      this.entries.filter(
        (e) => e.finalized && e.key === key && (!version || e.version === version)
      )
    )[0]
    if (!entry) throw new Error(`no finalized cache entry with key ${key}`)
    return this.blobs.read(CACHE_CONTAINER, entry.blobName)
  }

  async deleteAll(): Promise<void> {
    for (const entry of this.entries.splice(0))
      await this.blobs.delete(CACHE_CONTAINER, entry.blobName)
  }

  private createCacheEntry(body: JsonObject, caller: RuntimeTokenClaims): JsonObject {
    const key = requireString(body, 'key')
    const version = requireString(body, 'version')
    if (this.entries.some((e) => e.key === key && e.version === version)) {
      // The real service refuses a second entry for the same key and version, finalized or
      // still being uploaded; the client reports it as "another job may be creating this cache".
      throw new TwirpError(
        'already_exists',
        'cache entry with the same key, version, and scope already exists'
      )
    }
    const entryId = this.nextEntryId++
    const entry: CacheEntry = {
      entryId,
      key,
      version,
      blobName: `${entryId}/cache-archive`,
      finalized: false,
      createdAt: new Date(),
      createdBy: caller
    }
    this.entries.push(entry)
    return {
      ok: true,
      signed_upload_url: this.blobs.signedUrl(CACHE_CONTAINER, entry.blobName, {
        permissions: 'write'
      })
    }
  }

  private async finalizeCacheEntryUpload(body: JsonObject): Promise<JsonObject> {
    const key = requireString(body, 'key')
    const version = requireString(body, 'version')
    const entry = this.entries.find((e) => e.key === key && e.version === version && !e.finalized)
    if (!entry) throw new TwirpError('not_found', 'cache entry not found')
    const stored = await this.blobs.properties(CACHE_CONTAINER, entry.blobName)
    if (!stored) throw new TwirpError('failed_precondition', 'cache entry has no uploaded content')
    entry.sizeBytes = Number(body['size_bytes'] ?? 0)
    entry.storedBytes = stored.size
    entry.finalized = true
    entry.finalizedAt = new Date()
    this.finalizeOrder.set(entry, ++this.finalizeCounter)
    return { ok: true, entry_id: String(entry.entryId) }
  }

  private getCacheEntryDownloadURL(body: JsonObject): JsonObject {
    const key = requireString(body, 'key')
    const version = requireString(body, 'version')
    const restoreKeys = Array.isArray(body['restore_keys'])
      ? (body['restore_keys'] as unknown[]).map(String)
      : []
    const candidates = this.newestFirst(
      this.entries.filter((e) => e.finalized && e.version === version)
    )

    // Exact primary key first; then each restore key in order, exact before prefix.
    let match = candidates.find((e) => e.key === key)
    for (const restoreKey of restoreKeys) {
      if (match) break
      match =
        candidates.find((e) => e.key === restoreKey) ??
        candidates.find((e) => e.key.startsWith(restoreKey))
    }
    if (!match) return { ok: false }
    return {
      ok: true,
      signed_download_url: this.blobs.signedUrl(CACHE_CONTAINER, match.blobName, {
        permissions: 'read'
      }),
      matched_key: match.key
    }
  }

  private newestFirst(entries: CacheEntry[]): CacheEntry[] {
    return [...entries].sort(
      (a, b) => (this.finalizeOrder.get(b) ?? 0) - (this.finalizeOrder.get(a) ?? 0)
    )
  }
}
