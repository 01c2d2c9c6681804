import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { findTarget, type TargetSpec } from '../../../src/targets.js'
import { findQemu, hostSystem, runSmoke } from '../../../src/verify/smoke.js'
import { buildFixtures } from '../../../test-support/fixtures/c/build.js'

function target(name: string): TargetSpec {
  const t = findTarget(name)
  if (!t) throw new Error(`no target ${name}`)
  return t
}

const NAMES = ['x86_64-static', 'aarch64-static', 'armv7l-static', 'riscv64-static'] as const
let paths: Record<(typeof NAMES)[number], string>
let dir: string

beforeAll(async () => {
  const built = await buildFixtures(NAMES)
  paths = built.paths
  dir = built.dir
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('host system', () => {
  test('maps Node arch names to Nix systems', () => {
    expect(hostSystem('x64', 'linux')).toBe('x86_64-linux')
    expect(hostSystem('arm64', 'linux')).toBe('aarch64-linux')
    expect(hostSystem('x64', 'darwin')).toBe('x64-darwin')
  })
})

describe('smoke runs', () => {
  const cases = [
    ['x86_64-linux', 'x86_64-static', 'x86_64'],
    ['aarch64-linux', 'aarch64-static', 'aarch64'],
    ['armv7l-linux', 'armv7l-static', 'arm'],
    ['riscv64-linux', 'riscv64-static', 'riscv64']
  ] as const

  test.each(cases)('%s: %s --version runs under its qemu', async (t, name, arch) => {
    // Pretend the host is something else, so even x86_64 goes through qemu-x86_64.
    const result = await runSmoke({
      path: paths[name],
      target: target(t),
      expect: `^hello-fixture \\d+\\.\\d+\\.\\d+ \\(${arch}\\)\\n$`,
      timeoutSec: 30,
      hostSystem: 'sparc64-linux'
    })
    expect(result).toMatchObject({ ok: true, exitCode: 0, problem: null, timedOut: false })
    expect(result.output).toBe(`hello-fixture 1.2.3 (${arch})\n`)
    expect(result.runner).toMatch(new RegExp(`/${target(t).qemu}(-static)?$`))
    expect(result.command.slice(1)).toEqual([paths[name], '--version'])
  })

  test('the host system runs natively', async () => {
    const result = await runSmoke({
      path: paths['x86_64-static'],
      target: target('x86_64-linux'),
      hostSystem: 'x86_64-linux',
      timeoutSec: 10
    })
    expect(result).toMatchObject({
      ok: true,
      runner: 'native',
      command: [paths['x86_64-static'], '--version']
    })
  })

  test('a non-zero exit is a failure that shows the output', async () => {
    const result = await runSmoke({
      path: paths['aarch64-static'],
      target: target('aarch64-linux'),
      args: ['--exit', '3'],
      timeoutSec: 30
    })
    expect(result).toMatchObject({ ok: false, exitCode: 3, timedOut: false })
    expect(result.problem).toBe('exited with status 3; output "exiting with 3"')
  })

  test('output that does not match the expected pattern fails', async () => {
    const result = await runSmoke({
      path: paths['riscv64-static'],
      target: target('riscv64-linux'),
      expect: /^postgrest \d/,
      timeoutSec: 30
    })
    expect(result).toMatchObject({ ok: false, exitCode: 0 })
    expect(result.problem).toBe(
      'output does not match /^postgrest \\d/: got "hello-fixture 1.2.3 (riscv64)"'
    )
  })

  test('a hanging run is killed with its process group and reported', async () => {
    const result = await runSmoke({
      path: paths['armv7l-static'],
      target: target('armv7l-linux'),
      args: ['--hang'],
      timeoutSec: 1.5
    })
    expect(result).toMatchObject({ ok: false, timedOut: true, exitCode: null, signal: 'SIGKILL' })
    expect(result.problem).toBe('hung: no exit after 1.5 s (process group killed)')
    expect(result.output).toBe('hanging\n')
    expect(result.durationMs).toBeGreaterThanOrEqual(1400)
    expect(result.durationMs).toBeLessThan(6000)
  })

  test('a hanging shell whose child holds the output open is killed too', async () => {
    const script = join(dir, 'hang.sh')
    await writeFile(script, '#!/bin/sh\necho started\nsleep 600 &\nsleep 600\n')
    await chmod(script, 0o755)
    const started = Date.now()
    const result = await runSmoke({
      path: script,
      target: target('x86_64-linux'),
      args: [],
      hostSystem: 'x86_64-linux',
      timeoutSec: 1
    })
    expect(result).toMatchObject({ ok: false, timedOut: true, output: 'started\n' })
    expect(Date.now() - started).toBeLessThan(5000)
  })

  test('output is capped', async () => {
    const result = await runSmoke({
      path: paths['x86_64-static'],
      target: target('x86_64-linux'),
      args: ['--spam', '1000000'],
      maxOutputBytes: 1000,
      timeoutSec: 10
    })
    expect(result).toMatchObject({ ok: true, truncated: true })
    expect(result.output).toBe('x'.repeat(1000))
  })

  test('an empty environment is really empty', async () => {
    const empty = await runSmoke({
      path: paths['x86_64-static'],
      target: target('x86_64-linux'),
      args: ['--env'],
      emptyEnv: true,
      hostSystem: 'x86_64-linux',
      timeoutSec: 10
    })
    expect(empty.output).toBe('env 0\n')
    const one = await runSmoke({
      path: paths['x86_64-static'],
      target: target('x86_64-linux'),
      args: ['--env'],
      emptyEnv: true,
      env: { A: '1' },
      hostSystem: 'x86_64-linux',
      timeoutSec: 10
    })
    expect(one.output).toBe('env 1\n')
  })

  test('arguments are passed as they are, never through a shell', async () => {
    const result = await runSmoke({
      path: paths['x86_64-static'],
      target: target('x86_64-linux'),
      args: ['--exit', '$(echo injected); 0'],
      hostSystem: 'x86_64-linux',
      timeoutSec: 10
    })
    // atoi() of the literal string is 0: the text reached the program untouched.
    expect(result.output).toBe('exiting with $(echo injected); 0\n')
  })

  test('a missing executable is a failure, not a throw', async () => {
    const result = await runSmoke({
      path: join(dir, 'absent'),
      target: target('x86_64-linux'),
      hostSystem: 'x86_64-linux',
      timeoutSec: 5
    })
    expect(result.ok).toBe(false)
    expect(result.problem).toMatch(/^could not start .*absent: spawn .*ENOENT/)
  })
})

describe('finding qemu', () => {
  let bin: string
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'static-cross-qemu-'))
  })
  afterAll(async () => {
    await rm(bin, { recursive: true, force: true })
  })

  test('prefers qemu-X, falls back to Debian qemu-X-static', async () => {
    const real = findQemu('qemu-aarch64')
    expect(real).not.toBeNull()
    await symlink(real!, join(bin, 'qemu-aarch64-static'))
    expect(findQemu('qemu-aarch64', bin)).toBe(join(bin, 'qemu-aarch64-static'))
    await symlink(real!, join(bin, 'qemu-aarch64'))
    expect(findQemu('qemu-aarch64', `/nonexistent:${bin}`)).toBe(join(bin, 'qemu-aarch64'))
  })

  test('a non-executable file is not qemu', async () => {
    await writeFile(join(bin, 'qemu-riscv64'), 'not a program')
    expect(findQemu('qemu-riscv64', bin)).toBeNull()
  })

  test('missing qemu is a clear per-target failure naming the package', async () => {
    const result = await runSmoke({
      path: paths['aarch64-static'],
      target: target('aarch64-linux'),
      timeoutSec: 5,
      searchPath: '/nonexistent'
    })
    expect(result).toMatchObject({ ok: false, runner: null, exitCode: null })
    expect(result.problem).toBe(
      'qemu-aarch64 is not on PATH (looked for qemu-aarch64 and qemu-aarch64-static), so aarch64-linux ' +
        'executables cannot be run: install qemu-user-static (apt-get install qemu-user-static) or qemu-user'
    )
  })
})

describe('smoke options', () => {
  test('a timeout that is not a positive number is refused up front', async () => {
    await expect(
      runSmoke({ path: paths['x86_64-static'], target: target('x86_64-linux'), timeoutSec: 0 })
    ).rejects.toThrow('smoke timeout must be a positive number of seconds, got 0')
  })
})
