/**
 * What Nix itself says about the benchmark's builds: which derivations a build needs
 * (`nix build --dry-run`), whether an output was built here or substituted (`ultimate` in
 * `nix path-info --json`), and removal of exactly the store paths the benchmark created.
 */
import { rmSync } from 'node:fs'
import { offlineNixEnv } from '../test-support/project.js'
import { progress, runCommand } from './measure.js'

export interface PathInfo {
  path: string
  deriver?: string
  registrationTime?: number
  /** True when this store built the path; substituted paths lack it. */
  ultimate?: boolean
}

let offline: Record<string, string> | undefined

/** The offline Nix settings of test-support/project.ts, one directory for the whole benchmark. */
export function offlineNixSettings(): Record<string, string> {
  offline ??= offlineNixEnv()
  return offline
}

export function nixEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...offlineNixSettings() }
}

export function removeOfflineNixSettings(): void {
  if (offline?.NIX_CONF_DIR) rmSync(offline.NIX_CONF_DIR, { recursive: true, force: true })
  offline = undefined
}

/** Derivations `nix build --dry-run` says it will build ("this/these ... will be built:"). */
export function parseDryRun(stderr: string): string[] {
  const drvs: string[] = []
  let inBuildList = false
  for (const line of stderr.split('\n')) {
    if (/will be built:$/.test(line.trim())) {
      inBuildList = true
      continue
    }
    if (inBuildList && /^\s+\/nix\/store\/\S+\.drv$/.test(line)) drvs.push(line.trim())
    else inBuildList = false
  }
  return drvs
}

export async function derivationsToBuild(
  cwd: string,
  installables: readonly string[]
): Promise<string[]> {
  const result = await runCommand('nix', ['build', '--dry-run', '--offline', ...installables], {
    cwd,
    env: nixEnv()
  })
  return parseDryRun(result.stderr)
}

/**
 * `nix path-info --json`; a `.drv` path is queried with --derivation, since the new command
 * line otherwise takes a derivation to mean its outputs.
 */
export async function pathInfo(paths: readonly string[]): Promise<PathInfo[]> {
  const drvs = paths.filter((p) => p.endsWith('.drv'))
  const others = paths.filter((p) => !p.endsWith('.drv'))
  const infos: PathInfo[] = []
  for (const [group, flags] of [
    [drvs, ['--derivation']],
    [others, []]
  ] as const) {
    if (group.length === 0) continue
    const result = await runCommand('nix', ['path-info', '--json', ...flags, ...group], {
      env: nixEnv()
    })
    infos.push(...(JSON.parse(result.stdout) as PathInfo[]))
  }
  return infos
}

export async function outputsOf(drv: string): Promise<string[]> {
  const result = await runCommand('nix-store', ['--query', '--outputs', drv], { env: nixEnv() })
  return result.stdout.split('\n').filter(Boolean)
}

export interface BuildCount {
  /** Outputs this store built during the window. */
  built: number
  /** Outputs substituted (from the action's binary cache) during the window. */
  substituted: number
  /** Outputs that were already valid before the window. */
  reused: number
  missing: number
}

/** Classifies the outputs of the given derivations by what Nix recorded when they became valid. */
export async function countBuilds(
  drvs: readonly string[],
  sinceEpochSec: number
): Promise<BuildCount> {
  const count: BuildCount = { built: 0, substituted: 0, reused: 0, missing: 0 }
  for (const drv of drvs) {
    for (const out of await outputsOf(drv)) {
      const [info] = await pathInfo([out]).catch(() => [] as PathInfo[])
      if (!info || info.registrationTime === undefined) count.missing++
      else if (info.registrationTime < sinceEpochSec) count.reused++
      else if (info.ultimate === true) count.built++
      else count.substituted++
    }
  }
  return count
}

/**
 * Store paths the benchmark made: build outputs, their derivations, the salted sources those
 * reference and the flake source copies of its workspaces. A path is only ever deleted when
 * Nix registered it after the benchmark started, so nothing that was there before is touched.
 */
export class StoreLedger {
  private readonly outputs = new Set<string>()
  private readonly others = new Set<string>()
  readonly startedEpochSec = Math.floor(Date.now() / 1000) - 1

  addOutputs(paths: Iterable<string>): void {
    for (const p of paths) this.outputs.add(p)
  }

  addPaths(paths: Iterable<string>): void {
    for (const p of paths) this.others.add(p)
  }

  /** Records a workspace's flake source copy and the derivations and sources behind outputs. */
  async addWorkspace(workspace: string): Promise<void> {
    const meta = await runCommand('nix', ['flake', 'metadata', '--json', '--offline', workspace], {
      env: nixEnv()
    })
    const path = (JSON.parse(meta.stdout) as { path?: string }).path
    if (path) this.others.add(path)
  }

  private async mine(paths: Iterable<string>): Promise<string[]> {
    const mine: string[] = []
    for (const p of paths) {
      const [info] = await pathInfo([p]).catch(() => [] as PathInfo[])
      if (info?.registrationTime !== undefined && info.registrationTime >= this.startedEpochSec)
        mine.push(p)
    }
    return mine
  }

  /** Deletes the given outputs now (e.g. between a cold and a warm run). */
  async deleteOutputs(paths: readonly string[]): Promise<void> {
    const mine = await this.mine(paths)
    if (mine.length > 0) await runCommand('nix-store', ['--delete', ...mine], { env: nixEnv() })
  }

  /** Deletes everything recorded that the benchmark created: outputs, then derivations, then sources. */
  async cleanUp(): Promise<{ deleted: number; kept: string[] }> {
    const derivations = new Set<string>()
    const sources = new Set<string>()
    for (const info of await pathInfo(await this.mine(this.outputs)).catch(
      () => [] as PathInfo[]
    )) {
      if (info.deriver) derivations.add(info.deriver)
    }
    for (const drv of await this.mine(derivations)) {
      const refs = await runCommand('nix-store', ['--query', '--references', drv], {
        env: nixEnv()
      })
      for (const ref of refs.stdout.split('\n').filter(Boolean))
        if (!ref.endsWith('.drv')) sources.add(ref)
    }
    const layers = [[...this.outputs], [...derivations], [...sources, ...this.others]]
    let deleted = 0
    const kept: string[] = []
    for (const layer of layers) {
      const mine = await this.mine(layer)
      for (const p of mine) {
        // One at a time: a path something else still uses stays, and the rest still go.
        try {
          await runCommand('nix-store', ['--delete', p], { env: nixEnv() })
          deleted++
        } catch {
          kept.push(p)
        }
      }
    }
    if (kept.length > 0)
      progress(`store: kept ${kept.length} path(s) still in use: ${kept.join(', ')}`)
    return { deleted, kept }
  }
}
