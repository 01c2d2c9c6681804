/**
 * Template Haskell cost: the same TH-heavy module set compiled three ways with Debian's GHC.
 *
 *   native  GHC with -fexternal-interpreter and the host ghc-iserv (what a native build pays
 *           for an external interpreter);
 *   qemu    GHC natively, the interpreter under qemu-x86_64-static through the wrapper that
 *           nix/iserv-wrapper.nix builds (the action's cross path: only splices are emulated);
 *   full    GHC itself under qemu-x86_64-static with its internal interpreter (what the
 *           emulated strategy does: the whole compiler is emulated).
 *
 * An x86_64 target under qemu on an x86_64 host is the one combination this machine can run
 * with a real GHC; it measures the cost of emulation itself, not of a foreign instruction set.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { interleave, progress, runCommand, summarise, type Summary } from './measure.js'
import { writeThFixture, type ThFixtureSize } from './th-fixture.js'

export const QEMU_X86_64 = '/usr/bin/qemu-x86_64-static'
export type ThMode = 'native' | 'qemu' | 'full'
export const TH_MODES: readonly ThMode[] = ['native', 'qemu', 'full']

export interface ThOptions {
  rounds: number
  size: ThFixtureSize
  repo: string
}

export interface ThResult {
  size: ThFixtureSize
  moduleCount: number
  spliceCount: number
  /** Compiles of Empty.hs (start-up only), one per round, in round order. */
  startupSamplesMs: Record<ThMode, number[]>
  startup: Record<ThMode, Summary>
  /** Whole compiles of the module set, in round order. */
  compileMs: Record<ThMode, number[]>
  compile: Record<ThMode, Summary>
  /** Per round, the whole compile minus the empty compile just before it. */
  work: Record<ThMode, Summary>
  durationMs: number
  wrapper: string
  ghcVersion: string
}

export async function ghcLibdir(): Promise<string> {
  return (await runCommand('ghc', ['--print-libdir'])).stdout.trim()
}

/** A NIX_CONF_DIR of the benchmark's own: offline, sandboxed like the test of the wrapper. */
export function sandboxedNixConf(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nixconf-'))
  writeFileSync(
    join(dir, 'nix.conf'),
    [
      'substituters =',
      'experimental-features = nix-command flakes',
      'sandbox = true',
      'sandbox-paths = /bin /lib /lib64 /usr',
      ''
    ].join('\n')
  )
  return dir
}

/** Builds nix/iserv-wrapper.nix around qemu and GHC's iservs, as the wrapper test does. */
export async function buildIservWrapper(repo: string, libdir: string): Promise<string> {
  const args: Record<string, string> = {
    qemu: QEMU_X86_64,
    iserv: join(libdir, 'bin', 'ghc-iserv'),
    iservDyn: join(libdir, 'bin', 'ghc-iserv-dyn'),
    iservProf: join(libdir, 'bin', 'ghc-iserv-prof')
  }
  const names = Object.keys(args)
  const confDir = sandboxedNixConf()
  const expr = `{ ${names.join(', ')} }: { wrapper = import ${join(repo, 'nix', 'iserv-wrapper.nix')} { ${names
    .map((n) => `inherit ${n};`)
    .join(' ')} }; }`
  const result = await runCommand(
    'nix',
    [
      'build',
      '--offline',
      '--impure',
      '--no-link',
      '--json',
      '--expr',
      expr,
      ...Object.entries(args).flatMap(([k, v]) => ['--argstr', k, v]),
      'wrapper'
    ],
    { env: { ...process.env, NIX_CONF_DIR: confDir }, timeoutMs: 300_000 }
  ).finally(() => rmSync(confDir, { recursive: true, force: true }))
  const parsed = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as {
    outputs: { out: string }
  }[]
  const out = parsed[0]?.outputs.out
  if (!out) throw new Error(`no output path from the wrapper build: ${result.stdout}`)
  return join(out, 'bin', 'iserv-wrapper')
}

