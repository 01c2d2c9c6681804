/**
 * Full emulation of a foreign architecture, what run-on-arch users pay, against the action's
 * path: Debian's arm64 GHC (bench/arm64-ghc.sh unpacks it, with LLVM and binutils, into a
 * directory) compiling the Template Haskell module set under qemu-aarch64-static, interleaved
 * with mode (b) of the TH figure, the host GHC with only its interpreter under qemu.
 *
 * Setting up needs Debian's package mirror (about 215 MB, kept in the work directory for the
 * next run). When it cannot be set up the figure records why instead of failing the benchmark;
 * a compile that fails once set up does fail it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { interleave, progress, runCommand, summarise, type Summary } from './measure.js'
import { buildIservWrapper, ghcLibdir } from './th.js'
import { writeThFixture, type ThFixtureSize } from './th-fixture.js'

export const QEMU_AARCH64 = '/usr/bin/qemu-aarch64-static'
export type Arm64Mode = 'qemu-iserv' | 'arm64-full'
const MODES: readonly Arm64Mode[] = ['qemu-iserv', 'arm64-full']

/** Where the arm64 GHC is unpacked; kept between runs so the download happens once. */
export const DEFAULT_ARM64_DIR = join(homedir(), '.cache', 'static-cross-bench', 'arm64-ghc')

export interface Arm64Result {
  size: ThFixtureSize
  moduleCount: number
  rounds: number
  /** Why the arm64 GHC could not be set up; nothing else is set then. */
  setupError?: string
  setupMs?: number
  ghcVersion?: string
  /** `file` of one object the arm64 compile wrote, to show it is AArch64 code. */
  objectKind?: string
  startup?: Record<Arm64Mode, Summary>
  compile?: Record<Arm64Mode, Summary>
  /** Per round, the module set minus the empty-splice compile just before it. */
  work?: Record<Arm64Mode, Summary>
  /** Samples in round order, for the report. */
  samples?: Record<Arm64Mode, { startupMs: number; wholeMs: number }[]>
}

export async function benchArm64Ghc(options: {
  repo: string
  rounds: number
  size: ThFixtureSize
  workDir?: string
}): Promise<Arm64Result> {
  const base = { size: options.size, moduleCount: options.size.modules + 1, rounds: options.rounds }
  const workDir = options.workDir ?? DEFAULT_ARM64_DIR
  const script = join(resolve(options.repo), 'bench', 'arm64-ghc.sh')
  progress(`arm64: setting up Debian's arm64 GHC in ${workDir} (downloads once, about 215 MB)`)
  const setupStart = Date.now()
  try {
    if (!existsSync(QEMU_AARCH64)) throw new Error(`${QEMU_AARCH64} is missing`)
    await runCommand('sh', [script, workDir], { timeoutMs: 30 * 60_000 })
  } catch (error) {
    const message = (error as Error).message.split('\n').slice(-6).join(' ').slice(0, 600)
    progress(`arm64: not set up: ${message}`)
    return { ...base, setupError: message }
  }
  const setupMs = Date.now() - setupStart
  const root = join(workDir, 'root')
  const wrap = join(workDir, 'wrap')
  const armGhc = join(root, 'usr', 'lib', 'ghc', 'bin', 'ghc')
  const ghcVersion = (
    await runCommand(QEMU_AARCH64, [
      '-L',
      root,
      armGhc,
      `-B${join(root, 'usr', 'lib', 'ghc')}`,
      '--numeric-version'
    ])
  ).stdout.trim()

  const libdir = await ghcLibdir()
  progress('arm64: building the iserv wrapper for mode (b)')
  const wrapper = await buildIservWrapper(resolve(options.repo), libdir)

  const work = mkdtempSync(join(tmpdir(), 'bench-arm64-'))
  let objectKind = ''
  try {
    const srcDir = join(work, 'src')
    const fixture = writeThFixture(srcDir, options.size)
    let outputs = 0
    const compile = async (mode: Arm64Mode, files: readonly string[]): Promise<number> => {
      const outDir = join(work, `out-${outputs++}`)
      const common = ['--make', '-no-link', '-O0', `-i${srcDir}`, '-outputdir', outDir, ...files]
      const result =
        mode === 'qemu-iserv'
          ? await runCommand(
              join(libdir, 'bin', 'ghc'),
              [`-B${libdir}`, ...common, '-fexternal-interpreter', '-pgmi', wrapper],
              { timeoutMs: 20 * 60_000 }
            )
          : await runCommand(
              QEMU_AARCH64,
              ['-L', root, armGhc, `-B${join(root, 'usr', 'lib', 'ghc')}`, ...common],
              {
                timeoutMs: 90 * 60_000,
                // GHC starts opt, llc and gcc by name: the wrappers run the arm64 ones under qemu.
                env: { ...process.env, PATH: `${wrap}:${process.env.PATH ?? ''}` }
              }
            )
      if (mode === 'arm64-full' && objectKind === '') {
        const object = readdirSync(outDir).find((f) => f.endsWith('.o'))
        if (object)
          objectKind = execFileSync('file', ['-b', join(outDir, object)], { encoding: 'utf8' })
            .split(',')
            .slice(0, 2)
            .join(',')
            .trim()
      }
      rmSync(outDir, { recursive: true, force: true })
      if (mode === 'arm64-full' && !/aarch64/i.test(objectKind))
        throw new Error(`the arm64 GHC wrote no AArch64 object (${objectKind || 'no object'})`)
      return result.wallMs
    }
    const samples = await interleave(MODES, options.rounds, async (mode, round) => {
      progress(
        `arm64: round ${round + 1}/${options.rounds}, ${mode}: empty-splice compile, then the module set`
      )
      const startupMs = await compile(mode, [fixture.empty])
      const wholeMs = await compile(mode, fixture.modules)
      progress(
        `arm64: ${mode}: start-up ${(startupMs / 1000).toFixed(1)} s, module set ${(wholeMs / 1000).toFixed(1)} s`
      )
      return { startupMs, wholeMs }
    })
    const pick = (f: (m: Arm64Mode) => number[]): Record<Arm64Mode, Summary> =>
      Object.fromEntries(MODES.map((m) => [m, summarise(f(m))])) as Record<Arm64Mode, Summary>
    return {
      ...base,
      setupMs,
      ghcVersion,
      objectKind,
      startup: pick((m) => samples[m].map((s) => s.startupMs)),
      compile: pick((m) => samples[m].map((s) => s.wholeMs)),
      work: pick((m) => samples[m].map((s) => s.wholeMs - s.startupMs)),
      samples
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
