/**
 * Service faults injected by the local runner on a real build of examples/hello-c (two
 * targets). Cache faults must only warn: the build still publishes and nothing corrupt enters
 * the Nix store. Artifact faults fail the step naming the artifact, after the other targets'
 * artifacts are uploaded, and leave no downloadable partial artifact.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { actionSnapshot } from '../../test-support/action-snapshot.js'
import {
  deleteStorePaths,
  markedHelloProject,
  verifyStorePaths
} from '../../test-support/hello-project.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { caseRecorder } from '../../test-support/reliability.js'
import {
  artifactStorageQuotaFault,
  runAction,
  startServices,
  type ActionRunResult,
  type FaultSpec,
  type Services,
  type WorkflowRun
} from '../../test-support/runner/index.js'
import { targetResults } from '../../test-support/target-results.js'

const TARGETS = 'x86_64-linux, aarch64-linux'
const ARCHIVES = ['hello-1-linux-static-aarch64.tar.xz', 'hello-1-linux-static-x86-64.tar.xz']
const SUMS = 'hello-1-linux-static-x86-64+aarch64-SHA256SUMS'
const SBOMS = ['hello-1-linux-static-aarch64.cdx.json', 'hello-1-linux-static-x86-64.cdx.json']

const record = caseRecorder(
  'service-faults',
  'Service faults (cache and artifact services, blob store)'
)
let services: Services
let actionDir: string
let project: string
/** Each suite keeps its binary cache directory (under HOME) to itself. */
let env: Record<string, string>
let seed: ActionRunResult

const results = targetResults
const outPaths = (run: ActionRunResult): string[] =>
  results(run).flatMap((r) => (r.storePath ? [r.storePath] : []))
const warnings = (run: ActionRunResult): string[] =>
  run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)
const errors = (run: ActionRunResult): string[] =>
  run.annotations.filter((a) => a.level === 'error').map((a) => a.message)

async function build(
  options: {
    run?: WorkflowRun
    project?: string
    faults?: FaultSpec[]
    inputs?: Record<string, string>
  } = {}
): Promise<ActionRunResult> {
  services.faults.clear()
  for (const fault of options.faults ?? []) services.faults.add(fault)
  try {
    return await runAction({
      services,
      actionDir,
      run: options.run ?? services.newRun(),
      workspace: projectWorkspace(options.project ?? project),
      env,
      inputs: {
        targets: TARGETS,
        installable: '.#static-{target}',
        name: 'hello',
        version: '1',
        ...(options.inputs ?? {})
      }
    })
  } finally {
    services.faults.clear()
  }
}

function expectPublished(run: ActionRunResult): void {
  expect(run.conclusion).toBe('success')
  expect(results(run).map((r) => r.status)).toEqual(['ok', 'ok'])
  expect(
    services
      .listArtifacts(run.run)
      .filter((a) => a.finalized)
      .map((a) => a.name)
      .sort()
  ).toEqual([...ARCHIVES, ...SBOMS, SUMS].sort())
}

function expectStoreSound(run: ActionRunResult): string {
  const paths = outPaths(run)
  expect(paths).toHaveLength(2)
  const verdict = verifyStorePaths(paths, env)
  expect(verdict).toMatchObject({ ok: true })
  return 'outputs pass nix path-info and nix store verify'
}

beforeAll(async () => {
  services = await startServices()
  actionDir = await actionSnapshot()
  project = markedHelloProject()
  env = { ...offlineNixEnv(), HOME: mkdtempSync(join(tmpdir(), 'sx-home-')) }
  // A first job builds new store paths; its post step saves them as the binary cache entry.
  seed = await build()
}, 300000)
afterAll(async () => {
  record.write()
  await services?.stop()
})

test('the seed job builds, publishes and saves a binary cache entry', async () => {
  await record.check(
    'seed: build and save the binary cache',
    'no fault',
    'green; one cache entry saved',
    () => {
      expectPublished(seed)
      expect(seed.main.outputs['cache-hit']).toBe('miss')
      expect(services.listCacheEntries()).toHaveLength(1)
      return `green; cache entry ${services.listCacheEntries()[0]?.key}`
    }
  )
})

interface CacheCase {
  name: string
  fault: string
  faults: FaultSpec[]
  cacheHit: 'exact' | 'miss'
  /** Text one warning must contain, when the fault must warn. */
  warns?: RegExp
  minMs?: number
}

const CACHE_CASES: CacheCase[] = [
  {
    name: 'cache service 500 once (transient)',
    fault: 'GetCacheEntryDownloadURL -> 500, once',
    faults: [{ service: 'cache', method: 'GetCacheEntryDownloadURL', status: 500, times: 1 }],
    cacheHit: 'exact'
  },
  {
    name: 'cache service 429 with Retry-After',
    fault: 'GetCacheEntryDownloadURL -> 429, Retry-After: 60',
    faults: [{ service: 'cache', method: 'GetCacheEntryDownloadURL', status: 429, retryAfter: 60 }],
    cacheHit: 'miss',
    warns: /Binary cache not restored.*[Rr]ate limit/
  },
  {
    name: 'slow cache service (5 s per lookup)',
    fault: 'GetCacheEntryDownloadURL delayed 5 s',
    faults: [{ service: 'cache', method: 'GetCacheEntryDownloadURL', delayMs: 5000 }],
    cacheHit: 'exact',
    minMs: 5000
  },
  {
    name: 'corrupt cache blob',
    fault: 'blob GET of the cache archive -> body damaged (same length)',
    faults: [{ service: 'blob', method: 'GET', blobKind: 'cache', corruptBody: true }],
    cacheHit: 'miss',
    warns: /Binary cache not restored/
  },
  {
    name: 'blob store 403 on the cache archive',
    fault: 'blob GET of the cache archive -> 403',
    faults: [
      {
        service: 'blob',
        method: 'GET',
        blobKind: 'cache',
        status: 403,
        azureErrorCode: 'AuthorizationFailure'
      }
    ],
    cacheHit: 'miss',
    warns: /Binary cache not restored/
  }
]

