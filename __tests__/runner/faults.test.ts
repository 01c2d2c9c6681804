import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  artifactStorageQuotaFault,
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'
import { PROBE_ACTION_DIR } from '../../test-support/runner/fixtures/index.js'

// The clients retry a failed Twirp call after 3 s (x1.5, 5 attempts), so every fault
// here is either final for the client or limited with `times` to a single retry.

let services: Services
let keyCounter = 0
const uniqueKey = (): string => `fault-key-${++keyCounter}`

beforeAll(async () => {
  services = await startServices()
  await probe({ operations: 'save-cache', 'cache-key': 'stored-key', 'cache-content': 'stored' })
}, 120_000)

afterAll(async () => {
  await services?.stop()
})

beforeEach(() => {
  services.faults.clear()
  services.calls.reset()
})

function probe(inputs: Record<string, string>): Promise<ActionRunResult> {
  return runAction({
    services,
    actionDir: PROBE_ACTION_DIR,
    isolateAction: false,
    post: false,
    inputs
  })
}

const restoreStored = (): Promise<ActionRunResult> =>
  probe({ operations: 'restore-cache', 'cache-key': 'stored-key' })
const logOf = (result: ActionRunResult): string => result.log.join('\n')

describe('cache service faults', () => {
  it('a 500 is retried by the client, which then restores', async () => {
    const fault = services.faults.add({
      service: 'cache',
      method: 'GetCacheEntryDownloadURL',
      status: 500,
      times: 1
    })
    const result = await restoreStored()
    expect(fault.hits).toBe(1)
    expect(services.calls.count('cache', 'GetCacheEntryDownloadURL')).toBe(2)
    expect(logOf(result)).toMatch(
      /Attempt 1 of 5 failed with error: Failed request: \(500\) Internal Server Error/
    )
    expect(result.outputs['cache-matched-key']).toBe('stored-key')
  })

  it('a 403 is final: the restore misses with a warning', async () => {
    services.faults.add({
      service: 'cache',
      method: 'GetCacheEntryDownloadURL',
      status: 403,
      message: 'denied here'
    })
    const result = await restoreStored()
    expect(services.calls.count('cache', 'GetCacheEntryDownloadURL')).toBe(1)
    expect(result.outputs['cache-matched-key']).toBe('')
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message:
          'Failed to restore: Failed to GetCacheEntryDownloadURL: Received non-retryable error: Failed request: (403) Forbidden: denied here'
      })
    )
  })

  it('a 429 with Retry-After makes the client give up the save at once and warn', async () => {
    services.faults.add({
      service: 'cache',
      method: 'CreateCacheEntry',
      status: 429,
      retryAfter: 60
    })
    const result = await probe({ operations: 'save-cache', 'cache-key': uniqueKey() })
    expect(services.calls.count('cache', 'CreateCacheEntry')).toBe(1)
    expect(services.calls.count('blob')).toBe(0)
    expect(result.outputs['cache-id']).toBe('-1')
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: "You've hit a rate limit, your rate limit will reset in 60 seconds"
      })
    )
  })

  it('a corrupt (cut short) JSON answer is retried', async () => {
    services.faults.add({
      service: 'cache',
      method: 'GetCacheEntryDownloadURL',
      corruptBody: true,
      times: 1
    })
    const result = await restoreStored()
    expect(services.calls.count('cache', 'GetCacheEntryDownloadURL')).toBe(2)
    expect(result.outputs['cache-matched-key']).toBe('stored-key')
  })

  it('a delay slows the call down without failing it', async () => {
    services.faults.add({
      service: 'cache',
      method: 'GetCacheEntryDownloadURL',
      delayMs: 1_500,
      times: 1
    })
    const result = await restoreStored()
    expect(result.main.durationMs).toBeGreaterThanOrEqual(1_500)
    expect(result.outputs['cache-matched-key']).toBe('stored-key')
  })
})

