/**
 * Smoke runs: start a freshly built executable once (`--version` by default) and see that it
 * exits 0 and, optionally, prints what it should. Executables for the host's own system run
 * natively; the rest run under the target's qemu-user (`qemu-aarch64` or Debian's
 * `qemu-aarch64-static`). No binfmt_misc registration is needed: qemu is started explicitly.
 *
 * The executable runs in its own process group, so on timeout the whole group (qemu and anything
 * the program started) is killed. Output is captured up to a cap, so a program that floods
 * stdout cannot exhaust memory.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'

import type { TargetSpec } from '../targets.js'

export const DEFAULT_SMOKE_ARGS: readonly string[] = ['--version']
/** GHC-built x86_64 programs need ~30 s to start under qemu 7.2; leave room for that. */
export const DEFAULT_SMOKE_TIMEOUT_SEC = 120
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024

export interface SmokeOptions {
  /** The executable to run. */
  path: string
  target: TargetSpec
  /** Arguments, never a shell string (default `['--version']`). */
  args?: readonly string[]
  /** The combined output must match this; a string is compiled as a regular expression. */
  expect?: RegExp | string | null
  /** Kill the run after this many seconds (default 120). */
  timeoutSec?: number
  /** Run with an empty environment (PostgREST's `--dump-config` smoke run wants this). */
  emptyEnv?: boolean
  /** Extra environment variables (added to the empty or the inherited environment). */
  env?: Readonly<Record<string, string>>
  /** Keep at most this many bytes of output (default 64 KiB). */
  maxOutputBytes?: number
  cwd?: string
  /** Nix system of the machine running the smoke test (default: detected from process.arch). */
  hostSystem?: string
  /** PATH to look for qemu on (default: process.env.PATH). */
  searchPath?: string
}

export interface SmokeResult {
  ok: boolean
  /** Exit status, or null when the process was killed by a signal or never started. */
  exitCode: number | null
  signal: string | null
  /** stdout and stderr, interleaved as they arrived, cut at maxOutputBytes. */
  output: string
  truncated: boolean
  timedOut: boolean
  durationMs: number
  /** The argument vector that ran: [qemu, executable, ...args] or [executable, ...args]. */
  command: string[]
  /** `native` or the qemu binary used; null when nothing could be started. */
  runner: string | null
  /** Why the run failed, in one sentence; null when ok. */
  problem: string | null
}

const NODE_ARCH_TO_SYSTEM: Readonly<Record<string, string>> = {
  x64: 'x86_64-linux',
  arm64: 'aarch64-linux',
  arm: 'armv7l-linux',
  riscv64: 'riscv64-linux',
  ppc64: 'powerpc64le-linux',
  s390x: 's390x-linux',
  ia32: 'i686-linux'
}

/** The Nix system string of this machine, e.g. `x86_64-linux`. */
export function hostSystem(
  arch: string = process.arch,
  platform: string = process.platform
): string {
  const system = NODE_ARCH_TO_SYSTEM[arch]
  return platform === 'linux' && system ? system : `${arch}-${platform}`
}

/**
 * Find a qemu-user binary on a PATH: `qemu-aarch64` first, then Debian's `qemu-aarch64-static`.
 * Returns null when neither is there.
 */
export function findQemu(name: string, searchPath: string = process.env.PATH ?? ''): string | null {
  const candidates = name.endsWith('-static') ? [name] : [name, `${name}-static`]
  for (const candidate of candidates) {
    for (const dir of searchPath.split(delimiter)) {
      if (dir === '') continue
      const full = join(dir, candidate)
      try {
        if (!statSync(full).isFile()) continue
        accessSync(full, constants.X_OK)
        return full
      } catch {
        // not here
      }
    }
  }
  return null
}

export function qemuMissingMessage(target: TargetSpec): string {
  return (
    `${target.qemu} is not on PATH (looked for ${target.qemu} and ${target.qemu}-static), so ` +
    `${target.name} executables cannot be run: install qemu-user-static ` +
    `(apt-get install qemu-user-static) or qemu-user`
  )
}

function toRegExp(expect: RegExp | string): RegExp {
  if (expect instanceof RegExp) return expect
  try {
    return new RegExp(expect)
  } catch (e) {
    throw new Error(
      `smoke expect pattern ${JSON.stringify(expect)} is not a valid regular expression: ${(e as Error).message}`
    )
  }
}