describe('cache faults warn, and the build still publishes with a sound store', () => {
  test.each(CACHE_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await record.check(
      c.name,
      c.fault,
      `green, artifacts published, cache-hit ${c.cacheHit}${c.warns ? ', one warning' : ''}; store sound`,
      async () => {
        // The seed's outputs leave the store, so this job must substitute them or build them again.
        deleteStorePaths(outPaths(seed), env)
        const run = await build({ faults: c.faults })
        expectPublished(run)
        expect(run.main.outputs['cache-hit']).toBe(c.cacheHit)
        if (c.warns) expect(warnings(run).some((w) => c.warns!.test(w))).toBe(true)
        else expect(warnings(run)).toEqual([])
        if (c.minMs) expect(run.main.durationMs).toBeGreaterThanOrEqual(c.minMs)
        const store = expectStoreSound(run)
        const warning = warnings(run)[0]
        return `green in ${(run.main.durationMs / 1000).toFixed(1)} s, cache-hit ${run.main.outputs['cache-hit']}${warning ? `, warning: ${warning.slice(0, 120)}` : ''}; ${store}`
      }
    )
  })

  test('a cache service 429 while saving warns in the post step and the job stays green', async () => {
    await record.check(
      'cache service 429 on save',
      'CreateCacheEntry -> 429 (post step)',
      'post warns; job green; nothing saved',
      async () => {
        const before = services.listCacheEntries().length
        // New source and a cache key of its own (a miss), so the post step has new paths to save.
        const run = await build({
          project: markedHelloProject(),
          inputs: { 'cache-key': 'save-fault' },
          faults: [{ service: 'cache', method: 'CreateCacheEntry', status: 429, retryAfter: 30 }]
        })
        expectPublished(run)
        expect(run.post?.conclusion).toBe('success')
        const postWarnings = run.annotations
          .filter((a) => a.stage === 'post' && a.level === 'warning')
          .map((a) => a.message)
        expect(postWarnings.join('\n')).toMatch(/Binary cache not saved|rate limit|Failed to save/i)
        expect(services.listCacheEntries()).toHaveLength(before)
        return `green; post warned: ${postWarnings[0]?.slice(0, 120)}`
      }
    )
  })
})

describe('artifact faults fail the step naming the artifact, after the other uploads', () => {
  test('the same targets twice in one run: the second job fails on names already used, the first keeps its artifacts', async () => {
    await record.check(
      'artifact name already used in the run (409)',
      'a second job of the same run uploads the same names',
      "second job red naming each artifact; first job's artifacts intact",
      async () => {
        const run = services.newRun()
        const first = await build({ run })
        expectPublished(first)
        const digests = services
          .listArtifacts(run)
          .map((a) => `${a.name} ${a.digest}`)
          .sort()
        const second = await build({ run })
        expect(second.main.conclusion).toBe('failure')
        const messages = errors(second).join('\n')
        for (const name of ARCHIVES) expect(messages).toContain(name)
        expect(
          services
            .listArtifacts(run)
            .map((a) => `${a.name} ${a.digest}`)
            .sort()
        ).toEqual(digests)
        return `second job red: ${errors(second)[0]?.slice(0, 140)}; first job's 5 artifacts unchanged`
      }
    )
  })

  // Targets upload as each finishes, in no fixed order: the faults aim at x86-64's artifact.
  test.each([
    [
      "FinalizeArtifact 500 for x86-64's artifact (every retry)",
      {
        service: 'artifact',
        method: 'FinalizeArtifact',
        status: 500,
        times: 5,
        artifactName: 'hello-1-linux-static-x86-64.tar.xz'
      } as FaultSpec
    ],
    [
      "artifact storage quota hit for x86-64's artifact",
      artifactStorageQuotaFault(1, 'hello-1-linux-static-x86-64.tar.xz')
    ]
  ])('%s', async (name, fault) => {
    await record.check(
      name,
      `${fault.method} -> ${fault.status}${fault.message ? ` (${fault.message})` : ''}`,
      'red naming the x86-64 artifact; aarch64 and SHA256SUMS uploaded; no partial artifact downloadable',
      async () => {
        const run = await build({ faults: [fault] })
        expect(run.main.conclusion).toBe('failure')
        const byTarget = Object.fromEntries(results(run).map((r) => [r.target, r]))
        expect(byTarget['x86_64-linux']).toMatchObject({ status: 'failed', failedStage: 'upload' })
        expect(byTarget['aarch64-linux']).toMatchObject({ status: 'ok' })
        expect(errors(run).join('\n')).toContain('hello-1-linux-static-x86-64.tar.xz')
        const finalized = services
          .listArtifacts(run.run)
          .filter((a) => a.finalized)
          .map((a) => a.name)
          .sort()
        // The x86-64 SBOM is its own artifact and still uploads; the target is red all the same.
        expect(finalized).toEqual(['hello-1-linux-static-aarch64.tar.xz', ...SBOMS, SUMS].sort())
        await expect(
          services.downloadArtifact('hello-1-linux-static-x86-64.tar.xz', { run: run.run })
        ).rejects.toThrow(/no finalized artifact/)
        return `red in ${(run.main.durationMs / 1000).toFixed(1)} s: ${byTarget['x86_64-linux']?.error?.slice(0, 140)}; others uploaded`
      }
    )
  })
})
