/** The `results` output of a run of the action, as the typed per-target entries it holds. */
import type { TargetResult } from '../src/pipeline/results.js'
import type { ActionRunResult } from './runner/index.js'

export function targetResults(run: ActionRunResult): TargetResult[] {
  return JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[]
}
