/**
 * The whole action on real parts: Nix builds a C program for four targets with Debian's cross
 * compilers, the action verifies each executable under qemu, archives, uploads one artifact per
 * target to the local artifact service (Azurite), and the artifacts are downloaded and checked
 * as a release job would.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRunResult, type Services } from '../../test-support/runner/index.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { targetResults } from '../../test-support/target-results.js'
import { useServices } from '../../test-support/jest-services.js'

const EXAMPLE = join(process.cwd(), 'examples', 'hello-c')
const FAULTY = join(process.cwd(), 'test-support', 'fixtures', 'faulty-flake')
const TARGETS = 'x86_64-linux, aarch64-linux, armv7l-linux, riscv64-linux'
const QEMU: Record<string, string[]> = {
  'x86_64-linux': [],
  'aarch64-linux': ['qemu-aarch64-static'],
  'armv7l-linux': ['qemu-arm-static'],
  'riscv64-linux': ['qemu-riscv64-static']
}

let services: Services
useServices((started) => (services = started))

const results = targetResults

async function buildExample(extra: Record<string, string> = {}) {
  const run = await runAction({
    services,
    run: services.newRun(),
    workspace: projectWorkspace(EXAMPLE),
    env: offlineNixEnv(),
    inputs: {
      targets: TARGETS,
      installable: '.#static-{target}',
      name: 'hello',
      version: '1.0.0',
      ...extra
    }
  })
  return run
}

describe('four targets through the whole action', () => {
  let first: ActionRunResult

  beforeAll(async () => {
    first = await buildExample()
  }, 600000)

  test('every target is built, verified, archived and uploaded as its own artifact', () => {
    expect(first.main.conclusion).toBe('success')
    expect(first.main.annotations.filter((a) => a.level === 'error')).toEqual([])
    const byTarget = results(first)
    expect(
      byTarget.map((r) => [
        r.target,
        r.status,
        r.executables.map((e) => [e.name, e.static, e.smoke?.ok])
      ])
    ).toEqual([
      ['x86_64-linux', 'ok', [['hello', true, true]]],
      ['aarch64-linux', 'ok', [['hello', true, true]]],
      ['armv7l-linux', 'ok', [['hello', true, true]]],
      ['riscv64-linux', 'ok', [['hello', true, true]]]
    ])
    expect(byTarget.map((r) => r.executables[0]?.elf?.machineName)).toEqual([
      'x86-64',
      'AArch64',
      'ARM',
      'RISC-V'
    ])
    const names = services
      .listArtifacts(first.run)
      .map((a) => a.name)
      .sort()
    expect(names).toEqual([
      'hello-1.0.0-linux-static-aarch64.cdx.json',
      'hello-1.0.0-linux-static-aarch64.tar.xz',
      'hello-1.0.0-linux-static-armv7l.cdx.json',
      'hello-1.0.0-linux-static-armv7l.tar.xz',
      'hello-1.0.0-linux-static-riscv64.cdx.json',
      'hello-1.0.0-linux-static-riscv64.tar.xz',
      'hello-1.0.0-linux-static-x86-64+aarch64+armv7l+riscv64-SHA256SUMS',
      'hello-1.0.0-linux-static-x86-64.cdx.json',
      'hello-1.0.0-linux-static-x86-64.tar.xz'
    ])
    expect(first.main.outputs['failed-targets']).toBe('')
    // retention-days left at 0: the repository's default, so no expiry is asked for.
    expect(services.listArtifacts(first.run).map((a) => a.expiresAt)).toEqual(
      Array<undefined>(9).fill(undefined)
    )
    expect(first.main.summary).toContain('<th>ELF machine</th>')
  })

  test('targets stream through the step: groups in target order, every target line names its target', () => {
    const titles = first.main.groups.map((g) => g.title)
    const perTarget = titles.filter((t) => /^(build|verify) /.test(t)).map((t) => t.split(':')[0])
    expect(perTarget).toEqual(
      TARGETS.split(', ').flatMap((target) => [`build ${target}`, `verify ${target}`])
    )
    for (const group of first.main.groups.filter((g) => /^(build|verify) /.test(g.title))) {
      const target = /^\w+ (\S+):/.exec(group.title)?.[1]
      // The runner shows the group's own ##[group] header among its lines.
      const ownLines = group.lines.filter((l) => !l.startsWith('##['))
      expect(ownLines.length).toBeGreaterThan(0)
      expect(ownLines.filter((l) => !l.startsWith(`[${target}] `))).toEqual([])
    }
    for (const target of TARGETS.split(', ')) {
      expect(first.main.log).toContainEqual(
        expect.stringMatching(new RegExp(`^\\[${target}\\] packaged hello-`))
      )
      expect(first.main.log).toContainEqual(
        expect.stringMatching(new RegExp(`^\\[${target}\\] uploaded artifact hello-`))
      )
    }
    expect(first.main.log).toContainEqual(expect.stringMatching(/streaming pipeline$/))
  })

  test('downloaded archives hold the store executable byte for byte, mode 0755, runnable, and they and their SBOMs match SHA256SUMS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'download-'))
    for (const result of results(first)) {
      const artifact = await services.downloadArtifact(result.artifact!.name, { run: first.run })
      expect(artifact.digest).toBe(result.artifact!.digest)
      writeFileSync(join(dir, artifact.name), artifact.bytes)
      const sbom = await services.downloadArtifact(result.sbom!.artifact!.name, { run: first.run })
      writeFileSync(join(dir, sbom.name), sbom.bytes)
      const unpacked = mkdtempSync(join(dir, `${result.target}-`))
      execFileSync('tar', ['-xJf', join(dir, artifact.name), '-C', unpacked])
      const executable = join(unpacked, 'hello')
      expect(readFileSync(executable).equals(readFileSync(result.executables[0]!.path))).toBe(true)
      expect(statSync(executable).mode & 0o777).toBe(0o755)
      const [qemu = executable, ...rest] = [...(QEMU[result.target] ?? []), executable]
      const output = execFileSync(qemu, [...rest, '--version'], { encoding: 'utf8' })
      expect(output).toMatch(/^hello 1\.0\.0 \(/)
    }
    const sumsName = 'hello-1.0.0-linux-static-x86-64+aarch64+armv7l+riscv64-SHA256SUMS'
    const sums = await services.downloadArtifact(sumsName, { run: first.run })
    writeFileSync(join(dir, sumsName), sums.bytes)
    const check = execFileSync('sha256sum', ['-c', sumsName], { cwd: dir, encoding: 'utf8' })
    // Four archives and their four SBOMs.
    expect(check.trim().split('\n')).toHaveLength(8)
    expect(check).not.toContain('FAILED')
  })

  test('a second run on unchanged inputs gives byte-identical archives', async () => {
    const second = await buildExample()
    expect(second.main.conclusion).toBe('success')
    for (const result of results(first)) {
      const before = await services.downloadArtifact(result.artifact!.name, { run: first.run })
      const after = await services.downloadArtifact(result.artifact!.name, { run: second.run })
      expect(after.bytes.equals(before.bytes)).toBe(true)
    }
  }, 600000)

  test('compression-level reaches xz: a faster level gives a larger archive of the same executable', async () => {
    const fast = await buildExample({ targets: 'x86_64-linux', 'compression-level': '0' })
    expect(fast.main.conclusion).toBe('success')
    expect(fast.log.join('\n')).toContain('archive: tar.xz (compression-level 0)')
    const [result] = results(fast)
    const before = await services.downloadArtifact(result!.artifact!.name, { run: first.run })
    const after = await services.downloadArtifact(result!.artifact!.name, { run: fast.run })
    expect(after.bytes.length).toBeGreaterThan(before.bytes.length)
    const dir = mkdtempSync(join(tmpdir(), 'download-'))
    writeFileSync(join(dir, 'fast.tar.xz'), after.bytes)
    execFileSync('tar', ['-xJf', join(dir, 'fast.tar.xz'), '-C', dir])
    expect(
      readFileSync(join(dir, 'hello')).equals(readFileSync(result!.executables[0]!.path))
    ).toBe(true)
  }, 600000)
})

test('retention-days reaches the artifact service as the expiry of every artifact', async () => {
  const run = await buildExample({ targets: 'x86_64-linux, aarch64-linux', 'retention-days': '7' })
  expect(run.main.conclusion).toBe('success')
  const expiries = services
    .listArtifacts(run.run)
    .map((a) => Date.parse(a.expiresAt ?? '') - Date.now())
  expect(expiries).toHaveLength(5)
  for (const ms of expiries) expect(Math.round(ms / 86_400_000)).toBe(7)
}, 600000)

describe('failures stay with their own target', () => {
  let run: ActionRunResult
  beforeAll(async () => {
    run = await runAction({
      services,
      run: services.newRun(),
      workspace: projectWorkspace(FAULTY),
      env: offlineNixEnv(),
      inputs: {
        targets: TARGETS,
        installable: '.#case-{target}',
        name: 'faulty',
        version: '1',
        'smoke-timeout': '5'
      }
    })
  }, 600000)

  test('a dynamic executable, a failing build and a hanging smoke run each fail only their target', () => {
    const byTarget = Object.fromEntries(results(run).map((r) => [r.target, r]))
    expect(byTarget['x86_64-linux']).toMatchObject({ status: 'ok', failedStage: null })
    expect(byTarget['aarch64-linux']).toMatchObject({ status: 'failed', failedStage: 'verify' })
    expect(byTarget['aarch64-linux']?.error).toMatch(
      /dynamically linked: PT_INTERP \/lib\/ld-linux-aarch64\.so\.1.*libc\.so\.6/
    )
    expect(byTarget['armv7l-linux']).toMatchObject({ status: 'failed', failedStage: 'build' })
    expect(byTarget['riscv64-linux']).toMatchObject({ status: 'failed', failedStage: 'verify' })
    expect(byTarget['riscv64-linux']?.error).toMatch(/hung: no exit after 5 s/)
    expect(run.main.outputs['failed-targets']).toBe('aarch64-linux,armv7l-linux,riscv64-linux')
  })

  test('the build log of the failing target is in its own group, and the others still publish', () => {
    const group = run.main.groups.find((g) => g.title.startsWith('build armv7l-linux: FAILED'))
    expect(group?.lines.join('\n')).toContain('this fixture never builds')
    expect(services.listArtifacts(run.run).map((a) => a.name)).toEqual([
      'faulty-1-linux-static-x86-64.tar.xz',
      'faulty-1-linux-static-x86-64.cdx.json',
      'faulty-1-linux-static-x86-64+aarch64+armv7l+riscv64-SHA256SUMS'
    ])
  })

  test('fail-on any fails the step with one annotation per failed target and a summary row for every target', () => {
    expect(run.main.conclusion).toBe('failure')
    const titles = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.title)
    expect(titles).toEqual([
      'static-cross: aarch64-linux failed at verify',
      'static-cross: armv7l-linux failed at build',
      'static-cross: riscv64-linux failed at verify',
      undefined
    ])
    for (const target of TARGETS.split(', '))
      expect(run.main.summary).toContain(`<td>${target}</td>`)
  })
})

describe('fail-on decides the step result', () => {
  test.each([
    ['none', TARGETS, 'success'],
    ['all', TARGETS, 'success'],
    ['all', 'aarch64-linux, armv7l-linux', 'failure'],
    ['any', 'x86_64-linux', 'success']
  ])(
    'fail-on %s with targets %s: %s',
    async (failOn, targets, conclusion) => {
      const run = await runAction({
        services,
        run: services.newRun(),
        workspace: projectWorkspace(FAULTY),
        env: offlineNixEnv(),
        inputs: {
          targets,
          installable: '.#case-{target}',
          name: 'faulty',
          version: '1',
          'smoke-timeout': '5',
          'fail-on': failOn
        }
      })
      expect(run.main.conclusion).toBe(conclusion)
      // Whatever the step's result, every target's result is reported.
      expect(
        results(run)
          .map((r) => r.target)
          .join(', ')
      ).toBe(targets)
    },
    300000
  )
})
