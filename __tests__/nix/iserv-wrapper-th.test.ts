/**
 * The qemu-hosted interpreter plumbing, for real: nix/iserv-wrapper.nix built in the Nix
 * sandbox from Debian's qemu-x86_64-static and GHC's own ghc-iserv / ghc-iserv-dyn, then Debian's
 * GHC compiles Template Haskell through it. The splices report the name the kernel gives the
 * process running them (/proc/self/status, which qemu-user does not emulate): qemu's, not
 * ghc-iserv's, so the splices provably ran under qemu. A third compile uses the interpreter the
 * library's overlay builds for old nixpkgs pins (nix/interpreter), compiled here with GHC 9.0.
 *
 * qemu 7.2 needs ~30 s to start a GHC-built x86_64 program here, so there are exactly three
 * interpreter starts: static way, -dynamic way, library interpreter.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nixBuild } from '../../src/nix/build.js'
import { jest } from '@jest/globals'
import { LIB, REPO, hasCommand, privateNixConf, run } from './helpers.js'

// In some full CI runs (two test workers, Nix builds beside it; never in dozens of runs of this
// file alone, even with the CPUs busy) the interpreter built from nix/interpreter with Debian's
// GHC 9.0 died with SIGSEGV under qemu-x86_64 7.2 while loading object code. GHC's runtime
// linker needs its mappings near the code it patches, and qemu-user places mappings differently
// from the kernel. Under a heavily loaded machine both of two tries have crashed once, so two
// retries keep that from failing CI; a real break fails all three tries, and each earlier
// failure is still printed.
jest.retryTimes(2, { logErrorsBeforeRetry: true })

const QEMU = '/usr/bin/qemu-x86_64-static'
const FIXTURE = join(REPO, 'test-support', 'fixtures', 'th')
const available = hasCommand('ghc') && existsSync(QEMU) && hasCommand('nix')
const maybe = available ? describe : describe.skip

maybe('qemu-hosted iserv wrapper with Debian GHC (real)', () => {
  const work = mkdtempSync(join(tmpdir(), 'static-cross-th-'))
  // The sandbox proves the wrapper derivation needs nothing but what it is given.
  const confDir = privateNixConf(['sandbox = true', 'sandbox-paths = /bin /lib /lib64 /usr'])
  const env = { NIX_CONF_DIR: confDir }
  const ghcLib = available ? run('ghc', ['--print-libdir']).trim() : ''
  const iserv = (suffix: string): string => join(ghcLib, 'bin', `ghc-iserv${suffix}`)

  async function buildWrapper(args: Record<string, string>): Promise<string> {
    const argstrs = Object.entries(args).flatMap(([k, v]) => ['--argstr', k, v])
    const formals = Object.keys(args).join(', ')
    const result = await nixBuild(
      [
        'build',
        '--offline',
        '--impure',
        '--no-link',
        '--expr',
        `{ ${formals} }: { wrapper = import ${join(LIB, 'iserv-wrapper.nix')} { ${Object.keys(args)
          .map((k) => `inherit ${k};`)
          .join(' ')} }; }`,
        ...argstrs,
        'wrapper'
      ],
      { env, echo: false }
    )
    if (!result.ok) throw new Error(result.log)
    expect(result.outPaths).toHaveLength(1)
    return result.outPaths[0]!
  }

  function facts(output: string): Record<string, string> {
    return Object.fromEntries(
      output
        .trim()
        .split('\n')
        .map((line) => {
          const i = line.indexOf('=')
          return [line.slice(0, i), line.slice(i + 1)]
        })
    )
  }

  let wrapperOut = ''

  beforeAll(async () => {
    wrapperOut = await buildWrapper({
      qemu: QEMU,
      iserv: iserv(''),
      iservDyn: iserv('-dyn'),
      iservProf: iserv('-prof')
    })
  })

  it('builds in the sandbox with the plain, -dyn and -prof names, each exec-ing qemu on its iserv', () => {
    for (const [name, suffix] of [
      ['iserv-wrapper', ''],
      ['iserv-wrapper-dyn', '-dyn'],
      ['iserv-wrapper-prof', '-prof']
    ] as const) {
      const script = readFileSync(join(wrapperOut, 'bin', name), 'utf8')
      expect(script).toContain(`exec '${QEMU}' '${iserv(suffix)}' "$@"`)
    }
  })

  it('compiles splices, quotes, compile-time library code and runIO through it; they ran under qemu', () => {
    const exe = join(work, 'th-demo')
    run(
      'ghc',
      [
        '--make',
        '-O0',
        '-fexternal-interpreter',
        '-pgmi',
        join(wrapperOut, 'bin', 'iserv-wrapper'),
        `-i${FIXTURE}`,
        '-outputdir',
        join(work, 'static'),
        '-o',
        exe,
        join(FIXTURE, 'Main.hs')
      ],
      { timeout: 300_000 }
    )
    const f = facts(run(exe, []))
    expect(f.answer).toBe('42')
    expect(f.fib90).toBe('2880067194370816120')
    expect(f.quoted).toBe('IBM')
    // The kernel's name for the splice's process is qemu's (15 characters at most)...
    expect(f['splice-name']).toMatch(/^qemu-x86_64/)
    // ...while qemu's emulated /proc/self/exe names the guest program it runs.
    expect(f['splice-exe']).toBe(iserv(''))
  })

  it('takes the -dyn name for -dynamic and runs ghc-iserv-dyn under qemu', () => {
    const exe = join(work, 'th-dyn')
    run(
      'ghc',
      [
        '--make',
        '-O0',
        '-dynamic',
        '-fexternal-interpreter',
        '-pgmi',
        join(wrapperOut, 'bin', 'iserv-wrapper'),
        `-i${FIXTURE}`,
        '-outputdir',
        join(work, 'dyn'),
        '-o',
        exe,
        join(FIXTURE, 'Dyn.hs')
      ],
      { timeout: 300_000 }
    )
    const f = facts(run(exe, []))
    expect(f['splice-name']).toMatch(/^qemu-x86_64/)
    expect(f['splice-exe']).toBe(iserv('-dyn'))
  })

  it("serves GHC with the library's own interpreter (nix/interpreter) under qemu", async () => {
    const interpreter = join(work, 'static-cross-iserv')
    run('ghc', [
      '-O0',
      '-fkeep-cafs',
      '-rtsopts',
      '-package',
      'ghci',
      '-package',
      'libiserv',
      '-outputdir',
      join(work, 'interp'),
      '-o',
      interpreter,
      join(LIB, 'interpreter', 'Main.hs')
    ])
    const wrapper = await buildWrapper({
      qemu: QEMU,
      iserv: interpreter,
      name: 'static-cross-iserv-wrapper'
    })
    const exe = join(work, 'th-own')
    run(
      'ghc',
      [
        '--make',
        '-O0',
        '-fexternal-interpreter',
        '-pgmi',
        join(wrapper, 'bin', 'static-cross-iserv-wrapper'),
        `-i${FIXTURE}`,
        '-outputdir',
        join(work, 'own'),
        '-o',
        exe,
        join(FIXTURE, 'Dyn.hs')
      ],
      { timeout: 300_000 }
    )
    const f = facts(run(exe, []))
    expect(f['splice-name']).toMatch(/^qemu-x86_64/)
    expect(f['splice-exe']).toBe(interpreter)
  })
})
