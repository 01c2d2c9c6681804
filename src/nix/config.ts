/**
 * Writing Nix configuration.
 *
 * Two files, for two kinds of setting:
 * - the system file (`$NIX_CONF_DIR/nix.conf`, else `/etc/nix/nix.conf`), written only when the
 *   action installed Nix itself: CI settings such as `max-jobs` and `sandbox` go there, and a
 *   multi-user daemon reads them;
 * - a user file under RUNNER_TEMP, mode 0600, added to `NIX_USER_CONF_FILES` for this and later
 *   steps: the GitHub token (`access-tokens`) and the binary-cache substituter go there, so no
 *   secret lands in a world-readable file or in the workspace, and a Nix the user brought keeps
 *   every setting the user made (only `extra-*` settings are added to it).
 *
 * Each file gets marked blocks that are replaced on every write, so writing twice never
 * duplicates a line, and the user's own lines outside the blocks stay as they were.
 */
import * as core from '@actions/core'
import { constants as fsConstants } from 'node:fs'
import { access, chmod, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { runCommand } from './run.js'

export interface NixSettings {
  /** Substituters added to the defaults (`extra-substituters`). */
  substituters?: readonly string[]
  /** Public keys added to the trusted ones (`extra-trusted-public-keys`). */
  trustedPublicKeys?: readonly string[]
  /** Systems this machine may build for, e.g. through qemu binfmt (`extra-platforms`). */
  extraPlatforms?: readonly string[]
  /** Build sandbox; default true. */
  sandbox?: boolean | 'relaxed'
  /** `max-jobs`; default `auto`. */
  maxJobs?: 'auto' | number
  /** GitHub token for fetching flake inputs (`access-tokens = github.com=<token>`). */
  githubToken?: string
  /** The user's own nix.conf lines, appended verbatim to the action's settings. */
  extraConfig?: string
  /** Users the daemon trusts; default `root` and the current user. */
  trustedUsers?: readonly string[]
}

export interface ConfigureNixOptions extends NixSettings {
  /**
   * Whether the action installed this Nix. Only then does it write the system file and the
   * CI settings; a Nix the user brought keeps its own configuration.
   */
  owned: boolean
  /** The user-level file the action owns, e.g. `userConfFilePath(RUNNER_TEMP)`. */
  userConfFile: string
  /** Override of the system file; default `$NIX_CONF_DIR/nix.conf` or `/etc/nix/nix.conf`. */
  systemConfFile?: string
  /** Restart the multi-user daemon when the system file changed. */
  daemon?: boolean
}

export interface ConfigureNixResult {
  /** The system file written, when the action owns the install. */
  systemConfFile?: string
  systemConfChanged: boolean
  userConfFile: string
  /** The value exported as NIX_USER_CONF_FILES. */
  userConfFiles: string
}

const MARK = 'static-cross'

export function blockBegin(name: string): string {
  return `# >>> ${MARK} ${name} (managed by the action; replaced on every run) >>>`
}
export function blockEnd(name: string): string {
  return `# <<< ${MARK} ${name} <<<`
}

/**
 * Replace (or append) the block `name` in a config text, leaving every other line alone.
 * An empty `lines` removes the block.
 */
export function replaceMarkedBlock(text: string, name: string, lines: readonly string[]): string {
  const begin = blockBegin(name)
  const end = blockEnd(name)
  const kept: string[] = []
  let inside = false
  for (const line of text.split('\n')) {
    if (line === begin) inside = true
    else if (inside && line === end) inside = false
    else if (!inside) kept.push(line)
  }
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop()
  if (lines.length > 0) {
    if (kept.length > 0) kept.push('')
    kept.push(begin, ...lines, end)
  }
  return kept.length > 0 ? kept.join('\n') + '\n' : ''
}

/** Lines that would put a second value on one line of nix.conf (or start a new one) are refused. */
function assertSingleLine(what: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new Error(`${what} must not contain line breaks.`)
}

function joinList(what: string, values: readonly string[]): string {
  for (const v of values) {
    assertSingleLine(what, v)
    if (/\s/.test(v))
      throw new Error(`${what} entries must not contain spaces: ${JSON.stringify(v)}`)
  }
  return values.join(' ')
}

function userExtraLines(extraConfig: string | undefined): string[] {
  return (extraConfig ?? '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
}

function defaultTrustedUsers(): string[] {
  const user = os.userInfo().username
  return user === 'root' ? ['root'] : ['root', user]
}

/**
 * The settings block of the system file for a Nix the action installed (pure). The user's extra
 * lines come last so that they win over the action's defaults.
 */
export function renderSystemSettings(
  settings: NixSettings,
  trustedUsers: readonly string[]
): string[] {
  const sandbox = settings.sandbox ?? true
  const lines = [
    'experimental-features = nix-command flakes',
    `max-jobs = ${settings.maxJobs ?? 'auto'}`,
    // A corrupt or untrusted substitute is then rebuilt instead of failing the build.
    'fallback = true',
    `sandbox = ${sandbox === 'relaxed' ? 'relaxed' : sandbox ? 'true' : 'false'}`,
    // Lets the runner user pass substituters (the restored binary cache) to the daemon.
    `trusted-users = ${joinList('trusted users', trustedUsers)}`
  ]
  lines.push(...substituterLines(settings))
  if (settings.extraPlatforms?.length)
    lines.push(`extra-platforms = ${joinList('extra platforms', settings.extraPlatforms)}`)
  lines.push(...userExtraLines(settings.extraConfig))
  return lines
}

/** The extra substituters and their keys, added to whatever the configuration already has. */
function substituterLines(settings: NixSettings): string[] {
  const lines: string[] = []
  if (settings.substituters?.length)
    lines.push(`extra-substituters = ${joinList('substituters', settings.substituters)}`)
  if (settings.trustedPublicKeys?.length)
    lines.push(
      `extra-trusted-public-keys = ${joinList('trusted public keys', settings.trustedPublicKeys)}`
    )
  return lines
}

/**
 * The settings block of the action's user file (pure). For a Nix the user brought, only
 * additive settings: the user's `max-jobs`, `sandbox` and substituters stay as they are.
 */
export function renderUserSettings(settings: NixSettings, owned: boolean): string[] {
  const lines: string[] = []
  if (!owned) {
    lines.push('extra-experimental-features = nix-command flakes')
    lines.push(...substituterLines(settings))
    // `extra-platforms` is itself a setting: its additive form is `extra-extra-platforms`.
    if (settings.extraPlatforms?.length)
      lines.push(`extra-extra-platforms = ${joinList('extra platforms', settings.extraPlatforms)}`)
    lines.push(...userExtraLines(settings.extraConfig))
  }
  if (settings.githubToken) {
    assertSingleLine('The GitHub token', settings.githubToken)
    if (/\s/.test(settings.githubToken))
      throw new Error('The GitHub token must not contain spaces.')
    lines.push(`access-tokens = github.com=${settings.githubToken}`)
  }
  return lines
}

/** The action's user-level nix.conf under RUNNER_TEMP (outside the workspace). */
export function userConfFilePath(runnerTemp: string): string {
  return path.join(runnerTemp, 'static-cross', 'nix.conf')
}

/** `$NIX_CONF_DIR/nix.conf`, else `/etc/nix/nix.conf`: where Nix reads its system settings. */
export function systemConfFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.NIX_CONF_DIR || '/etc/nix', 'nix.conf')
}

