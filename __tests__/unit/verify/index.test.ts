import { chmod, copyFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { findTarget, type TargetSpec } from '../../../src/targets.js'
import { verifyExecutable } from '../../../src/verify/index.js'
import { buildFixtures } from '../../../test-support/fixtures/c/build.js'

function target(name: string): TargetSpec {
  const t = findTarget(name)
  if (!t) throw new Error(`no target ${name}`)
  return t
}

const NAMES = [
  'aarch64-static',
  'armv7l-static',
  'aarch64-dynamic',
  'x86_64-static',
  'x86_64-static-pie'
] as const
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

const VERSION = { args: ['--version'], expect: /^hello-fixture 1\.2\.3/, timeoutSec: 30 }

describe('verifyExecutable', () => {
  test('a good static aarch64 executable passes ELF checks and its smoke run', async () => {
    const result = await verifyExecutable({
      path: paths['aarch64-static'],
      target: target('aarch64-linux'),
      smoke: VERSION
    })
    expect(result).toMatchObject({ ok: true, static: true, problems: [], smokeSkipped: null })
    expect(result.elf?.machineName).toBe('AArch64')
    expect(result.smoke).toMatchObject({
      ok: true,
      exitCode: 0,
      output: 'hello-fixture 1.2.3 (aarch64)\n'
    })
    expect(result.smoke?.durationMs).toBeGreaterThanOrEqual(0)
  })

  test('a static-pie on the host passes and runs natively', async () => {
    const result = await verifyExecutable({
      path: paths['x86_64-static-pie'],
      target: target('x86_64-linux'),
      smoke: VERSION,
      hostSystem: 'x86_64-linux'
    })
    expect(result).toMatchObject({ ok: true, static: true, smoke: { ok: true, runner: 'native' } })
  })

  test('a wrong machine fails the ELF check and skips the smoke run', async () => {
    const result = await verifyExecutable({
      path: paths['armv7l-static'],
      target: target('aarch64-linux'),
      smoke: VERSION
    })
    expect(result.ok).toBe(false)
    expect(result.problems).toEqual([
      { check: 'class', message: 'ELF class is ELFCLASS32, expected ELFCLASS64' },
      { check: 'machine', message: 'machine is ARM (40), expected AArch64 (183)' }
    ])
    expect(result.smoke).toBeNull()
    expect(result.smokeSkipped).toBe('not run: ELF class is ELFCLASS32, expected ELFCLASS64')
  })

  test('a dynamic executable is reported as not static; its smoke run still tells what happens', async () => {
    const result = await verifyExecutable({
      path: paths['aarch64-dynamic'],
      target: target('aarch64-linux'),
      smoke: VERSION
    })
    expect(result.ok).toBe(false)
    expect(result.static).toBe(false)
    expect(result.problems[0]).toEqual({
      check: 'static',
      message: 'dynamically linked: PT_INTERP /lib/ld-linux-aarch64.so.1, needs libc.so.6'
    })
    // Debian ships the aarch64 loader for cross builds, so qemu may or may not run it.
    expect(result.smoke).not.toBeNull()
  })

  test('a failing smoke command makes the result fail with the reason', async () => {
    const result = await verifyExecutable({
      path: paths['x86_64-static'],
      target: target('x86_64-linux'),
      smoke: { args: ['--exit', '7'], timeoutSec: 10 }
    })
    expect(result).toMatchObject({ ok: false, static: true })
    expect(result.problems).toEqual([
      {
        check: 'smoke',
        message:
          'smoke run `x86_64-static --exit 7` failed: exited with status 7; output "exiting with 7"'
      }
    ])
  })

  test('missing qemu fails only the smoke part, with the package to install', async () => {
    const result = await verifyExecutable({
      path: paths['aarch64-static'],
      target: target('aarch64-linux'),
      smoke: VERSION,
      searchPath: '/nonexistent'
    })
    expect(result.static).toBe(true)
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0]?.message).toMatch(
      /qemu-aarch64 is not on PATH .* install qemu-user-static/
    )
  })

  test('smoke: null checks the ELF only', async () => {
    const result = await verifyExecutable({
      path: paths['aarch64-static'],
      target: target('aarch64-linux'),
      smoke: null
    })
    expect(result).toMatchObject({ ok: true, smoke: null, smokeSkipped: null })
  })

  test('a missing file, a non-executable file and a non-ELF file are problems, not throws', async () => {
    const missing = await verifyExecutable({
      path: join(dir, 'absent'),
      target: target('x86_64-linux'),
      smoke: VERSION
    })
    expect(missing).toMatchObject({ ok: false, elf: null, smoke: null })
    expect(missing.problems[0]?.check).toBe('file')

    const noExec = join(dir, 'no-exec')
    await copyFile(paths['x86_64-static'], noExec)
    await chmod(noExec, 0o644)
    const plain = await verifyExecutable({
      path: noExec,
      target: target('x86_64-linux'),
      smoke: null
    })
    expect(plain.problems).toEqual([
      { check: 'file', message: `${noExec} is not executable (mode 0644)` }
    ])

    const script = join(dir, 'script.sh')
    await writeFile(script, '#!/bin/sh\necho hello-fixture 1.2.3\n', { mode: 0o755 })
    const notElf = await verifyExecutable({
      path: script,
      target: target('x86_64-linux'),
      smoke: VERSION
    })
    expect(notElf.problems).toEqual([
      { check: 'elf', message: 'not an ELF file: magic is 23 21 2f 62, expected 7f 45 4c 46' }
    ])
    expect(notElf.smoke).toBeNull()
  })
})
