/**
 * The streaming pipeline with real executables, real checks and real archives; only the Nix
 * build is a stand-in, so tests can decide when each target's build ends.
 */
import { jest } from '@jest/globals'
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lastLines, type BuildOutcome } from '../../src/pipeline/build-stage.js'
import { runTargets, type PipelineMode } from '../../src/pipeline/run-targets.js'
import type { FlowSettings } from '../../src/pipeline/target-flow.js'
import type { PlannedTarget } from '../../src/plan.js'
import { buildFixtures } from '../../test-support/fixtures/c/build.js'

const FIXTURES = {
  'x86_64-linux': 'x86_64-static',
  'aarch64-linux': 'aarch64-static',
  'armv7l-linux': 'armv7l-static',
  'riscv64-linux': 'riscv64-static'
} as const
type Target = keyof typeof FIXTURES
const ALL = Object.keys(FIXTURES) as Target[]

let work: string
/** A store-path-like directory with bin/hello per target. */
const outputs = new Map<string, string>()

beforeAll(async () => {
  const built = await buildFixtures(Object.values(FIXTURES))
  work = await mkdtemp(join(tmpdir(), 'run-targets-'))
  for (const target of ALL) {
    const out = join(work, `out-${target}`)
    await mkdir(join(out, 'bin'), { recursive: true })
    await copyFile(built.paths[FIXTURES[target]], join(out, 'bin', 'hello'))
    outputs.set(target, out)
  }
  await rm(built.dir, { recursive: true, force: true })
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

const planned = (target: string): PlannedTarget =>
  ({
    target,
    system: target,
    strategy: 'cross',
    artifactName: `hello-${target}.tar.xz`
  }) as PlannedTarget

async function settings(build: (t: PlannedTarget) => Promise<BuildOutcome>): Promise<FlowSettings> {
  return {
    build,
    verify: { executables: [], smoke: null },
    package: {
      format: 'tar.xz',
      outDir: await mkdtemp(join(work, 'artifacts-')),
      mtime: 1700000000,
      xzThreads: 2,
      // The SBOM reads a real Nix closure; these outputs are not store paths
      // (__tests__/e2e/sbom.test.ts covers it).
      sbomProject: null
    },
    upload: null
  }
}

const built = (target: string): BuildOutcome => ({
  ok: true,
  outPaths: [outputs.get(target)!],
  log: `built ${target}`
})

/** Polls until `check` holds or `ms` pass; says which. */
async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}

describe('runTargets', () => {
  test('every target is built, verified and archived; one failing or throwing build stops no other', async () => {
    const flow = await settings(async (t) => {
      if (t.target === 'aarch64-linux')
        return { ok: false, outPaths: [], log: 'line 1\nerror: broken', error: 'nix build failed' }
      if (t.target === 'armv7l-linux') throw new Error('nix is not on PATH')
      return built(t.target)
    })
    const results = await runTargets(ALL.map(planned), flow, { maxParallel: 2, mode: 'streaming' })
    expect(results.map((r) => [r.target, r.status, r.failedStage])).toEqual([
      ['x86_64-linux', 'ok', null],
      ['aarch64-linux', 'failed', 'build'],
      ['armv7l-linux', 'failed', 'build'],
      ['riscv64-linux', 'ok', null]
    ])
    expect(results[1]?.error).toBe('nix build failed; the log ends with:\nline 1\nerror: broken')
    expect(results[2]?.error).toBe('nix is not on PATH')
    expect(results[0]?.executables[0]).toMatchObject({ name: 'hello', static: true })
    expect((await readdir(flow.package.outDir)).sort()).toEqual([
      'hello-riscv64-linux.tar.xz',
      'hello-x86_64-linux.tar.xz'
    ])
  }, 60000)

  test('a build that claims success without an output path failed', async () => {
    const flow = await settings(async () => ({ ok: true, outPaths: [], log: '' }))
    const [result] = await runTargets([planned('x86_64-linux')], flow, {
      maxParallel: 1,
      mode: 'streaming'
    })
    expect(result).toMatchObject({ status: 'failed', error: 'the build produced no output path' })
  })

  test('an SBOM that cannot be written fails the target at package and leaves no archive behind', async () => {
    const flow = await settings(async (t) => built(t.target))
    // Not a store path: Nix refuses to describe its closure while xz archives it.
    flow.package.sbomProject = { name: 'hello', version: '1.0.0' }
    const [result] = await runTargets([planned('x86_64-linux')], flow, {
      maxParallel: 1,
      mode: 'streaming'
    })
    expect(result).toMatchObject({ status: 'failed', failedStage: 'package', archive: null })
    expect(result?.error).toMatch(/^packaging failed: reading the Nix closure for the SBOM failed/)
    expect(await readdir(flow.package.outDir)).toEqual([])
  }, 60000)

  test('never runs more builds at once than max-parallel', async () => {
    let running = 0
    let most = 0
    const flow = await settings(async (t) => {
      running += 1
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, 30))
      running -= 1
      return built(t.target)
    })
    await runTargets(ALL.map(planned), flow, { maxParallel: 2, mode: 'streaming' })
    expect(most).toBe(2)
  }, 60000)

  /** x86_64's build ends at once; aarch64's waits (at most 5 s) for x86_64's archive to appear. */
  async function archiveBeforeOtherBuildEnds(mode: PipelineMode): Promise<boolean> {
    let seen = false
    const flow = await settings(async (t) => {
      if (t.target === 'aarch64-linux') {
        seen = await waitFor(
          async () => (await readdir(flow.package.outDir)).includes('hello-x86_64-linux.tar.xz'),
          5000
        )
      }
      return built(t.target)
    })
    const results = await runTargets([planned('x86_64-linux'), planned('aarch64-linux')], flow, {
      maxParallel: 2,
      mode
    })
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok'])
    return seen
  }

  test('streaming: a target is archived while another target still builds', async () => {
    expect(await archiveBeforeOtherBuildEnds('streaming')).toBe(true)
  }, 60000)

  test('barrier: no target is archived before every build has ended', async () => {
    expect(await archiveBeforeOtherBuildEnds('barrier')).toBe(false)
  }, 60000)

  test('log groups come out in target order though the second target finishes first, every line naming its target', async () => {
    let secondDone = (): void => undefined
    const second = new Promise<void>((resolve) => {
      secondDone = resolve
    })
    const flow = await settings(async (t) => {
      if (t.target === 'x86_64-linux') await second
      else secondDone()
      return built(t.target)
    })
    const written: string[] = []
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    try {
      await runTargets([planned('x86_64-linux'), planned('aarch64-linux')], flow, {
        maxParallel: 2,
        mode: 'streaming'
      })
    } finally {
      spy.mockRestore()
    }
    const lines = written.join('').split('\n')
    const groups = lines.filter((l) => l.startsWith('::group::'))
    expect(groups.map((g) => g.replace(/ in [\d.]+ s$/, ''))).toEqual([
      '::group::build x86_64-linux: ok',
      '::group::verify x86_64-linux: ok',
      '::group::build aarch64-linux: ok',
      '::group::verify aarch64-linux: ok'
    ])
    // The first progress line to print is the second target's: it finished first.
    const progress = lines.filter((l) => /^\[[^\]]+\] build (ok|FAILED)/.test(l))
    expect(progress[0]).toMatch(/^\[aarch64-linux\] build ok/)
    const inGroups = lines.filter(
      (l) => l !== '' && !l.startsWith('::') && !/^\d+ target\(s\)/.test(l)
    )
    expect(inGroups.filter((l) => !/^\[(x86_64|aarch64)-linux\] /.test(l))).toEqual([])
    expect(lines).toContain('[aarch64-linux] built aarch64-linux')
  }, 60000)
})

test('lastLines keeps the end of a log', () => {
  expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc')
})
