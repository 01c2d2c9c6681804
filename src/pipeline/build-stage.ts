/**
 * Build stage of one target: the builder's outcome becomes a result that a failure or a throw
 * cannot break. The output is captured and goes to the target's own log group, so concurrent
 * builds never interleave in the log.
 */
import type { PlannedTarget } from '../plan.js'
import type { TargetLog } from './target-log.js'

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

/** Builds one target; a throw or a build without an output path is a failed build, not a crash. */
export async function buildTarget(
  target: PlannedTarget,
  build: TargetBuilder
): Promise<TargetBuild> {
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
  return {
    target: target.target,
    ok,
    outPath,
    error: ok
      ? null
      : withLogTail(outcome.error ?? 'the build produced no output path', outcome.log),
    log: outcome.log,
    durationMs: Date.now() - started
  }
}

export function logBuild(result: TargetBuild, log: TargetLog): void {
  const seconds = (result.durationMs / 1000).toFixed(1)
  log.progress(`build ${result.ok ? 'ok' : 'FAILED'} in ${seconds} s`)
  log.group(`build ${result.target}: ${result.ok ? 'ok' : 'FAILED'} in ${seconds} s`, () => {
    log.untrusted(result.log.trimEnd())
    log.info(result.ok ? `output: ${result.outPath}` : `error: ${result.error}`)
  })
}