function compileArgv(
  mode: ThMode,
  libdir: string,
  wrapper: string,
  srcDir: string,
  outDir: string,
  files: readonly string[]
): [string, string[]] {
  const ghc = join(libdir, 'bin', 'ghc')
  const common = [
    `-B${libdir}`,
    '--make',
    '-no-link',
    '-O0',
    `-i${srcDir}`,
    '-outputdir',
    outDir,
    ...files
  ]
  switch (mode) {
    case 'native':
      return [ghc, [...common, '-fexternal-interpreter', '-pgmi', join(libdir, 'bin', 'ghc-iserv')]]
    case 'qemu':
      return [ghc, [...common, '-fexternal-interpreter', '-pgmi', wrapper]]
    case 'full':
      return [QEMU_X86_64, [ghc, ...common]]
  }
}

export async function benchTemplateHaskell(options: ThOptions): Promise<ThResult> {
  const started = Date.now()
  const libdir = await ghcLibdir()
  const ghcVersion = (await runCommand('ghc', ['--numeric-version'])).stdout.trim()
  for (const required of [QEMU_X86_64, join(libdir, 'bin', 'ghc-iserv')]) {
    if (!existsSync(required))
      throw new Error(`${required} is missing: run scripts/setup-machine.sh`)
  }
  await runCommand('ghc-pkg', ['--simple-output', 'field', 'aeson', 'version']).catch(() => {
    throw new Error(
      'aeson is not installed for GHC (Debian libghc-aeson-dev): run scripts/setup-machine.sh'
    )
  })
  progress('TH: building the iserv wrapper from nix/iserv-wrapper.nix (sandboxed, offline)')
  const wrapper = await buildIservWrapper(resolve(options.repo), libdir)

  const work = mkdtempSync(join(tmpdir(), 'bench-th-'))
  try {
    const srcDir = join(work, 'src')
    const fixture = writeThFixture(srcDir, options.size)
    let outputs = 0
    const compile = async (mode: ThMode, files: readonly string[]): Promise<number> => {
      const outDir = join(work, `out-${outputs++}`)
      const [command, args] = compileArgv(mode, libdir, wrapper, srcDir, outDir, files)
      const result = await runCommand(command, args, { timeoutMs: 20 * 60_000 })
      rmSync(outDir, { recursive: true, force: true })
      return result.wallMs
    }

    progress('TH: warming the file cache with one untimed native compile')
    await compile('native', fixture.modules)
    // Each round compiles Empty.hs and then the module set back to back in every mode, so the
    // start-up subtracted from a compile was measured moments before it.
    const samples = await interleave(TH_MODES, options.rounds, async (mode, round) => {
      progress(
        `TH: round ${round + 1}/${options.rounds}, ${mode}: empty-splice compile, then the module set`
      )
      const startup = await compile(mode, [fixture.empty])
      const whole = await compile(mode, fixture.modules)
      progress(
        `TH: ${mode}: start-up ${(startup / 1000).toFixed(1)} s, module set ${(whole / 1000).toFixed(1)} s`
      )
      return { startup, whole }
    })
    const pick = <T>(f: (m: ThMode) => T): Record<ThMode, T> =>
      Object.fromEntries(TH_MODES.map((m) => [m, f(m)])) as Record<ThMode, T>
    const startupSamplesMs = pick((m) => samples[m].map((s) => s.startup))
    const compileMs = pick((m) => samples[m].map((s) => s.whole))
    const { modules, records } = options.size
    return {
      size: options.size,
      moduleCount: modules + 1,
      // Per record: deriveJSON and makeSetters; per module: a computed table and a quasi-quote.
      spliceCount: modules * (records * 2 + 2),
      startupSamplesMs,
      startup: pick((m) => summarise(startupSamplesMs[m])),
      compileMs,
      compile: pick((m) => summarise(compileMs[m])),
      work: pick((m) => summarise(samples[m].map((s) => s.whole - s.startup))),
      durationMs: Date.now() - started,
      wrapper,
      ghcVersion
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
