/**
 * The GitHub cache key of the binary cache. Pure apart from `hashLockFiles`, which reads the
 * project's lock files to feed `lockFilesDigest`.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import * as path from 'node:path'

export interface CacheKeyParts {
  /** RUNNER_OS, e.g. `Linux`. */
  runnerOs: string
  /** RUNNER_ARCH, e.g. `X64`. */
  runnerArch: string
  /** `lockFilesDigest` / `hashLockFiles` of the project. */
  lockHash: string
  targets: readonly string[]
  /** Build strategy (`cross`, `emulated`, or a per-target mix spelled by the caller). */
  strategy: string
  /** The action's version: a new version may build differently, so it starts a new cache. */
  actionVersion: string
}

export interface CacheKeys {
  key: string
  /** Less specific prefixes, most specific first: a run whose lock files changed still starts warm. */
  restoreKeys: string[]
}

const PREFIX = 'static-cross-nix'

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex')
}

/** One key segment: no commas (the cache service splits on them) and no spaces. */
function segment(value: string): string {
  return value.trim().replace(/[^A-Za-z0-9._+-]+/g, '_') || '_'
}

/**
 * `static-cross-nix-<os>-<arch>-v<action>-<strategy>-t<targets>-<lock>`; restore keys drop the
 * lock hash, then the targets too (other targets still share the cross toolchains' inputs).
 */
export function cacheKey(parts: CacheKeyParts): CacheKeys {
  const targets = [...new Set(parts.targets.map((t) => t.trim()).filter((t) => t !== ''))].sort()
  const targetsDigest = sha256(targets.join('\n')).slice(0, 12)
  const base = [
    PREFIX,
    segment(parts.runnerOs),
    segment(parts.runnerArch),
    `v${segment(parts.actionVersion)}`,
    segment(parts.strategy)
  ].join('-')
  const withTargets = `${base}-t${targetsDigest}`
  return {
    key: `${withTargets}-${segment(parts.lockHash)}`,
    restoreKeys: [`${withTargets}-`, `${base}-`]
  }
}

export interface ProjectFile {
  /** Path relative to the project root, with `/` separators. */
  path: string
  content: string | Buffer
}

/** Digest of the lock files: names and contents, order-independent (pure). */
export function lockFilesDigest(files: readonly ProjectFile[]): string {
  const lines = files
    .map((f) => `${f.path}\0${sha256(f.content)}`)
    .sort()
    .join('\n')
  return sha256(lines).slice(0, 32)
}

const SKIP_DIRS = new Set(['.git', 'node_modules', 'dist-newstyle', '.stack-work', '.direnv'])

/**
 * The root default.nix and flake.nix count because `nixpkgs: auto` builds with default.nix's
 * `pkgs` (overlays included) and installables come from flake.nix.
 */
const ROOT_LOCK_FILES = new Set(['flake.lock', 'flake.nix', 'default.nix'])

/** Whether a project-relative path counts as a lock file: what decides what gets built. */
export function isLockFile(relative: string): boolean {
  const parts = relative.split('/')
  const name = parts[parts.length - 1]!
  if (parts.length === 1 && (ROOT_LOCK_FILES.has(name) || name.startsWith('cabal.project')))
    return true
  if (name.endsWith('.cabal')) return true
  return parts[0] === 'nix' && parts.length > 1
}

async function walk(root: string, relative: string, depth: number, out: string[]): Promise<void> {
  if (depth > 8) return
  const entries = await readdir(path.join(root, relative), { withFileTypes: true })
  for (const entry of entries) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('result'))
        await walk(root, rel, depth + 1, out)
    } else if (entry.isFile() && isLockFile(rel)) {
      out.push(rel)
    }
  }
}

/** The project's lock files: flake.lock, flake.nix, default.nix, cabal.project*, every *.cabal, nix/**. */
export async function listLockFiles(projectDir: string): Promise<string[]> {
  const out: string[] = []
  await walk(projectDir, '', 0, out)
  return out.sort()
}

export async function hashLockFiles(projectDir: string): Promise<string> {
  const files = await listLockFiles(projectDir)
  return lockFilesDigest(
    await Promise.all(
      files.map(async (f) => ({ path: f, content: await readFile(path.join(projectDir, f)) }))
    )
  )
}
