/** Shared set-up for the Nix library tests: a private nix.conf, offline, no daemon. */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO = resolve(import.meta.dirname, '..', '..')
export const LIB = join(REPO, 'nix')
export const STUBS = join(REPO, '__tests__', 'nix', 'stubs')

/** A NIX_CONF_DIR of our own, so /etc/nix/nix.conf stays untouched. */
export function privateNixConf(lines: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'static-cross-nixconf-'))
  writeFileSync(
    join(dir, 'nix.conf'),
    [
      'substituters =',
      'experimental-features = nix-command flakes',
      'sandbox = false',
      ...lines
    ].join('\n') + '\n'
  )
  return dir
}

export function nixEnv(confDir: string): NodeJS.ProcessEnv {
  return { ...process.env, NIX_CONF_DIR: confDir }
}

export function run(
  command: string,
  args: readonly string[],
  options: ExecFileSyncOptions = {}
): string {
  return execFileSync(command, [...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options
  }) as string
}

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
