/** The machine a benchmark ran on, for the record beside its figures. */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { NODE24_BINARY } from '../test-support/runner/index.js'

export interface Machine {
  nproc: number
  cpu: string
  memoryGiB: number
  os: string
  kernel: string
  node: string
  actionNode: string
  nix: string
  qemu: string
  ghc: string
  xz: string
  loadAtStart: string
}

function firstLine(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, [...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    })
      .split('\n')[0]!
      .trim()
  } catch {
    return 'not installed'
  }
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8')
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
}

export function describeMachine(): Machine {
  return {
    nproc: Number(firstLine('nproc', [])) || cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    kernel: release(),
    node: process.version,
    actionNode: existsSync(NODE24_BINARY) ? firstLine(NODE24_BINARY, ['--version']) : 'missing',
    nix: firstLine('nix', ['--version']),
    qemu: firstLine('qemu-x86_64-static', ['--version']),
    ghc: firstLine('ghc', ['--version']),
    xz: firstLine('xz', ['--version']),
    loadAtStart: loadAverage()
  }
}
