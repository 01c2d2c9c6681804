/**
 * Jest global set-up and tear-down: every temporary directory the tests and the runs they start
 * make (workspaces, RUNNER_TEMP, canary programs, downloads) goes under one directory of this
 * test run, removed at the end, so repeated runs do not fill the machine's /tmp.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const VARIABLE = 'STATIC_CROSS_TEST_TMPDIR'

export function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'static-cross-tests-'))
  process.env[VARIABLE] = dir
  // os.tmpdir() reads TMPDIR; jest's workers and every process they start inherit it.
  process.env.TMPDIR = dir
}

export function teardown() {
  const dir = process.env[VARIABLE]
  if (!dir) return
  try {
    rmSync(dir, { recursive: true, force: true })
  } catch {
    // Copies of Nix store trees are read-only; make them writable and try once more.
    execFileSync('chmod', ['-R', 'u+w', dir])
    rmSync(dir, { recursive: true, force: true })
  }
}
