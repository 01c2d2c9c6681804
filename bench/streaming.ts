/**
 * The streaming pipeline against the barrier design it replaced, side by side: one step with
 * four targets of 50 MB executables whose builds end 10 s apart (the `slow50` fixture sleeps in
 * its builder), max-parallel 4, tar.xz at the default preset 6 and, as a third variant, at 1. The barrier run is the same bundle with
 * STATIC_CROSS_PIPELINE=barrier: no target is checked or packaged before every build has ended.
 *
 * Exposed own cost = the time from the last build's end (its `[target] build ok` line reaching
 * the runner) to the main step's last output line (the summary; Node's exit after it is not
 * counted): what the action adds after Nix is done. Per target it is that time over the number
 * of targets.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Services } from '../test-support/runner/index.js'
import { benchRun, saltedWorkspace, type ActionSnapshot } from './action-runs.js'
import { interleave, progress, summarise, type Summary } from './measure.js'
import type { StoreLedger } from './nix-store.js'

export const STREAMING_TARGETS = ['x86_64-linux', 'aarch64-linux', 'armv7l-linux', 'riscv64-linux']

/**
 * `streaming-level-1` is the action with `compression-level: 1`: what a pipeline that prefers time
 * to archive size can have.
 */
export type PipelineVariant = 'streaming' | 'barrier' | 'streaming-level-1'
const VARIANTS: readonly PipelineVariant[] = ['streaming', 'barrier', 'streaming-level-1']
export const FAST_LEVEL = 1

export interface PipelineVariantResult {
  variant: PipelineVariant
  /** Main step wall time. */
  main: Summary
  /** From the end of the last build to the end of the main step. */
  exposed: Summary
  /** exposed / targets. */
  exposedPerTarget: Summary
  /** The longest build of the run. */
  lastBuild: Summary
  /** Median per-target package time (multi-threaded xz). */
  package: Summary
  executableBytes: number
  archiveBytes: number
}

export interface StreamingResult {
  targets: string[]
  rounds: number
  variants: PipelineVariantResult[]
}

const BUILD_ENDED = /^\[([^\]]+)\] build (ok|FAILED) in /

export async function benchStreaming(options: {
  services: Services
  action: ActionSnapshot
  ledger: StoreLedger
  repo: string
  rounds: number
}): Promise<StreamingResult> {
  const source = join(options.repo, 'test-support', 'fixtures', 'bench-big')
  const salt = `st${Date.now().toString(36)}`
  let runs = 0
  const perRun = await interleave(VARIANTS, options.rounds, async (variant, round) => {
    progress(`pipeline round ${round + 1}/${options.rounds}: ${variant}, 4 x 50 MB targets`)
    // A fresh salt per run: every run builds (and sleeps) for real.
    const workspace = saltedWorkspace(source, `${salt}-${runs}`, ['big.c'])
    let lastBuildEnded = 0
    let lastOutput = 0
    let pending = ''
    try {
      const timed = await benchRun({
        ...options,
        workspace,
        label: `pipeline run (${variant})`,
        post: false,
        env: variant === 'barrier' ? { STATIC_CROSS_PIPELINE: 'barrier' } : {},
        onOutput: (stage, stream, text) => {
          if (stage !== 'main') return
          lastOutput = Date.now()
          if (stream !== 'stdout') return
          const lines = (pending + text).split('\n')
          pending = lines.pop() ?? ''
          if (lines.some((line) => BUILD_ENDED.test(line))) lastBuildEnded = Date.now()
        },
        inputs: {
          targets: STREAMING_TARGETS.join(', '),
          installable: '.#slow50-{target}',
          name: 'big',
          version: `${salt}-${runs++}`,
          archive: 'tar.xz',
          cache: 'false',
          'max-parallel': String(STREAMING_TARGETS.length),
          ...(variant === 'streaming-level-1' ? { 'compression-level': String(FAST_LEVEL) } : {})
        }
      })
      if (lastBuildEnded === 0) throw new Error(`pipeline run (${variant}): no build-ended line`)
      const exposedMs = lastOutput - lastBuildEnded
      return {
        mainMs: timed.mainMs,
        exposedMs,
        lastBuildMs: Math.max(...timed.results.map((r) => r.durationsMs.build)),
        packageMs: timed.results.map((r) => r.durationsMs.package),
        executableBytes: Math.max(...timed.results.map((r) => r.executables[0]?.size ?? 0)),
        archiveBytes: Math.max(...timed.results.map((r) => r.archive?.size ?? 0))
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true })
    }
  })
  return {
    targets: STREAMING_TARGETS,
    rounds: options.rounds,
    variants: VARIANTS.map((variant) => {
      const runsOf = perRun[variant]
      return {
        variant,
        main: summarise(runsOf.map((r) => r.mainMs)),
        exposed: summarise(runsOf.map((r) => r.exposedMs)),
        exposedPerTarget: summarise(runsOf.map((r) => r.exposedMs / STREAMING_TARGETS.length)),
        lastBuild: summarise(runsOf.map((r) => r.lastBuildMs)),
        package: summarise(runsOf.flatMap((r) => r.packageMs)),
        executableBytes: Math.max(...runsOf.map((r) => r.executableBytes)),
        archiveBytes: Math.max(...runsOf.map((r) => r.archiveBytes))
      }
    })
  }
}
