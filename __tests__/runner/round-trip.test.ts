import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import {
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'
import { BARE_ACTION_DIR, PROBE_ACTION_DIR } from '../../test-support/runner/fixtures/index.js'

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

let services: Services
let firstJob: ActionRunResult

beforeAll(async () => {
  services = await startServices()
  firstJob = await runAction({
    services,
    actionDir: PROBE_ACTION_DIR,
    isolateAction: false,
    inputs: {
      operations: 'report,save-cache,upload,upload-raw,list',
      'cache-key': 'deps-linux-aaa',
      'cache-content': 'from job one',
      secret: 'hunter2-secret'
    }
  })
}, 120_000)

afterAll(async () => {
  await services?.stop()
})

function probe(
  inputs: Record<string, string>,
  extra: Partial<Parameters<typeof runAction>[0]> = {}
): Promise<ActionRunResult> {
  // The probe imports the clients from this repository's node_modules, so it runs in place.
  return runAction({
    services,
    actionDir: PROBE_ACTION_DIR,
    isolateAction: false,
    post: false,
    inputs,
    ...extra
  })
}

describe('the runner environment', () => {
  it('runs main under Node 24 in the workspace, without GITHUB_ACTION_PATH', () => {
    expect(firstJob.conclusion).toBe('success')
    expect(firstJob.outputs['node-version']).toMatch(/^v24\./)
    expect(firstJob.outputs['cwd']).toBe(firstJob.workspace)
    expect(firstJob.outputs['action-path']).toBe('(unset)')
    expect(firstJob.main.env['GITHUB_ACTION_PATH']).toBeUndefined()
    expect(firstJob.main.env).toMatchObject({
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      GITHUB_SERVER_URL: 'https://github.com',
      ACTIONS_CACHE_SERVICE_V2: 'True',
      GITHUB_WORKSPACE: firstJob.workspace,
      GITHUB_RUN_ID: services.defaultRun.runId
    })
  })

  it('runs an action from a staged copy that has its files but no node_modules', async () => {
    const result = await runAction({ services, actionDir: BARE_ACTION_DIR })
    expect(result.conclusion).toBe('success')
    expect(result.actionDir).not.toBe(BARE_ACTION_DIR)
    expect(result.outputs['script-dir']).toBe(`${result.actionDir}/dist/`)
    expect(result.outputs['marker']).toBe('shipped next to dist/')
    expect(result.outputs['core-resolves']).toBe('false')
  })

  it('fills in action.yml defaults, github.token included, and does not enforce required', () => {
    expect(firstJob.outputs['input-with-space']).toBe('spaced default')
    expect(firstJob.outputs['input-token-is-github-token']).toBe('true')
    expect(firstJob.outputs['unused-required-set']).toBe('false')
    expect(firstJob.main.env['INPUT_CACHE-KEY']).toBe('deps-linux-aaa')
  })

  it('warns about inputs the action does not declare, as the runner does', async () => {
    const result = await probe({ operations: '', 'no-such-input': 'x' })
    expect(result.runnerMessages.join('\n')).toMatch(/Unexpected input\(s\) 'no-such-input'/)
    expect(result.main.env['INPUT_NO-SUCH-INPUT']).toBe('x')
  })

  it('parses outputs, annotations, groups, summary and masks the secrets', () => {
    expect(firstJob.outputs['multi']).toBe('line one\nline two')
    expect(firstJob.main.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'probe error',
        title: 'Probe title',
        file: 'src/probe.ts',
        line: 3,
        endLine: 4,
        col: 5,
        endColumn: 9
      }),
      expect.objectContaining({ level: 'warning', message: 'probe warning: 50%, a:b' }),
      expect.objectContaining({ level: 'notice', message: 'probe notice\nsecond line' })
    ])
    expect(firstJob.main.groups[0]).toMatchObject({ title: 'probe group', closed: true })
    expect(firstJob.main.summary).toContain('<h1>Probe summary</h1>')
    expect(firstJob.log).toContain('the secret is ***')
    expect(firstJob.log.join('\n')).not.toContain('hunter2-secret')
    expect(firstJob.log.join('\n')).not.toContain('##[debug]')
  })

  it('carries state, GITHUB_ENV and GITHUB_PATH from main to post, but never NODE_OPTIONS', async () => {
    expect(firstJob.main.state).toEqual({ 'probe-state': 'from main' })
    expect(firstJob.post?.outputs).toMatchObject({
      'post-state': 'from main',
      'post-exported': 'exported value',
      'post-path-has-probe-bin': 'true',
      'post-input-cache-key': 'deps-linux-aaa'
    })
    expect(firstJob.post?.annotations).toEqual([
      expect.objectContaining({ level: 'notice', message: 'post saw state: from main' })
    ])

    const result = await probe({ operations: 'export-node-options' }, { post: true })
    expect(result.main.runnerMessages.join('\n')).toMatch(/Can't store NODE_OPTIONS/)
    expect(result.post?.outputs['post-node-options']).toBe('(unset)')
  })

  it('still runs post after main fails, and the job fails', async () => {
    const result = await probe({ operations: '', 'fail-on': 'main' }, { post: true })
    expect(result.main.conclusion).toBe('failure')
    expect(result.main.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'main failed on request' })
    )
    expect(result.post?.conclusion).toBe('success')
    expect(result.conclusion).toBe('failure')
  })

  it('kills a step that outlives its timeout', async () => {
    const result = await probe({ operations: 'hang' }, { timeoutMs: 1_500 })
    expect(result.main.timedOut).toBe(true)
    expect(result.conclusion).toBe('failure')
  })
})

