/**
 * The emulated strategy for real: qemu registered with binfmt_misc by src/nix/binfmt.ts, a
 * derivation whose `system` is aarch64-linux built in the Nix sandbox with
 * `extra-platforms = aarch64-linux` (its builder is a static aarch64 executable, which only
 * binfmt + qemu can start here), and binfmt put back exactly as it was found.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findTarget } from '../../src/targets.js'
import { nixBuild } from '../../src/nix/build.js'
import {
  BINFMT_DIR,
  binfmtRegisterLine,
  extraPlatformsValue,
  needsEmulation,
  registerQemu,
  restoreBinfmt,
  type BinfmtRegistration
} from '../../src/nix/binfmt.js'
import { REPO, hasCommand, privateNixConf, run } from './helpers.js'

const aarch64 = findTarget('aarch64-linux')!
const FIXTURE = join(REPO, 'test-support', 'fixtures', 'emulated')

describe('binfmt pure parts', () => {
  it('derives the register line from the registry ELF facts (matches Debian qemu-user-static)', () => {
    expect(binfmtRegisterLine(aarch64, '/usr/bin/qemu-aarch64-static')).toBe(
      ':qemu-aarch64:M::' +
        '\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:' +
        '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:' +
        '/usr/bin/qemu-aarch64-static:F'
    )
    // Big-endian: e_type and e_machine bytes swap (s390x is EM_S390 = 22).
    expect(binfmtRegisterLine(findTarget('s390x-linux')!, '/q')).toContain(
      '\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16:'
    )
    expect(() => binfmtRegisterLine(aarch64, '/a:b')).toThrow(/cannot contain/)
  })

  it('computes extra-platforms and which targets need qemu on an x86_64 host', () => {
    const names = ['x86_64-linux', 'aarch64-linux', 'armv7l-linux', 'armv6l-linux', 'i686-linux']
    const targets = names.map((n) => findTarget(n)!)
    expect(extraPlatformsValue(targets)).toBe('aarch64-linux armv6l-linux armv7l-linux i686-linux')
    expect(targets.filter((t) => needsEmulation(t)).map((t) => t.name)).toEqual([
      'aarch64-linux',
      'armv7l-linux',
      'armv6l-linux'
    ])
  })
})

const isRoot = process.getuid?.() === 0
const real =
  isRoot &&
  hasCommand('aarch64-linux-gnu-gcc') &&
  existsSync('/usr/bin/qemu-aarch64-static') &&
  hasCommand('nix')
const maybe = real ? describe : describe.skip

function snapshot(): string[] {
  return existsSync(join(BINFMT_DIR, 'register'))
    ? readdirSync(BINFMT_DIR)
        .sort()
        .map(
          (e) =>
            `${e}:${e === 'register' ? '' : readFileSync(join(BINFMT_DIR, e), 'utf8').split('\n')[0]}`
        )
    : ['not mounted']
}

maybe('emulated strategy through binfmt_misc (real)', () => {
  it.each([
    ['update-binfmts', true],
    ['a register line derived from the ELF facts', false]
  ])(
    'builds an aarch64-linux derivation in the sandbox (qemu via %s) and restores binfmt as found',
    async (_via, useUpdateBinfmts) => {
      const before = snapshot()
      const work = mkdtempSync(join(tmpdir(), 'static-cross-emulated-'))
      const builder = join(work, 'builder')
      run('aarch64-linux-gnu-gcc', ['-static', '-O2', '-o', builder, join(FIXTURE, 'builder.c')])

      const platforms = extraPlatformsValue([aarch64])
      const confDir = privateNixConf([
        'sandbox = true',
        'sandbox-paths = /bin /lib /lib64 /usr',
        `extra-platforms = ${platforms}`
      ])
      const nonce = `${process.pid}-${Date.now()}`
      let registration: BinfmtRegistration | undefined
      try {
        registration = await registerQemu([aarch64, findTarget('x86_64-linux')!], {
          useUpdateBinfmts
        })
        expect(registration.changes.map((c) => c.via)).toEqual([
          useUpdateBinfmts ? 'update-binfmts' : 'register'
        ])
        expect(registration.native).toEqual(['x86_64-linux'])
        expect(readFileSync(join(BINFMT_DIR, 'qemu-aarch64'), 'utf8')).toMatch(/^enabled/)

        const result = await nixBuild(
          [
            'build',
            '--offline',
            '--no-link',
            '--file',
            join(FIXTURE, 'default.nix'),
            '--argstr',
            'builderPath',
            builder,
            '--argstr',
            'nonce',
            nonce,
            'fixture'
          ],
          { env: { NIX_CONF_DIR: confDir }, echo: false }
        )
        expect(result.log).not.toMatch(/error/)
        expect(result.ok).toBe(true)
        const [out] = result.outPaths
        expect(readFileSync(out!, 'utf8')).toBe(`machine=aarch64\nnonce=${nonce}\n`)
        run('nix', ['--extra-experimental-features', 'nix-command', 'store', 'delete', out!], {
          env: { ...process.env, NIX_CONF_DIR: confDir }
        })
      } finally {
        if (registration) await restoreBinfmt(registration)
      }
      expect(snapshot()).toEqual(before)
    }
  )
})

// In this file so that it never runs beside the tests above: binfmt_misc is machine-wide.
maybe('the whole action with strategy: emulated (real)', () => {
  it('registers qemu, builds the aarch64-linux package natively under binfmt, verifies it, and post restores binfmt', async () => {
    const { runAction, startServices } = await import('../../test-support/runner/index.js')
    const { offlineNixEnv, projectWorkspace } = await import('../../test-support/project.js')
    const before = snapshot()
    const source = mkdtempSync(join(tmpdir(), 'static-cross-emulated-flake-'))
    run('cp', [join(REPO, 'test-support', 'fixtures', 'emulated-flake', 'flake.nix'), source])
    // A fresh nonce in the builder makes a new derivation, so Nix really builds it.
    run('aarch64-linux-gnu-gcc', [
      '-static',
      '-O2',
      `-DNONCE="${process.pid}-${Date.now()}"`,
      '-o',
      join(source, 'builder'),
      join(REPO, 'test-support', 'fixtures', 'emulated-flake', 'hello.c')
    ])
    const services = await startServices()
    try {
      const result = await runAction({
        services,
        workspace: projectWorkspace(source),
        env: offlineNixEnv(),
        inputs: {
          targets: 'aarch64-linux',
          strategy: 'emulated',
          installable: '.#packages.{system}.default',
          name: 'emu',
          cache: 'false'
        }
      })
      const log = result.main.log.join('\n')
      expect(result.main.conclusion).toBe('success')
      expect(log).toContain("building '/nix/store/")
      expect(result.main.groups.some((g) => g.title === 'Registering qemu with binfmt_misc')).toBe(
        true
      )
      const [target] = JSON.parse(result.main.outputs.results ?? '[]')
      expect(target).toMatchObject({ target: 'aarch64-linux', strategy: 'emulated', status: 'ok' })
      expect(target.executables[0]).toMatchObject({ static: true, elf: { machineName: 'AArch64' } })
      expect(target.executables[0].smoke.output).toBe('hello 1.0.0 (aarch64)\n')
      expect(result.post?.log.join('\n')).toContain(
        'binfmt_misc: restored as it was before this job'
      )
      if (target.storePath) {
        run(
          'nix',
          ['--extra-experimental-features', 'nix-command', 'store', 'delete', target.storePath],
          {
            env: { ...process.env, ...offlineNixEnv() }
          }
        )
      }
    } finally {
      await services.stop()
    }
    expect(snapshot()).toEqual(before)
  }, 300000)
})
