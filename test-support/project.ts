/** Workspaces for end-to-end runs: a project copied into a fresh git repository, and an offline Nix. */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fixed commit time, so archive mtimes (from the commit) are the same on every run. */
export const COMMIT_EPOCH = 1767225600

/** Copies a project into a new git repository (flakes only see tracked files) and commits it. */
export function projectWorkspace(source: string): string {
  const workspace = mkdtempSync(join(tmpdir(), 'ws-'))
  cpSync(source, workspace, { recursive: true })
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: workspace,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'test',
        GIT_AUTHOR_EMAIL: 'test@example.invalid',
        GIT_COMMITTER_NAME: 'test',
        GIT_COMMITTER_EMAIL: 'test@example.invalid',
        GIT_AUTHOR_DATE: `@${COMMIT_EPOCH} +0000`,
        GIT_COMMITTER_DATE: `@${COMMIT_EPOCH} +0000`
      }
    })
  git('init', '-q')
  git('add', '-A')
  git('commit', '-q', '-m', 'fixture')
  return workspace
}

/**
 * Environment for a step that uses this machine's Nix offline: a private system nix.conf with
 * no upstream substituter (cache.nixos.org is out of reach, and each build would first spend
 * seconds retrying it) and the sandbox off, so fixture builders can use the host's compilers.
 */
export function offlineNixEnv(): Record<string, string> {
  const confDir = mkdtempSync(join(tmpdir(), 'nix-conf-'))
  writeFileSync(
    join(confDir, 'nix.conf'),
    [
      'substituters =',
      'sandbox = false',
      'experimental-features = nix-command flakes',
      'connect-timeout = 1',
      ''
    ].join('\n')
  )
  return { NIX_CONF_DIR: confDir }
}
