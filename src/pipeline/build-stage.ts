/**
 * Build stage: every planned target builds on its own, several at once (bounded), and one
 * failure never stops the others. Output is captured per target and printed in that target's
 * own log group when it finishes, so concurrent builds do not interleave in the log.
 */
import * as core from '@actions/core'
import pLimit from 'p-limit'
import type { PlannedTarget } from '../plan.js'
import { printUntrusted } from '../report/untrusted-log.js'

export interface BuildOutcome {
  ok: boolean
  /** Store paths the build produced (first is the main output). */
  outPaths: string[]
  /** The build's combined output. */
  log: string
  /** A one-line reason when ok is false. */
  error?: string
}

export type TargetBuilder = (target: PlannedTarget) => Promise<BuildOutcome>

export interface TargetBuild {
  target: string
  ok: boolean
  outPath: string | null
  error: string | null
  log: string
  durationMs: number
}

/** Lines of a failed build's log shown in its error annotation. */
const ANNOTATION_LOG_LINES = 15

export function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n')
  return lines.slice(-count).join('\n')
}

/** A failed build's reason with the end of Nix's log, so its annotation shows the cause. */
function withLogTail(error: string, log: string): string {
  const tail = lastLines(log, ANNOTATION_LOG_LINES)
  return tail === '' ? error : `${error}; the log ends with:\n${tail}`
}

export async function buildTargets(
  targets: readonly PlannedTarget[],
  build: TargetBuilder,
  maxParallel: number
): Promise<TargetBuild[]> {
  const limit = pLimit(maxParallel)
  core.info(`building ${targets.length} target(s), ${maxParallel} at a time`)
  return Promise.all(
    targets.map((target) =>
      limit(async (): Promise<TargetBuild> => {
        const started = Date.now()
        let outcome: BuildOutcome
        try {
          outcome = await build(target)
        } catch (error) {
          outcome = {
            ok: false,
            outPaths: [],
            log: '',
            error: error instanceof Error ? error.message : String(error)
          }
        }
        const outPath = outcome.outPaths[0] ?? null
        const ok = outcome.ok && outPath !== null
        const result: TargetBuild = {
          target: target.target,
          ok,
          outPath,
          error: ok
            ? null
            : withLogTail(outcome.error ?? 'the build produced no output path', outcome.log),
          log: outcome.log,
          durationMs: Date.now() - started
        }
        printBuildLog(result)
        return result
      })
    )
  )
}

function printBuildLog(result: TargetBuild): void {
  const seconds = (result.durationMs / 1000).toFixed(1)
  core.startGroup(`build ${result.target}: ${result.ok ? 'ok' : 'FAILED'} in ${seconds} s`)
  try {
    printUntrusted(result.log.trimEnd())
    core.info(result.ok ? `output: ${result.outPath}` : `error: ${result.error}`)
  } finally {
    core.endGroup()
  }
}
