/**
 * Installing Nix, or reusing the one that is there.
 *
 * A usable Nix (on PATH or in a standard profile) is reused as it is. Otherwise the official
 * installer tarball for a pinned version is downloaded, checked against its pinned sha256
 * before anything in it runs, kept in the tool cache (a second run on the same machine does not
 * download it again) and its `install` script run.
 */
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { constants as fsConstants, existsSync } from 'node:fs'
import { access, readdir, rm, stat } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  type InstallerSource,
  type InstallerSystem,
  installerSystemFor,
  resolveInstallerSource
} from './installer-pins.js'
import { sha256File } from '../publish/checksums.js'
import { runCommand } from './run.js'

export interface InstallNixOptions {
  /** Installer to use; default the pin for the default version. See `resolveInstallerSource`. */
  installer?: InstallerSource
  /** Multi-user install with a daemon; default: where systemd runs. */
  daemon?: boolean
  /** PATH to look for an existing Nix in; default process.env.PATH. */
  searchPath?: string
  /** Profile bin dirs to look in (and where the installer puts Nix); default the standard ones. */
  profileBinDirs?: readonly string[]
  /** Installer system; default from the runner's architecture. */
  system?: InstallerSystem
  /** Install when no usable Nix is found (default true); false makes that an error instead. */
  install?: boolean
  /** Extra environment for the installer script. */
  installerEnv?: Record<string, string>
}

export interface NixInstallation {
  /** `2.34.8`, as `nix --version` reports it. */
  version: string
  /** Directory holding the `nix` executable, added to PATH. */
  binDir: string
  /** `existing`: reused as found; `installed`: the action ran the installer. */
  source: 'existing' | 'installed'
  /** Whether the install is multi-user with a daemon (only known when the action installed it). */
  daemon: boolean
  /** For an install: whether the tarball was downloaded (false when the tool cache had it). */
  downloaded?: boolean
  installerVersion?: string
}

/** Where the official installers put `nix`: multi-user default profile, then single-user. */
export function standardProfileBinDirs(home: string = process.env.HOME || os.homedir()): string[] {
  return ['/nix/var/nix/profiles/default/bin', path.join(home, '.nix-profile', 'bin')]
}

/** `nix (Nix) 2.8.0`, `nix (Determinate Nix 3.6.2) 2.29.0` -> the Nix version (pure). */
export function parseNixVersion(output: string): string | undefined {
  const line = output.trim().split('\n')[0] ?? ''
  return /(\d+\.\d+[0-9A-Za-z.+~_-]*)\s*$/.exec(line)?.[1]
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK)
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

/** The first directory among `dirs` whose `nix --version` answers, with that version. */
async function firstWorkingNix(
  dirs: readonly string[]
): Promise<{ binDir: string; version: string } | undefined> {
  for (const dir of dirs) {
    if (!dir || !(await isExecutable(path.join(dir, 'nix')))) continue
    const result = await runCommand(path.join(dir, 'nix'), ['--version'], { echo: false })
    const version = result.exitCode === 0 ? parseNixVersion(result.stdout) : undefined
    if (version) return { binDir: dir, version }
    core.info(
      `Ignoring ${path.join(dir, 'nix')}: \`nix --version\` did not answer (${result.stderr.trim()})`
    )
  }
  return undefined
}

/** A usable Nix on `searchPath` or in the profile dirs, if there is one. */
export async function findUsableNix(
  searchPath: string = process.env.PATH ?? '',
  profileBinDirs: readonly string[] = standardProfileBinDirs()
): Promise<{ binDir: string; version: string } | undefined> {
  return firstWorkingNix([...searchPath.split(path.delimiter), ...profileBinDirs])
}

/** systemd's own test (sd_booted): the daemon install needs systemd as init. */
export function systemdRuns(): boolean {
  return existsSync('/run/systemd/system')
}

/**
 * The tool-cache version of an installer: its version plus the start of its hash, so that an
 * override with another URL for the same version never reuses the pinned tarball's cache entry.
 * semver-shaped because the tool cache only finds explicit versions by semver.
 */
export function toolCacheVersion(source: InstallerSource): string {
  const [major = '0', minor = '0', patch = '0'] = (
    /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(source.version) ?? []
  ).slice(1)
  return `${major}.${minor}.${patch}-sha256-${source.sha256.slice(0, 16)}`
}

const TOOL_NAME = 'nix-installer'

function toolArch(system: InstallerSystem): string {
  return system === 'x86_64-linux' ? 'x64' : 'arm64'
}

