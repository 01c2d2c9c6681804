/**
 * What is in the local Nix store: the snapshot taken before the build and the paths that
 * appeared since, told apart by whether this machine built them (`ultimate`) or substituted
 * them from somewhere.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { runNix } from '../nix/run.js'

/** Enough paths per call to be quick, few enough to stay far below the argument-size limit. */
export const PATHS_PER_CALL = 500

export function chunk<T>(items: readonly T[], size: number = PATHS_PER_CALL): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export interface StorePathInfo {
  path: string
  narSize?: number
  /** Built on this machine (not substituted or copied in). */
  ultimate: boolean
  signatures: string[]
  references: string[]
}

/** `/nix/store/<hash>-name` -> `<hash>`: the narinfo file name in a binary cache. */
export function storePathHash(storePath: string): string {
  return path.basename(storePath).split('-', 1)[0]!
}

/** Every valid path in the local store. */
export async function listValidPaths(): Promise<string[]> {
  const result = await runNix(['path-info', '--all'], { echo: false })
  if (result.exitCode !== 0) throw new Error(`nix path-info --all failed: ${result.stderr.trim()}`)
  return result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('/'))
}

/**
 * `nix path-info --json` output of any Nix: an array of objects with `path` (up to 2.18) or an
 * object keyed by path (2.19 on); `signatures` or `sigs` (pure).
 */
export function parsePathInfoJson(json: string): StorePathInfo[] {
  const data = JSON.parse(json) as unknown
  const entries: Array<[string, Record<string, unknown>]> = Array.isArray(data)
    ? (data as Array<Record<string, unknown>>).map((o) => [String(o.path), o])
    : Object.entries(data as Record<string, Record<string, unknown> | null>).map(([p, o]) => [
        p,
        o ?? { valid: false }
      ])
  return entries
    .filter(([, o]) => o.valid !== false)
    .map(([p, o]) => ({
      path: p,
      narSize: typeof o.narSize === 'number' ? o.narSize : undefined,
      ultimate: o.ultimate === true,
      signatures: (Array.isArray(o.signatures)
        ? o.signatures
        : Array.isArray(o.sigs)
          ? o.sigs
          : []) as string[],
      references: (Array.isArray(o.references) ? o.references : []) as string[]
    }))
}

export async function pathInfos(paths: readonly string[]): Promise<StorePathInfo[]> {
  const out: StorePathInfo[] = []
  for (const part of chunk(paths)) {
    const result = await runNix(['path-info', '--json', '--sigs', ...part], { echo: false })
    if (result.exitCode !== 0) throw new Error(`nix path-info failed: ${result.stderr.trim()}`)
    out.push(...parsePathInfoJson(result.stdout))
  }
  return out
}

/** Record the store's valid paths before the build (one a line). */
export async function writeStoreSnapshot(file: string): Promise<number> {
  const paths = await listValidPaths()
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, paths.join('\n') + '\n', 'utf8')
  return paths.length
}

export async function readStoreSnapshot(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8')
  return new Set(text.split('\n').filter((l) => l !== ''))
}

/**
 * Paths this run built: valid now, not before, and built here (`ultimate`). Substituted paths
 * (from upstream caches or from the restored binary cache) are left out, and so are `.drv`
 * files, which a substituter never needs.
 */
export async function pathsBuiltSince(
  before: ReadonlySet<string>,
  after: readonly string[]
): Promise<string[]> {
  const appeared = after.filter((p) => !before.has(p) && !p.endsWith('.drv'))
  const infos = await pathInfos(appeared)
  return infos.filter((i) => i.ultimate).map((i) => i.path)
}