/**
 * The user config files Nix reads when NIX_USER_CONF_FILES is unset: the XDG config home, then
 * each XDG config dir. Keeping them in the list keeps the user's own files in effect.
 */
export function defaultUserConfFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config')
  const dirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter((d) => d !== '')
  return [home, ...dirs].map((d) => path.join(d, 'nix', 'nix.conf'))
}

/**
 * NIX_USER_CONF_FILES with the action's file last. Nix gives the first file the highest
 * priority, so the user's own files win over the action's for plain settings.
 */
export function userConfFilesValue(ours: string, env: NodeJS.ProcessEnv = process.env): string {
  const current = env.NIX_USER_CONF_FILES
    ? env.NIX_USER_CONF_FILES.split(':')
    : defaultUserConfFiles(env)
  return [...current.filter((f) => f !== '' && f !== ours), ours].join(':')
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}

/**
 * Write a block into a private (0600) file. The file is created with mode 0600 so that the
 * token is never readable by others, not even between create and chmod.
 */
export async function writePrivateBlock(
  file: string,
  name: string,
  lines: readonly string[]
): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const before = await readIfExists(file)
  const after = replaceMarkedBlock(before, name, lines)
  const handle = await open(file, 'w', 0o600)
  try {
    await handle.chmod(0o600)
    await handle.writeFile(after, 'utf8')
  } finally {
    await handle.close()
  }
  return before !== after
}