describe('cache service with the real @actions/cache', () => {
  it('saves an entry that a second job in a fresh workspace restores', async () => {
    expect(Number(firstJob.outputs['cache-id'])).toBeGreaterThan(0)
    expect(services.listCacheEntries()).toContainEqual(
      expect.objectContaining({ key: 'deps-linux-aaa', finalized: true })
    )

    const second = await probe({ operations: 'restore-cache', 'cache-key': 'deps-linux-aaa' })
    expect(second.workspace).not.toBe(firstJob.workspace)
    expect(second.outputs['cache-matched-key']).toBe('deps-linux-aaa')
    expect(second.outputs['cache-restored-content']).toBe('from job one')
  })

  it('falls back to the newest entry matching a restore-key prefix', async () => {
    await probe({
      operations: 'save-cache',
      'cache-key': 'deps-linux-bbb',
      'cache-content': 'newer'
    })
    const result = await probe({
      operations: 'restore-cache',
      'cache-key': 'deps-linux-zzz',
      'restore-keys': 'nothing-\ndeps-linux-'
    })
    expect(result.outputs['cache-matched-key']).toBe('deps-linux-bbb')
    expect(result.outputs['cache-restored-content']).toBe('newer')
  })

  it('prefers an exact restore key over a newer entry it is a prefix of', async () => {
    await probe({
      operations: 'save-cache',
      'cache-key': 'deps-linux-aaa-longer',
      'cache-content': 'longer'
    })
    const result = await probe({
      operations: 'restore-cache',
      'cache-key': 'deps-none',
      'restore-keys': 'deps-linux-aaa'
    })
    expect(result.outputs['cache-matched-key']).toBe('deps-linux-aaa')
  })

  it('misses when the version differs (other paths), downloading nothing', async () => {
    const blobGetsBefore = services.calls.count('blob', 'GET')
    const lookupsBefore = services.calls.count('cache', 'GetCacheEntryDownloadURL')
    const result = await probe({
      operations: 'restore-cache',
      'cache-key': 'deps-linux-aaa',
      'cache-path': 'other-dir'
    })
    expect(result.outputs['cache-matched-key']).toBe('')
    expect(services.calls.count('cache', 'GetCacheEntryDownloadURL')).toBe(lookupsBefore + 1)
    expect(services.calls.count('blob', 'GET')).toBe(blobGetsBefore)
  })

  it('refuses a second entry with the same key and version', async () => {
    const result = await probe({ operations: 'save-cache', 'cache-key': 'deps-linux-aaa' })
    expect(result.outputs['cache-id']).toBe('-1')
    expect(result.log.join('\n')).toMatch(
      /Failed to save: Unable to reserve cache with key deps-linux-aaa/
    )
  })
})

describe('artifact service with the real @actions/artifact', () => {
  it('stores what was uploaded and serves it back byte for byte', async () => {
    const zipped = await services.downloadArtifact('probe-artifact')
    expect(zipped.contentType).toBe('application/zip')
    expect(zipped.digest).toBe(`sha256:${firstJob.outputs['artifact-digest']}`)
    expect(`sha256:${sha256(zipped.bytes)}`).toBe(zipped.digest)
    expect(zipped.bytes.length).toBe(Number(firstJob.outputs['artifact-size']))

    const raw = await services.downloadArtifact('probe-raw.bin')
    expect(sha256(raw.bytes)).toBe(firstJob.outputs['raw-sha256'])
    expect(raw.digest).toBe(`sha256:${firstJob.outputs['raw-sha256']}`)
    expect(raw.contentDisposition).toContain('filename="probe-raw.bin"')
    expect(firstJob.outputs['artifact-names']).toBe('["probe-artifact","probe-raw.bin"]')
  })

  it('lets a later job of the same run download and verify the artifact', async () => {
    const later = await probe({ operations: 'download' })
    expect(later.outputs['download-error']).toBeUndefined()
    expect(later.outputs['download-digest-mismatch']).toBe('false')
    expect(later.outputs['download-a']).toBe('alpha\n')
    expect(later.outputs['download-b-sha256']).toBe(firstJob.outputs['upload-b-sha256'])
  })

  it('refuses a duplicate name in the same run with 409, but not in a new run', async () => {
    const duplicate = await probe({ operations: 'upload' })
    expect(duplicate.outputs['upload-error']).toBe(
      'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run'
    )
    const otherRun = services.newRun()
    const fresh = await probe({ operations: 'upload,list' }, { run: otherRun })
    expect(fresh.outputs['upload-error']).toBeUndefined()
    expect(fresh.outputs['artifact-names']).toBe('["probe-artifact"]')
    expect(services.listArtifacts(otherRun)).toHaveLength(1)
  })

  it('deletes an artifact', async () => {
    const run = services.newRun()
    const result = await probe({ operations: 'upload,delete,list' }, { run })
    expect(result.outputs['deleted-id']).toBe(result.outputs['artifact-id'])
    expect(result.outputs['artifact-names']).toBe('[]')
  })
})
