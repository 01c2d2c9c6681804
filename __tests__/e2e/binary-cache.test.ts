/**
 * The binary cache through the whole action, with the real Nix and the real @actions/cache
 * against the local cache service: job 1 builds and its post step saves; job 2, in a fresh
 * workspace with job 1's outputs deleted from the store, restores an exact hit and builds
 * nothing; job 3, with one target's source changed, restores a partial hit, builds only that
 * derivation, and saves under the new key. Job 2 runs with another home directory and its
 * workspace at another depth, as a self-hosted runner or a container job would, and still
 * hits. Every claim is read from Nix's own output. Each job is a workflow run of its own, as
 * on GitHub, where the cache outlives runs.
 */
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import type { TargetResult } from '../../src/pipeline/results.js'

const FIXTURE = join(process.cwd(), 'test-support', 'fixtures', 'salted-hello')
const inputs = {
  targets: 'x86_64-linux, aarch64-linux',
  installable: '.#{target}',
  name: 'salted',
  version: '1'
}
const nixEnv = offlineNixEnv()

let services: Services
const created: string[] = []
beforeAll(async () => {
  services = await startServices()
}, 120000)
afterAll(async () => {
  await services?.stop()
  deleteFromStore(created)
})

/** The derivations Nix built and the paths it copied from a substituter, from its own log lines. */
function nixActivity(run: ActionRunResult): { built: string[]; substituted: string[] } {
  const lines = run.main.groups.filter((g) => g.title.startsWith('build ')).flatMap((g) => g.lines)
  const built = lines.flatMap((l) => /building '(\/nix\/store\/[^']+\.drv)'/.exec(l)?.[1] ?? [])
  const substituted = lines.flatMap(
    (l) => /copying path '(\/nix\/store\/[^']+)' from 'file:\/\//.exec(l)?.[1] ?? []
  )
  return { built, substituted }
}

function outPaths(run: ActionRunResult): string[] {
  return (JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[]).map(
    (r) => r.storePath ?? ''
  )
}

function deleteFromStore(paths: string[]): void {
  if (paths.length > 0)
    execFileSync(
      'nix',
      ['--extra-experimental-features', 'nix-command', 'store', 'delete', ...paths],
      { stdio: 'pipe', env: { ...process.env, ...nixEnv } }
    )
}

/** A failed step's log is the first thing to read, so the failure message carries it. */
function expectSuccess(run: ActionRunResult): void {
  if (run.main.conclusion !== 'success') throw new Error(`main failed:\n${run.main.log.join('\n')}`)
}

function salt(workspace: string, target: string, value: string): void {
  writeFileSync(join(workspace, 'nix', `salt-${target}.txt`), value)
}

test('cold, warm and partly changed runs: build, substitute everything, rebuild only the change', async () => {
  const nonce = randomUUID()
  const workspace1 = projectWorkspace(FIXTURE)
  // The C source is the example's own; the fixture adds only the per-target salt.
  copyFileSync(join(process.cwd(), 'examples', 'hello-c', 'hello.c'), join(workspace1, 'hello.c'))
  salt(workspace1, 'x86_64-linux', nonce)
  salt(workspace1, 'aarch64-linux', nonce)
  execFileSync('git', ['add', '-A'], { cwd: workspace1 })

  // Job 1: a miss; both derivations are built; post saves one cache entry.
  const job1 = await runAction({
    services,
    run: services.newRun(),
    workspace: workspace1,
    env: nixEnv,
    inputs
  })
  expectSuccess(job1)
  expect(job1.main.outputs['cache-hit']).toBe('miss')
  expect(nixActivity(job1).built).toHaveLength(2)
  const saved = services.listCacheEntries()
  expect(saved).toHaveLength(1)
  expect(job1.post?.log.join('\n')).toMatch(/Binary cache saved as static-cross-nix-/)
  const firstOutputs = outPaths(job1)
  created.push(...firstOutputs)

  // Job 2: another runner's folders (home, temp, a deeper workspace), job 1's outputs gone
  // from the store: an exact hit, nothing built.
  deleteFromStore(firstOutputs)
  const otherRunner = mkdtempSync(join(tmpdir(), 'other-runner-'))
  const workspace2 = join(otherRunner, '_work', 'salted', 'salted')
  mkdirSync(dirname(workspace2), { recursive: true })
  renameSync(projectWorkspace(workspace1), workspace2)
  const job2 = await runAction({
    services,
    run: services.newRun(),
    workspace: workspace2,
    env: { ...nixEnv, HOME: join(otherRunner, 'home') },
    inputs
  })
  expect(job2.main.env.HOME).not.toBe(job1.main.env.HOME)
  expect(job2.main.env.RUNNER_TEMP).not.toBe(job1.main.env.RUNNER_TEMP)
  expectSuccess(job2)
  expect(job2.main.outputs['cache-hit']).toBe('exact')
  expect(nixActivity(job2).built).toEqual([])
  expect(nixActivity(job2).substituted.sort()).toEqual([...firstOutputs].sort())
  expect(outPaths(job2)).toEqual(firstOutputs)
  expect(job2.post?.log.join('\n')).toContain('exact hit')
  expect(services.listCacheEntries()).toHaveLength(1)
  rmSync(otherRunner, { recursive: true, force: true })

  // Job 3: aarch64's source changed: a partial hit, only its derivation built, saved anew.
  const workspace3 = projectWorkspace(workspace1)
  salt(workspace3, 'aarch64-linux', `${nonce}-changed`)
  const job3 = await runAction({
    services,
    run: services.newRun(),
    workspace: workspace3,
    env: nixEnv,
    inputs
  })
  expectSuccess(job3)
  expect(job3.main.outputs['cache-hit']).toBe('partial')
  const activity = nixActivity(job3)
  expect(activity.built).toHaveLength(1)
  expect(activity.built[0]).toMatch(/salted-hello-aarch64-linux\.drv$/)
  const [x86, aarch64] = outPaths(job3)
  expect(x86).toBe(firstOutputs[0])
  expect(aarch64).not.toBe(firstOutputs[1])
  created.push(aarch64 as string)
  const entries = services.listCacheEntries()
  expect(entries).toHaveLength(2)
  expect(new Set(entries.map((e) => e.key)).size).toBe(2)
}, 600000)