function excerpt(text: string, max = 200): string {
  const t = text.trim()
  return JSON.stringify(t.length > max ? `${t.slice(0, max)}…` : t)
}

/** Run one smoke command. Never throws for a failing run: the result says what went wrong. */
export async function runSmoke(options: SmokeOptions): Promise<SmokeResult> {
  const args = [...(options.args ?? DEFAULT_SMOKE_ARGS)]
  const timeoutSec = options.timeoutSec ?? DEFAULT_SMOKE_TIMEOUT_SEC
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) {
    throw new Error(`smoke timeout must be a positive number of seconds, got ${timeoutSec}`)
  }
  const expect = options.expect == null ? null : toRegExp(options.expect)
  const exe = resolve(options.path)
  const native = (options.hostSystem ?? hostSystem()) === options.target.system

  const failed = (
    problem: string,
    command: string[] = [],
    runner: string | null = null
  ): SmokeResult => ({
    ok: false,
    exitCode: null,
    signal: null,
    output: '',
    truncated: false,
    timedOut: false,
    durationMs: 0,
    command,
    runner,
    problem
  })

  let command: string[]
  let runner: string
  if (native) {
    command = [exe, ...args]
    runner = 'native'
  } else {
    const qemu = findQemu(options.target.qemu, options.searchPath)
    if (qemu === null) return failed(qemuMissingMessage(options.target))
    command = [qemu, exe, ...args]
    runner = qemu
  }

  const env: Record<string, string> = {
    ...(options.emptyEnv ? {} : (process.env as Record<string, string>)),
    ...(options.env ?? {})
  }

  const started = performance.now()
  const [file, ...argv] = command as [string, ...string[]]
  const child = spawn(file, argv, {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so a timeout can kill qemu together with anything the program started.
    detached: true
  })

  const chunks: Buffer[] = []
  let kept = 0
  let truncated = false
  const collect = (chunk: Buffer): void => {
    if (kept >= maxOutput) {
      truncated = true
      return
    }
    const part = chunk.length > maxOutput - kept ? chunk.subarray(0, maxOutput - kept) : chunk
    if (part.length < chunk.length) truncated = true
    chunks.push(part)
    kept += part.length
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)

  let timedOut = false
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  const outcome = await new Promise<{
    code: number | null
    signal: string | null
    error: Error | null
  }>((resolveOutcome) => {
    let settled = false
    let exit: { code: number | null; signal: string | null } | null = null
    const settle = (error: Error | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(drainTimer)
      resolveOutcome({ code: exit?.code ?? null, signal: exit?.signal ?? null, error })
    }
    const timer = setTimeout(() => {
      timedOut = true
      killGroup()
    }, timeoutSec * 1000)
    let drainTimer: NodeJS.Timeout | undefined
    child.on('error', (err) => settle(err))
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      // 'close' waits for stdout/stderr to end; a grandchild that escaped the process group
      // could hold them open for ever, so stop waiting a little after the process is gone.
      drainTimer = setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        settle(null)
      }, 2000)
    })
    child.on('close', () => settle(null))
  })
  const durationMs = Math.round(performance.now() - started)

  const output = Buffer.concat(chunks).toString('utf8')
  const base = { output, truncated, timedOut, durationMs, command, runner }

  if (outcome.error) {
    return {
      ...base,
      ok: false,
      exitCode: null,
      signal: null,
      problem: `could not start ${file}: ${outcome.error.message}`
    }
  }
  const exitCode = outcome.code
  const signal = outcome.signal
  let problem: string | null = null
  if (timedOut) {
    problem = `hung: no exit after ${timeoutSec} s (process group killed)`
  } else if (signal !== null) {
    problem = `killed by signal ${signal}; output ${excerpt(output)}`
  } else if (exitCode !== 0) {
    problem = `exited with status ${exitCode}; output ${excerpt(output)}`
  } else if (expect !== null && output.search(expect) < 0) {
    problem = `output does not match ${String(expect)}: got ${excerpt(output)}`
  }
  return { ...base, ok: problem === null, exitCode, signal, problem }
}
