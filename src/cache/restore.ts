/**
 * Restoring the Nix binary cache from the GitHub Actions cache and making Nix use it.
 *
 * The cache is a `file://` binary cache under the home directory. @actions/cache versions an
 * entry by the path strings it is given and archives paths relative to the workspace, so the
 * directory is always spelled `BINARY_CACHE_PATH` (with `~`) and archived relative to the home
 * directory: the same entry for every runner of a repository, whatever its home, temp or
 * workspace folders (hosted, self-hosted under another user, container jobs).
 */
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { writePrivateBlock } from '../nix/config.js'
import { directorySize } from './prune.js'
import { maskSecretKey, publicKeyOf, writeSigningKeyFile } from './signing.js'
import { writeStoreSnapshot } from './store.js'

export type CacheHit = 'exact' | 'partial' | 'miss'

export interface RestoreBinaryCacheOptions {
  /** Absolute directory of the binary cache, as Nix is given it. */
  cacheDir: string
  /**
   * The same directory as @actions/cache is given it, which decides the entry's version:
   * `BINARY_CACHE_PATH` in the action; `cacheDir` when left out.
   */
  cachePath?: string
  key: string
  restoreKeys: readonly string[]
  /**
   * Nix secret key (`name:base64`). With it, Nix accepts from the cache only what this key
   * signed; without it, the cache is trusted as the repository's own (see `trustNote`).
   */
  signingKey?: string
  /** The action's private user nix.conf (from `configureNix`), where the substituter goes. */
  userConfFile: string
  /** RUNNER_TEMP: where the key file and the store snapshot go (outside the workspace). */
  tempDir: string
  /** A failed download or corrupt archive fails the step instead of a warning and a cold build. */
  strict?: boolean
}

export interface RestoreBinaryCacheResult {
  cacheHit: CacheHit
  matchedKey?: string
  /** The substituter URL given to Nix, when something was restored. */
  substituter?: string
  /** Public key Nix trusts for the cache, when a signing key was given. */
  publicKey?: string
  /** 0600 file holding the signing key, for the post step (state); removed by the save. */
  signingKeyFile?: string
  /** The store's valid paths before the build (state for the post step). */
  snapshotFile: string
  restoredBytes: number
  seconds: number
  /** Why the restore fell back to a cold build, if it did. */
  warning?: string
}

/**
 * The binary cache directory as @actions/cache is given it: under the home directory, spelled
 * with `~` so that the entry's version (a hash of the path strings) is the same for every home.
 */
export const BINARY_CACHE_PATH = '~/.cache/static-cross/nix-binary-cache'

export function binaryCacheDir(home: string = os.homedir()): string {
  return path.join(home, BINARY_CACHE_PATH.slice(2))
}

/**
 * The spelling @actions/cache gets for a cache directory, checked against the directory Nix
 * uses: `~` is the home directory to @actions/glob as to us, and any other spelling must be the
 * directory itself.
 */
export function cachePathFor(cacheDir: string, cachePath: string | undefined): string {
  const spelled = cachePath ?? cacheDir
  const resolved = spelled.startsWith('~/') ? path.join(os.homedir(), spelled.slice(2)) : spelled
  if (resolved !== cacheDir)
    throw new Error(`the binary cache path ${spelled} means ${resolved}, not ${cacheDir}`)
  return spelled
}

/**
 * Runs an @actions/cache call with archive paths taken relative to `root`. The library stores
 * paths relative to GITHUB_WORKSPACE and extracts them there, so an entry saved by a runner
 * whose home sits elsewhere relative to its workspace (a container job, a self-hosted runner)
 * would unpack into the wrong folder; relative to the home directory they land in place.
 */
export async function withArchiveRoot<T>(root: string, call: () => Promise<T>): Promise<T> {
  const workspace = process.env.GITHUB_WORKSPACE
  process.env.GITHUB_WORKSPACE = root
  try {
    return await call()
  } finally {
    if (workspace === undefined) delete process.env.GITHUB_WORKSPACE
    else process.env.GITHUB_WORKSPACE = workspace
  }
}

export function storeSnapshotFilePath(tempDir: string): string {
  return path.join(tempDir, 'static-cross', 'store-paths-before-build.txt')
}

/**
 * The substituter URL for the cache (pure). `priority=10` puts it before cache.nixos.org (40).
 * Without a key, `trusted=1` lets Nix take its unsigned paths without turning off signature
 * checks for every other substituter (as `require-sigs = false` would).
 */
export function substituterUrl(cacheDir: string, signed: boolean): string {
  return `file://${cacheDir}?priority=10${signed ? '' : '&trusted=1'}`
}

/** The nix.conf lines that make Nix use the restored cache (pure). */
export function substituterConfigLines(cacheDir: string, publicKey: string | undefined): string[] {
  const lines = [`extra-substituters = ${substituterUrl(cacheDir, publicKey !== undefined)}`]
  if (publicKey) lines.push(`extra-trusted-public-keys = ${publicKey}`, 'require-sigs = true')
  // A damaged or refused substitute is then rebuilt instead of failing the build.
  lines.push('fallback = true')
  return lines
}

