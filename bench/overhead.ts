/**
 * The action's own cost: what a target costs outside Nix and qemu, from the action's `results`
 * output. Per target the action records build (Nix), verify (ELF checks, sha256 of the
 * executable, and the smoke run under qemu), package (archive and its sha256) and upload.
 * Own cost = verify - smoke run + package + upload. The rest of the main step (Node start,
 * inputs and plan, Nix detection, SHA256SUMS upload, summary) is the step's fixed cost.
 * Each run builds one target, so its durations add up to the step (with two targets in a step,
 * the streaming pipeline packages one while the other builds); the binary cache is off here
 * (its cost is the post step measured in the cold/warm figure).
 */
import { copyFileSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Services } from '../test-support/runner/index.js'
import { benchRun, saltedWorkspace, type ActionSnapshot } from './action-runs.js'
import { interleave, progress, summarise, type Summary } from './measure.js'
import type { StoreLedger } from './nix-store.js'

export const OVERHEAD_TARGETS = ['x86_64-linux', 'aarch64-linux']

export type OverheadVariant = '1MB tar.xz' | '50MB tar.xz' | '50MB tar.gz' | '50MB raw'
export const OVERHEAD_VARIANTS: readonly OverheadVariant[] = [
  '1MB tar.xz',
  '50MB tar.xz',
  '50MB tar.gz',
  '50MB raw'
]

const SETTINGS: Record<OverheadVariant, { attr: string; archive: string }> = {
  '1MB tar.xz': { attr: 'pad1', archive: 'tar.xz' },
  '50MB tar.xz': { attr: 'pad50', archive: 'tar.xz' },
  '50MB tar.gz': { attr: 'pad50', archive: 'tar.gz' },
  '50MB raw': { attr: 'pad50', archive: 'raw' }
}

export interface TargetSample {
  target: string
  executableBytes: number
  archiveBytes: number
  buildMs: number
  smokeMs: number
  /** verify minus the smoke run: ELF checks and hashing. */
  checksMs: number
  packageMs: number
  uploadMs: number
  ownMs: number
}

export interface OverheadVariantResult {
  variant: OverheadVariant
  executableBytes: number
  archiveBytes: number
  checks: Summary
  package: Summary
  upload: Summary
  own: Summary
  smoke: Summary
  /** Main step wall time per run. */
  main: Summary
  /** Main step minus the per-target durations. */
  fixed: Summary
  /** (own cost of every target + fixed) / main step, per run. */
  ownShare: Summary
  /** Every target of every run. */
  samples: TargetSample[]
}

export interface OverheadResult {
  targets: string[]
  rounds: number
  variants: OverheadVariantResult[]
  /** Payloads for the artifact benchmark, copied out of the last runs. */
  payloads: { name: string; path: string; bytes: number }[]
}

export async function benchOverhead(options: {
  services: Services
  action: ActionSnapshot
  ledger: StoreLedger
  repo: string
  rounds: number
  payloadDir: string
}): Promise<OverheadResult> {
  const source = join(options.repo, 'test-support', 'fixtures', 'bench-big')
  const salt = `oh${Date.now().toString(36)}`
  const payloads = new Map<string, { name: string; path: string; bytes: number }>()
  let runs = 0
  const perRun = await interleave(OVERHEAD_VARIANTS, options.rounds, async (variant, round) => {
    progress(
      `action cost round ${round + 1}/${options.rounds}: ${variant}, ${OVERHEAD_TARGETS.join(' + ')}`
    )
    const { attr, archive } = SETTINGS[variant]
    const runsOfRound = []
    for (const target of OVERHEAD_TARGETS) {
      const workspace = saltedWorkspace(source, salt, ['big.c'])
      try {
        const timed = await benchRun({
          ...options,
          workspace,
          label: `action cost run (${variant}, ${target})`,
          post: false,
          inputs: {
            targets: target,
            installable: `.#${attr}-{target}`,
            name: 'big',
            version: `${salt}-${runs++}`,
            archive,
            cache: 'false'
          }
        })
        const [r] = timed.results
        if (!r) throw new Error(`action cost run (${variant}, ${target}): no result`)
        const smokeMs = r.executables.reduce((sum, e) => sum + (e.smoke?.durationMs ?? 0), 0)
        const checksMs = r.durationsMs.verify - smokeMs
        const sample: TargetSample = {
          target: r.target,
          executableBytes: r.executables.reduce((sum, e) => sum + e.size, 0),
          archiveBytes: r.archive?.size ?? 0,
          buildMs: r.durationsMs.build,
          smokeMs,
          checksMs,
          packageMs: r.durationsMs.package,
          uploadMs: r.durationsMs.upload,
          ownMs: checksMs + r.durationsMs.package + r.durationsMs.upload
        }
        const stagesMs =
          r.durationsMs.build + r.durationsMs.verify + r.durationsMs.package + r.durationsMs.upload
        const fixedMs = timed.mainMs - stagesMs
        if (target === 'x86_64-linux' && r.archive && archive === 'tar.xz') {
          const size = attr === 'pad1' ? '1MB' : '50MB'
          for (const [name, path] of [
            [`${size}.tar.xz`, r.archive.path],
            [`${size}-executable`, r.executables[0]!.path]
          ] as const) {
            const copy = join(options.payloadDir, `${name}-${basename(path)}`)
            copyFileSync(path, copy)
            payloads.set(name, {
              name,
              path: copy,
              bytes: name.endsWith('executable') ? r.executables[0]!.size : r.archive.size
            })
          }
        }
        runsOfRound.push({
          sample,
          mainMs: timed.mainMs,
          fixedMs,
          ownShare: (sample.ownMs + fixedMs) / timed.mainMs
        })
      } finally {
        rmSync(workspace, { recursive: true, force: true })
      }
    }
    return runsOfRound
  })
  return {
    targets: OVERHEAD_TARGETS,
    rounds: options.rounds,
    payloads: [...payloads.values()],
    variants: OVERHEAD_VARIANTS.map((variant) => {
      const runsOf = perRun[variant].flat()
      const samples = runsOf.map((r) => r.sample)
      return {
        variant,
        executableBytes: Math.max(...samples.map((s) => s.executableBytes)),
        archiveBytes: Math.max(...samples.map((s) => s.archiveBytes)),
        checks: summarise(samples.map((s) => s.checksMs)),
        package: summarise(samples.map((s) => s.packageMs)),
        upload: summarise(samples.map((s) => s.uploadMs)),
        own: summarise(samples.map((s) => s.ownMs)),
        smoke: summarise(samples.map((s) => s.smokeMs)),
        main: summarise(runsOf.map((r) => r.mainMs)),
        fixed: summarise(runsOf.map((r) => r.fixedMs)),
        ownShare: summarise(runsOf.map((r) => r.ownShare)),
        samples
      }
    })
  }
}
