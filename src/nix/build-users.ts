/**
 * Whether this Nix can build at all, checked once before anything is built.
 *
 * A Nix run as root on a local store builds as the users of its `build-users-group` (default
 * `nixbld`). Debian's and Ubuntu's `nix-bin` alone, as on a self-hosted runner, leaves that
 * group out (the `nix-setup-systemd` package creates it): every build then fails with the
 * same "group does not exist" error, once per target. Checking the configuration up front
 * turns that into one error that says what to do. A daemon or a non-root user does not take
 * build users from the client's configuration, so nothing is checked then.
 */
import { runCommand, runNix } from './run.js'

/** The settings that decide whether Nix takes build users (pure input of the check). */
export interface BuildUsersSettings {
  buildUsersGroup: string
  store: string
}

/** The group as the system's group database has it, or undefined when there is no such group. */
export interface GroupEntry {
  members: string[]
}

/** Stores a root Nix opens itself (so it builds as build users) rather than through a daemon. */
function isLocalStore(store: string): boolean {
  return store === '' || store === 'auto' || store === 'local' || store.startsWith('local?')
}

const HOW_TO_FIX =
  'Either install Nix with its build users (Debian and Ubuntu: `apt-get install nix-setup-systemd`, ' +
  "which creates the group `nixbld` and its users; or Nix's official installer), " +
  'or create that group with build users as members, ' +
  'or, for a single-user Nix run as root on a runner nobody else uses, set ' +
  '`build-users-group =` (empty) in /etc/nix/nix.conf or in the `extra-nix-config` input.'

/** Why this Nix cannot build, or undefined when it can (pure). */
export function buildUsersProblem(
  settings: BuildUsersSettings,
  group: GroupEntry | undefined,
  runsAsRoot: boolean
): string | undefined {
  if (!runsAsRoot || !isLocalStore(settings.store) || settings.buildUsersGroup === '')
    return undefined
  const name = settings.buildUsersGroup
  if (group === undefined)
    return (
      `Nix cannot build on this runner: its setting build-users-group = ${name} names a group ` +
      `that does not exist, and Nix run as root builds as that group's users. ${HOW_TO_FIX}`
    )
  if (group.members.length === 0)
    return (
      `Nix cannot build on this runner: the group ${name} (its build-users-group) has no ` +
      `members, and Nix run as root builds as that group's users. ${HOW_TO_FIX}`
    )
  return undefined
}

/** `nix show-config --json` (Nix 2.8 and later) -> the two settings (pure). */
export function parseBuildUsersSettings(json: string): BuildUsersSettings {
  const config = JSON.parse(json) as Record<string, { value?: unknown }>
  const text = (name: string, fallback: string): string => {
    const value = config[name]?.value
    return typeof value === 'string' ? value : fallback
  }
  return { buildUsersGroup: text('build-users-group', ''), store: text('store', 'auto') }
}

/** `nixbld:x:30000:nixbld1,nixbld2` (a line of `getent group`) -> its members (pure). */
export function parseGroupLine(line: string): GroupEntry {
  const members = line.trim().split(':')[3] ?? ''
  return { members: members.split(',').filter((m) => m !== '') }
}

async function lookUpGroup(name: string): Promise<GroupEntry | undefined> {
  const result = await runCommand('getent', ['group', name], { echo: false })
  return result.exitCode === 0 ? parseGroupLine(result.stdout) : undefined
}

/**
 * Throws, with what is wrong and how to fix it, when Nix's configuration (with the action's
 * own settings in effect) names build users this machine does not have.
 */
export async function assertNixCanBuild(): Promise<void> {
  const runsAsRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!runsAsRoot) return
  const shown = await runNix(['show-config', '--json'], { echo: false })
  // A Nix that cannot show its configuration is left to report its own errors in the build.
  if (shown.exitCode !== 0) return
  let settings: BuildUsersSettings
  try {
    settings = parseBuildUsersSettings(shown.stdout)
  } catch {
    return
  }
  const group =
    settings.buildUsersGroup === '' ? undefined : await lookUpGroup(settings.buildUsersGroup)
  const problem = buildUsersProblem(settings, group, runsAsRoot)
  if (problem) throw new Error(problem)
}
