/**
 * Cold vs warm: examples/hello-c for four targets through the whole action (main and post).
 * Cold: new derivations (salted source), empty Actions cache; the post step saves the binary
 * cache. Warm: a fresh workspace with the same source after the cold run's outputs were deleted
 * from the store, so only the restored binary cache can supply them (an exact cache hit).
 * "Built" is what Nix recorded: derivations `nix build --dry-run` listed before the cold run,
 * whose outputs became valid during the run with `ultimate` set (built here, not substituted).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Services } from '../test-support/runner/index.js'
import { benchRun, saltedWorkspace, type ActionSnapshot } from './action-runs.js'
import { progress, summarise, type Summary } from './measure.js'
import { countBuilds, derivationsToBuild, type BuildCount, type StoreLedger } from './nix-store.js'

export const COLD_WARM_TARGETS = ['x86_64-linux', 'aarch64-linux', 'armv7l-linux', 'riscv64-linux']

export interface ColdWarmRound {
  derivations: number
  cold: { mainMs: number; postMs: number; cacheHit: string; builds: BuildCount }
  warm: { mainMs: number; postMs: number; cacheHit: string; builds: BuildCount }
}

export interface ColdWarmResult {
  targets: string[]
  rounds: ColdWarmRound[]
  cold: Summary
  warm: Summary
  coldMain: Summary
  warmMain: Summary
}

export async function benchColdWarm(options: {
  services: Services
  action: ActionSnapshot
  ledger: StoreLedger
  repo: string
  rounds: number
}): Promise<ColdWarmResult> {
  const source = join(options.repo, 'examples', 'hello-c')
  const installables = COLD_WARM_TARGETS.map((t) => `.#static-${t}`)
  const inputs = (salt: string) => ({
    targets: COLD_WARM_TARGETS.join(', '),
    installable: '.#static-{target}',
    name: 'hello',
    version: salt,
    // A cache of this round's own: an entry saved by an earlier round is never an exact hit here.
    'cache-key': `bench-${salt}`
  })
  const rounds: ColdWarmRound[] = []
  for (let round = 0; round < options.rounds; round++) {
    const salt = `cw${Date.now().toString(36)}r${round}`
    const coldWorkspace = saltedWorkspace(source, salt, ['hello.c'])
    const warmWorkspace = saltedWorkspace(source, salt, ['hello.c'])
    try {
      const drvs = await derivationsToBuild(coldWorkspace, installables)
      progress(
        `cold/warm round ${round + 1}/${options.rounds}: cold run (${drvs.length} derivations to build)`
      )
      const coldStart = Math.floor(Date.now() / 1000) - 1
      const cold = await benchRun({
        ...options,
        workspace: coldWorkspace,
        inputs: inputs(salt),
        label: 'cold run'
      })
      const coldBuilds = await countBuilds(drvs, coldStart)
      await options.ledger.deleteOutputs(cold.results.map((r) => r.storePath!))
      progress(
        `cold/warm round ${round + 1}/${options.rounds}: warm run (outputs deleted from the store)`
      )
      const warmStart = Math.floor(Date.now() / 1000) - 1
      const warm = await benchRun({
        ...options,
        workspace: warmWorkspace,
        inputs: inputs(salt),
        label: 'warm run'
      })
      const warmBuilds = await countBuilds(drvs, warmStart)
      if (warmBuilds.built !== 0) {
        throw new Error(
          `the warm run built ${warmBuilds.built} derivation(s); an exact cache hit must build none`
        )
      }
      rounds.push({
        derivations: drvs.length,
        cold: {
          mainMs: cold.mainMs,
          postMs: cold.postMs,
          cacheHit: cold.run.outputs['cache-hit'] ?? '',
          builds: coldBuilds
        },
        warm: {
          mainMs: warm.mainMs,
          postMs: warm.postMs,
          cacheHit: warm.run.outputs['cache-hit'] ?? '',
          builds: warmBuilds
        }
      })
    } finally {
      rmSync(coldWorkspace, { recursive: true, force: true })
      rmSync(warmWorkspace, { recursive: true, force: true })
    }
  }
  return {
    targets: COLD_WARM_TARGETS,
    rounds,
    cold: summarise(rounds.map((r) => r.cold.mainMs + r.cold.postMs)),
    warm: summarise(rounds.map((r) => r.warm.mainMs + r.warm.postMs)),
    coldMain: summarise(rounds.map((r) => r.cold.mainMs)),
    warmMain: summarise(rounds.map((r) => r.warm.mainMs))
  }
}
