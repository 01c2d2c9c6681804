/**
 * Matrix width: N targets in one step against the same N targets one per action run (what a
 * workflow matrix with one job per target does). Every run builds cold (its own salt) with the
 * binary cache on (its own cache key, so a miss and a save), main and post steps timed.
 * "Separate" is the sum of the runs (runner time; on GitHub each is also a job of its own)
 * and their maximum (the wall time if every job got a runner at once).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Services } from '../test-support/runner/index.js'
import { benchRun, saltedWorkspace, type ActionSnapshot } from './action-runs.js'
import { interleave, progress, summarise, type Summary } from './measure.js'
import type { StoreLedger } from './nix-store.js'

export const MATRIX_TARGETS = ['x86_64-linux', 'aarch64-linux', 'armv7l-linux', 'riscv64-linux']
export const MATRIX_WIDTHS = [1, 2, 4] as const

type Variant = `${1 | 2 | 4}:one-step` | `${1 | 2 | 4}:separate`

export interface MatrixWidthResult {
  width: number
  targets: string[]
  oneStep: Summary
  separateSum: Summary
  separateMax: Summary
}

export interface MatrixResult {
  widths: MatrixWidthResult[]
  rounds: number
}

export async function benchMatrix(options: {
  services: Services
  action: ActionSnapshot
  ledger: StoreLedger
  repo: string
  rounds: number
}): Promise<MatrixResult> {
  const source = join(options.repo, 'examples', 'hello-c')
  let runs = 0
  /** One action run on its own salted workspace; returns main + post wall time. */
  const oneRun = async (targets: readonly string[]): Promise<number> => {
    const salt = `mx${Date.now().toString(36)}n${runs++}`
    const workspace = saltedWorkspace(source, salt, ['hello.c'])
    try {
      const timed = await benchRun({
        ...options,
        workspace,
        label: `matrix run of ${targets.join(', ')}`,
        inputs: {
          targets: targets.join(', '),
          installable: '.#static-{target}',
          name: 'hello',
          version: salt,
          'cache-key': `bench-${salt}`
        }
      })
      return timed.mainMs + timed.postMs
    } finally {
      rmSync(workspace, { recursive: true, force: true })
    }
  }
  const variants: Variant[] = MATRIX_WIDTHS.flatMap(
    (w) => [`${w}:one-step`, `${w}:separate`] as Variant[]
  )
  const samples = await interleave(variants, options.rounds, async (variant, round) => {
    const [w, kind] = variant.split(':') as [string, 'one-step' | 'separate']
    const targets = MATRIX_TARGETS.slice(0, Number(w))
    progress(`matrix round ${round + 1}/${options.rounds}: ${targets.length} target(s), ${kind}`)
    if (kind === 'one-step') {
      const ms = await oneRun(targets)
      return { sum: ms, max: ms }
    }
    const each: number[] = []
    for (const target of targets) each.push(await oneRun([target]))
    return { sum: each.reduce((a, b) => a + b, 0), max: Math.max(...each) }
  })
  return {
    rounds: options.rounds,
    widths: MATRIX_WIDTHS.map((width) => ({
      width,
      targets: MATRIX_TARGETS.slice(0, width),
      oneStep: summarise(samples[`${width}:one-step`].map((s) => s.sum)),
      separateSum: summarise(samples[`${width}:separate`].map((s) => s.sum)),
      separateMax: summarise(samples[`${width}:separate`].map((s) => s.max))
    }))
  }
}
