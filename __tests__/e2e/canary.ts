/**
 * A PATH directory whose `nix`, `nix-*`, `qemu-*`, `tar`, `xz` and `git` only touch a canary
 * file: put it first on PATH and any attempt of the action to run one of them is visible.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface CanaryPath {
  dir: string
  canary: string
  /** The commands that ran, one a line; empty when nothing ran. */
  ran(): string[]
}

const WATCHED = [
  'nix',
  'nix-build',
  'nix-store',
  'nix-env',
  'qemu-aarch64',
  'qemu-aarch64-static',
  'qemu-arm-static',
  'tar',
  'xz',
  'update-binfmts',
  'mount',
  'sh',
  'bash'
]

export function canaryPath(): CanaryPath {
  const dir = mkdtempSync(join(tmpdir(), 'canary-bin-'))
  const canary = join(dir, 'ran.log')
  for (const name of WATCHED) {
    const script = join(dir, name)
    writeFileSync(script, `#!/bin/sh\necho "${name} $*" >> '${canary}'\nexit 97\n`)
    chmodSync(script, 0o755)
  }
  return {
    dir,
    canary,
    ran: () => (existsSync(canary) ? readFileSync(canary, 'utf8').trim().split('\n') : [])
  }
}
