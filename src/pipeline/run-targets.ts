/**
 * Every target's flow at once: builds bounded by max-parallel, checks by max-parallel too,
 * compression by the cores, uploads one at a time as archives are ready. Results and logs come back in target
 * order whatever order the targets finish in.
 */
import * as core from '@actions/core'
import pLimit from 'p-limit'
import { availableParallelism } from 'node:os'
import type { PlannedTarget } from '../plan.js'
import { compressionSlots } from './package-stage.js'
import type { TargetResult } from './results.js'
import { runTargetFlow, type FlowSettings, type Limit } from './target-flow.js'
import { OrderedLogs, TargetLog } from './target-log.js'

/**
 * streaming: each target moves on when its own build ends. barrier: no target is verified
 * before every build has ended (the earlier design, kept so benchmarks can compare).
 */
export type PipelineMode = 'streaming' | 'barrier'

/** The pipeline the benchmarks compare; not an input, since streaming is better in every case. */
export function pipelineModeFromEnv(env: NodeJS.ProcessEnv = process.env): PipelineMode {
  return env.STATIC_CROSS_PIPELINE === 'barrier' ? 'barrier' : 'streaming'
}

export interface RunTargetsOptions {
  maxParallel: number
  mode: PipelineMode
  cores?: number
}

/** Resolves once `count` builds have ended. */
function allBuildsEnded(count: number): { arrive: () => void; done: Promise<void> } {
  let left = count
  let release = (): void => undefined
  const done = new Promise<void>((resolve) => {
    release = resolve
  })
  if (left === 0) release()
  return {
    arrive: () => {
      left -= 1
      if (left === 0) release()
    },
    done
  }
}

export async function runTargets(
  targets: readonly PlannedTarget[],
  settings: FlowSettings,
  options: RunTargetsOptions
): Promise<TargetResult[]> {
  const cores = options.cores ?? availableParallelism()
  const slots = compressionSlots(settings.package.format, cores)
  core.info(
    `${targets.length} target(s): ${options.maxParallel} build(s) at a time, ${slots} archive(s) at a time, ${options.mode} pipeline`
  )
  const builds: Limit = pLimit(options.maxParallel)
  const verifies: Limit = pLimit(options.maxParallel)
  const compressions: Limit = pLimit(slots)
  // One upload at a time, in the order archives are ready: the runner's bandwidth is shared by
  // all of them anyway, and a failing service's retries then stay with one artifact.
  const uploads: Limit = pLimit(1)
  const ended = allBuildsEnded(targets.length)
  const buildEnded = async (): Promise<void> => {
    ended.arrive()
    if (options.mode === 'barrier') await ended.done
  }
  const logs = new OrderedLogs(targets.map((t) => t.target))
  return Promise.all(
    targets.map(async (planned) => {
      const log = new TargetLog(planned.target)
      try {
        return await runTargetFlow(
          planned,
          settings,
          { builds, verifies, compressions, uploads, buildEnded },
          log
        )
      } finally {
        logs.finish(log)
      }
    })
  )
}