describe('artifact service faults', () => {
  it('the storage quota error surfaces as @actions/artifact UsageError, without retries', async () => {
    services.faults.add(artifactStorageQuotaFault())
    const result = await probe({ operations: 'upload' })
    expect(result.outputs['upload-error']).toMatch(
      /^Failed to CreateArtifact: Artifact storage quota has been hit\. Unable to upload any new artifacts\./
    )
    expect(services.calls.count('artifact', 'CreateArtifact')).toBe(1)
    expect(services.listArtifacts(services.defaultRun)).toHaveLength(0)
  })

  it('a 503 on CreateArtifact is retried and the upload completes', async () => {
    const run = services.newRun()
    services.faults.add({ service: 'artifact', method: 'CreateArtifact', status: 503, times: 1 })
    const result = await runAction({
      services,
      actionDir: PROBE_ACTION_DIR,
      isolateAction: false,
      post: false,
      run,
      inputs: { operations: 'upload' }
    })
    expect(result.outputs['upload-error']).toBeUndefined()
    expect(services.calls.count('artifact', 'CreateArtifact')).toBe(2)
    expect(services.listArtifacts(run)).toContainEqual(
      expect.objectContaining({ name: 'probe-artifact', finalized: true })
    )
  })

  it('a 409 on FinalizeArtifact is final', async () => {
    const run = services.newRun()
    services.faults.add({
      service: 'artifact',
      method: 'FinalizeArtifact',
      status: 409,
      message: 'conflict here'
    })
    const result = await runAction({
      services,
      actionDir: PROBE_ACTION_DIR,
      isolateAction: false,
      post: false,
      run,
      inputs: { operations: 'upload' }
    })
    expect(result.outputs['upload-error']).toBe(
      'Failed to FinalizeArtifact: Received non-retryable error: Failed request: (409) Conflict: conflict here'
    )
  })
})

describe('blob faults', () => {
  it('a 500 on the cache download makes the restore miss with a warning', async () => {
    services.faults.add({ service: 'blob', method: 'GET', blobKind: 'cache', status: 500 })
    const result = await restoreStored()
    // 500 is not among the download's retryable statuses (502, 503, 504).
    expect(services.calls.count('blob', 'GET')).toBe(1)
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: 'Failed to restore: downloadCache failed: Cache service responded with 500'
      })
    )
    expect(result.outputs['cache-restored-content']).toBe('')
  })

  it('a corrupted cache archive fails extraction, and the restore only warns', async () => {
    services.faults.add({ service: 'blob', method: 'GET', blobKind: 'cache', corruptBody: true })
    const result = await restoreStored()
    expect(result.main.conclusion).toBe('success')
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^Failed to restore: .*tar/)
      })
    )
  })

  it('a 403 on the cache upload aborts the save before finalizing', async () => {
    services.faults.add({ service: 'blob', method: 'PUT', blobKind: 'cache', status: 403 })
    const key = uniqueKey()
    const result = await probe({ operations: 'save-cache', 'cache-key': key })
    expect(result.outputs['cache-id']).toBe('-1')
    expect(services.calls.count('cache', 'FinalizeCacheEntryUpload')).toBe(0)
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^uploadCacheArchiveSDK: internal error/)
      })
    )
    expect(services.listCacheEntries()).toContainEqual(
      expect.objectContaining({ key, finalized: false })
    )
  })

  it('a 503 on an artifact block upload is retried by the Azure SDK', async () => {
    const run = services.newRun()
    const fault = services.faults.add({
      service: 'blob',
      method: 'PUT',
      blobKind: 'artifact',
      status: 503,
      times: 1
    })
    const result = await runAction({
      services,
      actionDir: PROBE_ACTION_DIR,
      isolateAction: false,
      post: false,
      run,
      inputs: { operations: 'upload' }
    })
    expect(fault.hits).toBe(1)
    expect(result.outputs['upload-error']).toBeUndefined()
    const [stored] = services.listArtifacts(run)
    const downloaded = await services.downloadArtifact('probe-artifact', { run })
    expect(downloaded.digest).toBe(stored?.digest)
    expect(stored?.digest).toBe(`sha256:${result.outputs['artifact-digest']}`)
  })
})
