/**
 * Test helpers around the real Nix: a private NIX_CONF_DIR (the machine's /etc/nix is never
 * touched), the fixture flake copied with a fresh nonce, builds whose log says what was built
 * and what was substituted, and removal of exactly the store paths the tests made.
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const FIXTURE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test-support',
  'fixtures',
  'cache-flake'
)
const FEATURES = ['--extra-experimental-features', 'nix-command flakes']

/**
 * Point this process's Nix at a private config: no upstream substituters (offline, and no
 * retries against cache.nixos.org), no sandbox (the fixture builds with the host's /bin/sh).
 * The user config file is the one the action writes (its binary-cache block included).
 */
export function usePrivateNixConfig(work: string, userConfFile: string): void {
  const confDir = path.join(work, 'nix-conf')
  mkdirSync(confDir, { recursive: true })
  writeFileSync(
    path.join(confDir, 'nix.conf'),
    ['experimental-features = nix-command flakes', 'substituters =', 'sandbox = false', ''].join(
      '\n'
    )
  )
  process.env.NIX_CONF_DIR = confDir
  process.env.NIX_USER_CONF_FILES = userConfFile
}

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export function nix(args: readonly string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('nix', [...FEATURES, ...args], {
      env: process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
    if (input !== undefined) {
      child.stdin!.on('error', () => undefined)
      child.stdin!.end(input)
    }
  })
}

/** A copy of the fixture flake whose sources carry `nonce`, so its store paths are new. */
export function copyFixture(dir: string, nonce: string): string {
  cpSync(FIXTURE, dir, { recursive: true })
  writeFileSync(path.join(dir, 'lib.txt'), `lib ${nonce}\n`)
  writeFileSync(path.join(dir, 'app.txt'), `app ${nonce}\n`)
  return dir
}

export interface FixtureBuild {
  outPath: string
  drvPath: string
  /** Names (`static-cross-fixture-app`) of the derivations Nix built. */
  built: string[]
  /** Store paths Nix copied from a substituter. */
  substituted: string[]
  log: string
}

function fixtureName(storePath: string): string {
  return path
    .basename(storePath)
    .replace(/^[a-z0-9]{32}-/, '')
    .replace(/\.drv$/, '')
}

/** `nix build` of one fixture attribute; what was built or substituted is read from Nix's own log. */
export async function buildFixture(
  flakeDir: string,
  attr: string,
  extra: readonly string[] = []
): Promise<FixtureBuild> {
  const result = await nix([
    'build',
    '--no-link',
    '--json',
    '-L',
    ...extra,
    `path:${flakeDir}#${attr}`
  ])
  if (result.code !== 0) throw new Error(`nix build failed:\n${result.stderr}`)
  const [first] = JSON.parse(result.stdout) as Array<{ drvPath: string; outputs: { out: string } }>
  const built = [...result.stderr.matchAll(/building '(\/nix\/store\/[^']+\.drv)'/g)].map((m) =>
    fixtureName(m[1]!)
  )
  const substituted = [
    ...result.stderr.matchAll(/copying path '(\/nix\/store\/[^']+)' from '/g)
  ].map((m) => m[1]!)
  return {
    outPath: first!.outputs.out,
    drvPath: first!.drvPath,
    built,
    substituted,
    log: result.stderr
  }
}

/** What `nix build --dry-run` says it would build and fetch. */
export async function dryRun(
  flakeDir: string,
  attr: string
): Promise<{ willBuild: string[]; willFetch: string[]; log: string }> {
  const result = await nix(['build', '--no-link', '--dry-run', `path:${flakeDir}#${attr}`])
  if (result.code !== 0) throw new Error(`nix build --dry-run failed:\n${result.stderr}`)
  const section = (title: RegExp): string[] => {
    const lines = result.stderr.split('\n')
    const start = lines.findIndex((l) => title.test(l))
    if (start < 0) return []
    const out: string[] = []
    for (const line of lines.slice(start + 1)) {
      if (!/^\s+\/nix\/store\//.test(line)) break
      out.push(line.trim())
    }
    return out
  }
  return {
    willBuild: section(/will be built:$/),
    willFetch: section(/will be fetched/),
    log: result.stderr
  }
}

/** The store path of the flake's source, which evaluation copies into the store. */
export async function flakeSourcePath(flakeDir: string): Promise<string> {
  const result = await nix(['flake', 'metadata', '--json', `path:${flakeDir}`])
  if (result.code !== 0) throw new Error(`nix flake metadata failed:\n${result.stderr}`)
  return (JSON.parse(result.stdout) as { path: string }).path
}

/**
 * `nix-store --delete` of exactly this path. Not `nix store delete`: given a .drv, Nix 2.8 takes
 * it for the derivation's outputs and leaves the .drv itself in the store.
 */
function nixStoreDelete(storePath: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('nix-store', ['--delete', storePath], {
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr }))
  })
}

/** Whether a path is valid in the local store. */
export async function isValid(storePath: string): Promise<boolean> {
  // Not `nix path-info`: given a .drv, Nix 2.8 answers for the derivation's outputs.
  return existsSync(storePath)
}

/**
 * Delete store paths this test made, and only those. A path still referenced by another one in
 * the set cannot go first, so passes repeat until nothing more can be deleted.
 */
export async function deleteOwnPaths(paths: Iterable<string>): Promise<void> {
  let remaining = [...new Set(paths)]
  for (let pass = 0; pass < 5 && remaining.length > 0; pass++) {
    const next: string[] = []
    for (const p of remaining) {
      if (!(await isValid(p))) continue
      if ((await nixStoreDelete(p)).code !== 0) next.push(p)
    }
    remaining = next
  }
  if (remaining.length > 0) throw new Error(`could not delete ${remaining.join(', ')}`)
}
