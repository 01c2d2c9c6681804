/**
 * examples/hello-c with a fresh marker in its source, so its derivations are new to the store
 * (the post step then has something to save), and helpers to inspect and drop what it built.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './runner/index.js'

export const HELLO_EXAMPLE = join(REPO_ROOT, 'examples', 'hello-c')

/** A copy of examples/hello-c whose hello.c ends with a random comment. */
export function markedHelloProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hello-marked-'))
  cpSync(HELLO_EXAMPLE, dir, { recursive: true })
  appendFileSync(join(dir, 'hello.c'), `/* run marker ${randomBytes(8).toString('hex')} */\n`)
  return dir
}

function nix(
  args: string[],
  env: Record<string, string>
): { status: number | null; output: string } {
  const result = spawnSync(
    'nix',
    ['--extra-experimental-features', 'nix-command flakes', ...args],
    {
      env: { ...process.env, ...env },
      encoding: 'utf8'
    }
  )
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

/** Removes store paths this test built (and only those), so a later run must substitute or rebuild. */
export function deleteStorePaths(paths: readonly string[], env: Record<string, string>): void {
  if (paths.length === 0) return
  const result = nix(['store', 'delete', ...paths], env)
  if (result.status !== 0 && !/not valid|is not in the Nix store/.test(result.output)) {
    throw new Error(`nix store delete failed: ${result.output}`)
  }
}

/** Whether each path is valid and its contents match the hash the store recorded. */
export function verifyStorePaths(
  paths: readonly string[],
  env: Record<string, string>
): { ok: boolean; output: string } {
  const info = nix(['path-info', ...paths], env)
  const verify = nix(['store', 'verify', '--no-trust', ...paths], env)
  return { ok: info.status === 0 && verify.status === 0, output: `${info.output}${verify.output}` }
}

export function isValidStorePath(path: string): boolean {
  try {
    execFileSync('nix-store', ['--check-validity', path], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}