export const UNSIGNED_TRUST_NOTE =
  'The binary cache is not signed (no signing key given): Nix takes its paths as they are. ' +
  'That trusts the GitHub Actions cache of this repository, which only workflows of this ' +
  "repository can write (pull requests from forks cannot save to the base branch's scope). " +
  'Give a signing key to have Nix check every path against it instead.'

function assertAbsolute(dir: string): void {
  if (!path.isAbsolute(dir))
    throw new Error(`The binary cache directory must be an absolute path: ${dir}`)
}

/**
 * Run a restoreCache call and notice whether it failed. @actions/cache turns every service
 * failure (outage, 429, denied read) into its own warning or error line and a plain
 * `undefined`, the same value as a miss, and offers no other way to tell them apart; its log
 * line is the only signal, so it is watched for while the call runs (and still printed).
 */
export async function watchRestoreFailures<T>(
  call: () => Promise<T>
): Promise<{ value: T; failure?: string }> {
  const stdout = process.stdout
  const original = stdout.write
  let failure: string | undefined
  stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : ''
    const match = /^::(?:warning|error)(?: [^:]*)?::Failed to restore: (.*)$/m.exec(text)
    if (match && failure === undefined) failure = match[1]!.trim()
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof stdout.write
  try {
    return { value: await call(), failure }
  } finally {
    stdout.write = original
  }
}

async function emptyDirectory(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
}

export async function restoreBinaryCache(
  options: RestoreBinaryCacheOptions
): Promise<RestoreBinaryCacheResult> {
  const started = Date.now()
  assertAbsolute(options.cacheDir)
  const cachePath = cachePathFor(options.cacheDir, options.cachePath)
  let publicKey: string | undefined
  let signingKeyFile: string | undefined
  if (options.signingKey) {
    maskSecretKey(options.signingKey)
    publicKey = publicKeyOf(options.signingKey)
    signingKeyFile = await writeSigningKeyFile(options.signingKey, options.tempDir)
    core.info(`Binary cache: Nix accepts only paths signed by ${publicKey}`)
  } else {
    core.info(UNSIGNED_TRUST_NOTE)
  }

  // Start from an empty directory: leftovers (a self-hosted runner, an earlier partial
  // extraction) would otherwise be mixed into what this run trusts and saves.
  await emptyDirectory(options.cacheDir)

  let cacheHit: CacheHit = 'miss'
  let matchedKey: string | undefined
  let warning: string | undefined
  await core.group('Restoring the Nix binary cache', async () => {
    try {
      // A lookup first, so that a found entry that then fails to download or unpack can be
      // told from a plain miss (restoreCache itself reports both as `undefined`).
      const lookup = await watchRestoreFailures(() =>
        cache.restoreCache([cachePath], options.key, [...options.restoreKeys], {
          lookupOnly: true
        })
      )
      if (lookup.failure) throw new Error(`the cache service failed: ${lookup.failure}`)
      const found = lookup.value
      if (found === undefined) {
        core.info(`No binary cache for ${options.key} or its restore keys.`)
        return
      }
      const restored = await withArchiveRoot(os.homedir(), () =>
        cache.restoreCache([cachePath], options.key, [...options.restoreKeys])
      )
      if (restored === undefined || !existsSync(path.join(options.cacheDir, 'nix-cache-info'))) {
        throw new Error(
          `the cache entry ${found} was found but could not be downloaded or unpacked`
        )
      }
      matchedKey = restored
      cacheHit = restored === options.key ? 'exact' : 'partial'
    } catch (error) {
      warning = `Binary cache not restored (${(error as Error).message}); building without it.`
      await emptyDirectory(options.cacheDir)
      if (options.strict) throw new Error(warning)
      core.warning(warning)
    }
  })

  let substituter: string | undefined
  if (cacheHit !== 'miss') {
    substituter = substituterUrl(options.cacheDir, publicKey !== undefined)
    await writePrivateBlock(
      options.userConfFile,
      'binary-cache',
      substituterConfigLines(options.cacheDir, publicKey)
    )
  } else {
    await writePrivateBlock(options.userConfFile, 'binary-cache', [])
  }

  const snapshotFile = storeSnapshotFilePath(options.tempDir)
  const count = await writeStoreSnapshot(snapshotFile)
  const restoredBytes = await directorySize(options.cacheDir)
  const seconds = (Date.now() - started) / 1000
  core.info(
    `Binary cache: ${cacheHit}${matchedKey ? ` (${matchedKey})` : ''}, ${restoredBytes} bytes in ${seconds.toFixed(1)} s; ` +
      `${count} store paths recorded before the build.`
  )
  return {
    cacheHit,
    matchedKey,
    substituter,
    publicKey,
    signingKeyFile,
    snapshotFile,
    restoredBytes,
    seconds,
    warning
  }
}
