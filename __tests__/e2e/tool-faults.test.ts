/**
 * Tool faults on real builds: a failing build, qemu missing for one target, a hanging smoke
 * run, the disk filling up while archiving, and a Nix installer that is unreachable or does not
 * match its hash. Each gives a clear error; the other targets are unaffected; no half-written
 * archive stays in artifacts-dir and no partial artifact is uploaded.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TargetResult } from '../../src/pipeline/results.js'
import { actionSnapshot } from '../../test-support/action-snapshot.js'
import { startInstallerServer, type InstallerServer } from '../../test-support/installer-server.js'
import { pathWithout } from '../../test-support/path-without.js'
import { HELLO_EXAMPLE } from '../../test-support/hello-project.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { caseRecorder } from '../../test-support/reliability.js'
import {
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'

const FAULTY = join(process.cwd(), 'test-support', 'fixtures', 'faulty-flake')
const record = caseRecorder('tool-faults', 'Tool faults (Nix, qemu, disk, Nix installer)')
let services: Services
let actionDir: string

const results = (run: ActionRunResult): Record<string, TargetResult> =>
  Object.fromEntries(
    (JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[]).map((r) => [r.target, r])
  )
const errors = (run: ActionRunResult): string[] =>
  run.annotations.filter((a) => a.level === 'error').map((a) => a.message)
const finalized = (run: ActionRunResult): string[] =>
  services
    .listArtifacts(run.run)
    .filter((a) => a.finalized)
    .map((a) => a.name)
    .sort()
const unfinalized = (run: ActionRunResult): string[] =>
  services
    .listArtifacts(run.run)
    .filter((a) => !a.finalized)
    .map((a) => a.name)

/** What artifacts-dir holds besides the checksums file: finished archives, no temporary file. */
function artifactsDirFiles(runnerTemp: string): string[] {
  const dir = join(runnerTemp, 'static-cross', 'artifacts')
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => !/SHA256SUMS$/.test(f))
        .sort()
    : []
}

async function run(
  project: string,
  inputs: Record<string, string>,
  extra: Partial<Parameters<typeof runAction>[0]> = {}
) {
  return runAction({
    services,
    actionDir,
    run: services.newRun(),
    workspace: projectWorkspace(project),
    ...extra,
    env: { ...offlineNixEnv(), ...(extra.env ?? {}) },
    inputs: { name: 'hello', version: '1', cache: 'false', ...inputs }
  })
}

beforeAll(async () => {
  services = await startServices()
  actionDir = await actionSnapshot()
}, 120000)
afterAll(async () => {
  record.write()
  await services?.stop()
})

describe('faults of the build tools fail their own target only', () => {
  let faulty: ActionRunResult
  beforeAll(async () => {
    faulty = await run(FAULTY, {
      targets: 'x86_64-linux, armv7l-linux, riscv64-linux',
      installable: '.#case-{target}',
      'smoke-timeout': '3'
    })
  }, 300000)

  test("one target's build fails", async () => {
    await record.check(
      'nix build fails for one target',
      'faulty-flake armv7l-linux: builder exits 1',
      'armv7l failed at build with the log tail; x86_64 published',
      () => {
        const byTarget = results(faulty)
        expect(byTarget['armv7l-linux']).toMatchObject({ status: 'failed', failedStage: 'build' })
        expect(errors(faulty).join('\n')).toContain('this fixture never builds')
        expect(byTarget['x86_64-linux']).toMatchObject({ status: 'ok' })
        expect(finalized(faulty)).toContain('hello-1-linux-static-x86-64.tar.xz')
        return `armv7l: ${byTarget['armv7l-linux']?.error?.slice(0, 100)}; x86_64 ok and uploaded`
      }
    )
  })

  test('a smoke run that hangs is killed after smoke-timeout', async () => {
    await record.check(
      'smoke run hangs',
      'faulty-flake riscv64-linux: --version never returns; smoke-timeout 3',
      'riscv64 failed at verify as hung, within the timeout; nothing of it archived',
      () => {
        const riscv = results(faulty)['riscv64-linux']
        expect(riscv).toMatchObject({ status: 'failed', failedStage: 'verify' })
        expect(riscv?.error).toMatch(/hung: no exit after 3 s/)
        expect(riscv?.durationsMs.verify).toBeLessThan(15000)
        expect(artifactsDirFiles(faulty.runnerTemp)).toEqual([
          'hello-1-linux-static-x86-64.cdx.json',
          'hello-1-linux-static-x86-64.tar.xz'
        ])
        expect(finalized(faulty)).toEqual([
          'hello-1-linux-static-x86-64+armv7l+riscv64-SHA256SUMS',
          'hello-1-linux-static-x86-64.cdx.json',
          'hello-1-linux-static-x86-64.tar.xz'
        ])
        expect(unfinalized(faulty)).toEqual([])
        return `riscv64: ${riscv?.error?.slice(0, 80)} (verify ${riscv?.durationsMs.verify} ms); only x86_64 archived and uploaded`
      }
    )
  })
})

