/**
 * Whole-action runs for the benchmarks: the committed action (HEAD's action.yml, dist/ and
 * nix/, so a rebuild of dist/ in the work tree during a run changes nothing), salted project
 * workspaces so every round builds for real, and timings from the runner's own step records.
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TargetResult } from '../src/pipeline/results.js'
import { projectWorkspace } from '../test-support/project.js'
import {
  runAction,
  type ActionRunResult,
  type RunActionOptions,
  type Services
} from '../test-support/runner/index.js'
import { offlineNixSettings, type StoreLedger } from './nix-store.js'

export interface ActionSnapshot {
  dir: string
  commit: string
}

/** action.yml, dist/ and nix/ as committed at HEAD, unpacked into a directory of their own. */
export function snapshotAction(repo: string): ActionSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'bench-action-'))
  const commit = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()
  const tar = execFileSync(
    'git',
    ['-C', repo, 'archive', '--format=tar', 'HEAD', 'action.yml', 'dist', 'nix', 'package.json'],
    {
      maxBuffer: 256 * 1024 * 1024
    }
  )
  execFileSync('tar', ['-x', '-C', dir], { input: tar })
  for (const entry of ['dist/main/index.js', 'dist/post/index.js']) {
    if (!existsSync(join(dir, entry)))
      throw new Error(`HEAD has no ${entry}: the benchmark runs the committed bundle`)
  }
  return { dir, commit }
}

/**
 * A project copied into a fresh git workspace with a salt comment appended to each given
 * source file: new derivations (so a cold run really builds), identical executables.
 */
export function saltedWorkspace(
  source: string,
  salt: string,
  saltFiles: readonly string[]
): string {
  const staging = mkdtempSync(join(tmpdir(), 'bench-src-'))
  cpSync(source, staging, { recursive: true })
  for (const file of saltFiles)
    appendFileSync(join(staging, file), `\n/* benchmark salt ${salt} */\n`)
  try {
    return projectWorkspace(staging)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

export interface TimedRun {
  run: ActionRunResult
  results: TargetResult[]
  /** Main step wall time as the runner measured it. */
  mainMs: number
  /** Post step wall time (0 when there was none). */
  postMs: number
}

export interface BenchRunOptions {
  services: Services
  action: ActionSnapshot
  workspace: string
  inputs: Record<string, string>
  ledger: StoreLedger
  post?: boolean
  /** What the run is, for the error when it breaks. */
  label: string
  /** More environment for the step, on top of the offline Nix settings. */
  env?: Record<string, string>
  /** Live output of the step, as it arrives. */
  onOutput?: RunActionOptions['onOutput']
}

/** One action run; a run that does not succeed ends the benchmark with its log. */
export async function benchRun(options: BenchRunOptions): Promise<TimedRun> {
  const run = await runAction({
    services: options.services,
    run: options.services.newRun(),
    actionDir: options.action.dir,
    workspace: options.workspace,
    env: { ...offlineNixSettings(), ...options.env },
    onOutput: options.onOutput,
    post: options.post ?? true,
    inputs: options.inputs
  })
  const results = JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[]
  options.ledger.addOutputs(results.flatMap((r) => (r.storePath ? [r.storePath] : [])))
  await options.ledger.addWorkspace(options.workspace).catch(() => undefined)
  if (run.conclusion !== 'success' || results.some((r) => r.status !== 'ok')) {
    const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message)
    const tail = run.log.slice(-40).join('\n')
    throw new Error(
      `${options.label}: the action run failed (${run.conclusion}): ${errors.join('; ')}\n${tail}`
    )
  }
  return { run, results, mainMs: run.main.durationMs, postMs: run.post?.durationMs ?? 0 }
}