/**
 * Drop the GitHub token from the action's private nix.conf. The post step calls this: the
 * token is needed while the job's steps run Nix, and not a moment longer on the runner's disk.
 */
export async function removeAccessTokens(file: string): Promise<boolean> {
  const before = await readIfExists(file)
  const after = before
    .split('\n')
    .filter((line) => !/^\s*access-tokens\s*=/.test(line))
    .join('\n')
  if (after === before) return false
  await writeFile(file, after, { encoding: 'utf8', mode: 0o600 })
  return true
}

async function canWrite(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.W_OK)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false
  }
  const dir = path.dirname(file)
  try {
    await mkdir(dir, { recursive: true })
    await access(dir, fsConstants.W_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Write a block into a system file (0644). On a runner /etc/nix belongs to root while the
 * action runs as `runner`, so the file is then staged in RUNNER_TEMP and put in place with
 * `sudo -n install` (passwordless sudo, as hosted runners have).
 */
async function writeSystemBlock(
  file: string,
  name: string,
  lines: readonly string[]
): Promise<boolean> {
  const before = await readIfExists(file)
  const after = replaceMarkedBlock(before, name, lines)
  if (before === after) return false
  if (await canWrite(file)) {
    await writeFile(file, after, 'utf8')
    await chmod(file, 0o644)
    return true
  }
  const staging = path.join(
    process.env.RUNNER_TEMP || os.tmpdir(),
    `static-cross-nix.conf.${process.pid}`
  )
  await writeFile(staging, after, { encoding: 'utf8', mode: 0o644 })
  try {
    const mk = await runCommand('sudo', ['-n', 'mkdir', '-p', path.dirname(file)])
    const put =
      mk.exitCode === 0
        ? await runCommand('sudo', ['-n', 'install', '-m', '0644', staging, file])
        : mk
    if (put.exitCode !== 0)
      throw new Error(
        `Could not write ${file} (not writable, and sudo -n failed): ${put.stderr.trim()}`
      )
  } finally {
    await rm(staging, { force: true })
  }
  return true
}

async function restartDaemon(): Promise<void> {
  const args = ['systemctl', 'restart', 'nix-daemon.service']
  const result =
    process.getuid?.() === 0
      ? await runCommand(args[0]!, args.slice(1))
      : await runCommand('sudo', ['-n', ...args])
  if (result.exitCode !== 0)
    core.warning(`Could not restart nix-daemon after changing nix.conf: ${result.stderr.trim()}`)
}

/**
 * Write the action's Nix configuration and export NIX_USER_CONF_FILES for later steps.
 * Idempotent: a second call with the same options changes nothing.
 */
export async function configureNix(options: ConfigureNixOptions): Promise<ConfigureNixResult> {
  if (options.githubToken) core.setSecret(options.githubToken)

  let systemConfFile: string | undefined
  let systemConfChanged = false
  if (options.owned) {
    systemConfFile = options.systemConfFile ?? systemConfFilePath()
    const lines = renderSystemSettings(options, options.trustedUsers ?? defaultTrustedUsers())
    systemConfChanged = await writeSystemBlock(systemConfFile, 'settings', lines)
    core.info(`${systemConfChanged ? 'Wrote' : 'Kept'} the action's settings in ${systemConfFile}`)
    if (systemConfChanged && options.daemon) await restartDaemon()
  } else {
    core.info(
      'Nix was already installed: its configuration is kept; the action only adds extra-* settings.'
    )
  }

  await writePrivateBlock(
    options.userConfFile,
    'settings',
    renderUserSettings(options, options.owned)
  )
  const userConfFiles = userConfFilesValue(options.userConfFile)
  core.exportVariable('NIX_USER_CONF_FILES', userConfFiles)
  return { systemConfFile, systemConfChanged, userConfFile: options.userConfFile, userConfFiles }
}