test('qemu missing for one target', async () => {
  await record.check(
    'qemu missing for one target',
    'PATH without qemu-riscv64 and qemu-riscv64-static',
    'riscv64 failed at verify naming qemu-riscv64 and how to install it; x86_64 published',
    async () => {
      const path = pathWithout([/^qemu-riscv64/])
      const result = await run(
        HELLO_EXAMPLE,
        { targets: 'x86_64-linux, riscv64-linux', installable: '.#static-{target}' },
        { env: { PATH: path } }
      )
      const byTarget = results(result)
      expect(byTarget['riscv64-linux']).toMatchObject({ status: 'failed', failedStage: 'verify' })
      expect(byTarget['riscv64-linux']?.error).toMatch(
        /qemu-riscv64 is not on PATH.*qemu-user-static/
      )
      expect(byTarget['x86_64-linux']).toMatchObject({ status: 'ok' })
      expect(finalized(result)).toEqual([
        'hello-1-linux-static-x86-64+riscv64-SHA256SUMS',
        'hello-1-linux-static-x86-64.cdx.json',
        'hello-1-linux-static-x86-64.tar.xz'
      ])
      expect(artifactsDirFiles(result.runnerTemp)).toEqual([
        'hello-1-linux-static-x86-64.cdx.json',
        'hello-1-linux-static-x86-64.tar.xz'
      ])
      rmSync(path, { recursive: true, force: true })
      return `riscv64: ${byTarget['riscv64-linux']?.error?.slice(0, 120)}`
    }
  )
})

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
;(isRoot ? test : test.skip)('the disk fills up while archiving', async () => {
  await record.check(
    'disk full while archiving',
    'RUNNER_TEMP on a 2 MiB tmpfs with ~150 KiB left',
    'the target whose archive does not fit fails at package; no temporary file left; the other target published',
    async () => {
      const mount = mkdtempSync(join(tmpdir(), 'small-temp-'))
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount])
      try {
        const filler = join(mount, 'filler')
        // Leave about 150 KiB: the x86_64 archive (~14 KiB) fits, the riscv64 one (~230 KiB) does not.
        writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024 - 150 * 1024))
        mkdirSync(join(mount, 'tmp'))
        const result = await run(
          HELLO_EXAMPLE,
          { targets: 'x86_64-linux, riscv64-linux', installable: '.#static-{target}' },
          { env: { RUNNER_TEMP: join(mount, 'tmp') } }
        )
        const byTarget = results(result)
        expect(byTarget['riscv64-linux']).toMatchObject({
          status: 'failed',
          failedStage: 'package'
        })
        expect(byTarget['riscv64-linux']?.error).toMatch(/ENOSPC|No space left/)
        expect(byTarget['x86_64-linux']).toMatchObject({ status: 'ok' })
        expect(result.main.conclusion).toBe('failure')
        expect(artifactsDirFiles(join(mount, 'tmp'))).toEqual([
          'hello-1-linux-static-x86-64.cdx.json',
          'hello-1-linux-static-x86-64.tar.xz'
        ])
        expect(finalized(result)).toEqual([
          'hello-1-linux-static-x86-64+riscv64-SHA256SUMS',
          'hello-1-linux-static-x86-64.cdx.json',
          'hello-1-linux-static-x86-64.tar.xz'
        ])
        return `riscv64: ${byTarget['riscv64-linux']?.error?.slice(0, 120)}; artifacts-dir holds only the x86_64 archive, its SBOM and SHA256SUMS`
      } finally {
        execFileSync('umount', [mount])
        rmSync(mount, { recursive: true, force: true })
      }
    }
  )
})

describe('the Nix installer cannot be fetched or does not match its hash', () => {
  let server: InstallerServer
  const tarball = Buffer.from('not the installer that was pinned\n')
  beforeAll(async () => {
    server = await startInstallerServer({ '/nix-2.8.0-x86_64-linux.tar.xz': tarball })
  })
  afterAll(async () => {
    await server?.close()
  })

  test.each([
    [
      'installer unreachable (404)',
      '/missing/nix-2.8.0-x86_64-linux.tar.xz',
      'a'.repeat(64),
      /Could not download the Nix installer 2\.8\.0 from http:\/\/127\.0\.0\.1:\d+\/missing\/nix-2\.8\.0-x86_64-linux\.tar\.xz: Unexpected HTTP response: 404/
    ],
    [
      'installer hash mismatch',
      '/nix-2.8.0-x86_64-linux.tar.xz',
      'b'.repeat(64),
      /expected b{64}; refusing to run it/
    ]
  ])('%s', async (name, path, sha256, message) => {
    await record.check(
      name,
      `install-nix: true, no nix on PATH, nix-installer-url ${path} (loopback)`,
      'step fails with one clear error before anything from the download runs; nothing built or uploaded',
      async () => {
        const home = mkdtempSync(join(tmpdir(), 'sx-home-'))
        const noNix = pathWithout([/^nix/])
        const result = await run(
          HELLO_EXAMPLE,
          {
            targets: 'x86_64-linux',
            installable: '.#static-{target}',
            'install-nix': 'true',
            'nix-version': '2.8.0',
            'nix-installer-url': server.url(path),
            'nix-installer-sha256': sha256
          },
          { env: { PATH: noNix, HOME: home } }
        )
        expect(result.main.conclusion).toBe('failure')
        expect(errors(result)).toHaveLength(1)
        expect(errors(result)[0]).toMatch(message)
        expect(server.requests).toContain(path)
        // The installer never ran: it would have written HOME/.nix-profile and HOME/installer-args.
        expect(readdirSync(home)).toEqual([])
        expect(readdirSync(result.toolCache)).toEqual([])
        expect(result.main.outputs.results).toBeUndefined()
        expect(services.listArtifacts(result.run)).toEqual([])
        rmSync(noNix, { recursive: true, force: true })
        return `red: ${errors(result)[0]?.slice(0, 160)}`
      }
    )
  })
})