async function findInstallScriptDir(extracted: string): Promise<string> {
  if (existsSync(path.join(extracted, 'install'))) return extracted
  const entries = await readdir(extracted, { withFileTypes: true })
  const dirs = entries.filter(
    (e) => e.isDirectory() && existsSync(path.join(extracted, e.name, 'install'))
  )
  if (dirs.length !== 1)
    throw new Error(
      `The Nix installer tarball has no single nix-<version>-<system>/install (found ${entries.map((e) => e.name).join(', ')})`
    )
  return path.join(extracted, dirs[0]!.name)
}

/**
 * The unpacked installer from the tool cache, downloading and verifying it first when the
 * cache does not have it. The hash is checked on the downloaded bytes before extraction.
 */
export async function obtainInstaller(
  source: InstallerSource,
  system: InstallerSystem
): Promise<{ dir: string; downloaded: boolean }> {
  const version = toolCacheVersion(source)
  const arch = toolArch(system)
  const cached = tc.find(TOOL_NAME, version, arch)
  if (cached) {
    core.info(`Nix installer ${source.version} found in the tool cache: ${cached}`)
    return { dir: cached, downloaded: false }
  }
  core.info(`Downloading the Nix installer ${source.version}: ${source.url}`)
  let tarball: string
  try {
    tarball = await tc.downloadTool(source.url)
  } catch (error) {
    throw new Error(
      `Could not download the Nix installer ${source.version} from ${source.url}: ${(error as Error).message}`
    )
  }
  try {
    const actual = await sha256File(tarball)
    if (actual !== source.sha256) {
      throw new Error(
        `The Nix installer from ${source.url} has sha256 ${actual}, expected ${source.sha256}; refusing to run it.`
      )
    }
    const flags = /\.tar\.xz$|\.txz$/.test(source.url)
      ? 'xJ'
      : /\.tar\.gz$|\.tgz$/.test(source.url)
        ? 'xz'
        : 'x'
    const extracted = await tc.extractTar(tarball, undefined, flags)
    try {
      const scriptDir = await findInstallScriptDir(extracted)
      const dir = await tc.cacheDir(scriptDir, TOOL_NAME, version, arch)
      return { dir, downloaded: true }
    } finally {
      await rm(extracted, { recursive: true, force: true })
    }
  } finally {
    await rm(tarball, { force: true })
  }
}

/**
 * Reuse a usable Nix or install one; either way its bin dir is on PATH for this and later
 * steps afterwards. Writes no configuration (see `configureNix`).
 */
export async function installNix(options: InstallNixOptions = {}): Promise<NixInstallation> {
  const profileBinDirs = options.profileBinDirs ?? standardProfileBinDirs()
  const existing = await findUsableNix(options.searchPath ?? process.env.PATH ?? '', profileBinDirs)
  if (existing) {
    core.info(`Using the Nix ${existing.version} already installed in ${existing.binDir}`)
    core.addPath(existing.binDir)
    // A daemon socket means a multi-user install; the action then talks to that daemon.
    return {
      ...existing,
      source: 'existing',
      daemon: existsSync('/nix/var/nix/daemon-socket/socket')
    }
  }

  if (options.install === false) {
    throw new Error(
      'Nix is not installed on this runner and install-nix is false: install Nix in an earlier step, or set install-nix: true'
    )
  }
  // Resolved only now: a runner that brings its own Nix needs no pin for its architecture.
  const system = options.system ?? installerSystemFor()
  const source = options.installer ?? resolveInstallerSource({}, system)
  const daemon = options.daemon ?? systemdRuns()
  const { dir, downloaded } = await obtainInstaller(source, system)

  const args = [path.join(dir, 'install'), daemon ? '--daemon' : '--no-daemon', '--no-channel-add']
  await core.group(
    `Installing Nix ${source.version} (${daemon ? 'multi-user, daemon' : 'single-user'})`,
    async () => {
      const result = await runCommand('sh', args, {
        env: { NIX_INSTALLER_NO_CHANNEL_ADD: '1', ...(options.installerEnv ?? {}) },
        input: ''
      })
      if (result.exitCode !== 0)
        throw new Error(
          `The Nix installer failed (exit code ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-5).join('\n')}`
        )
    }
  )

  // The daemon install links the default profile; the single-user one ~/.nix-profile.
  const ordered = daemon ? profileBinDirs : [...profileBinDirs].reverse()
  const installed = await firstWorkingNix(ordered)
  if (!installed)
    throw new Error(
      `The Nix installer finished, but no working nix is in ${profileBinDirs.join(' or ')}.`
    )
  core.addPath(installed.binDir)
  core.info(`Installed Nix ${installed.version} in ${installed.binDir}`)
  return { ...installed, source: 'installed', daemon, downloaded, installerVersion: source.version }
}
