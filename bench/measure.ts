/**
 * Timing, statistics and commands for the benchmarks. The machine is shared, so every figure
 * comes from repetitions interleaved with the thing it is compared to, summarised by medians.
 */
import { spawn } from 'node:child_process'

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Median, minimum and maximum of samples, for "12.3 s (11.0-14.1)" style figures. */
export interface Summary {
  median: number
  min: number
  max: number
  n: number
}

export function summarise(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length
  }
}

export function seconds(ms: number, digits = 1): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(digits)} s` : 'n/a'
}

/** "12.3 s (11.0-14.1, n=3)". */
export function secondsRange(s: Summary, digits = 1): string {
  if (s.n <= 1) return seconds(s.median, digits)
  return `${seconds(s.median, digits)} (${(s.min / 1000).toFixed(digits)}-${(s.max / 1000).toFixed(digits)}, n=${s.n})`
}

export function ratio(numerator: number, denominator: number): string {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator <= 0) return 'n/a'
  return `${(numerator / denominator).toFixed(2)}x`
}

/** A markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)
  ].join('\n')
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`
}

/**
 * Runs `rounds` rounds of every variant, each round in a rotated order, so slow phases of a
 * noisy machine fall on every variant alike. Returns each variant's samples in round order.
 */
export async function interleave<K extends string, T>(
  variants: readonly K[],
  rounds: number,
  run: (variant: K, round: number) => Promise<T>
): Promise<Record<K, T[]>> {
  const samples = Object.fromEntries(variants.map((v) => [v, [] as T[]])) as Record<K, T[]>
  for (let round = 0; round < rounds; round++) {
    const shift = round % variants.length
    const order = [...variants.slice(shift), ...variants.slice(0, shift)]
    for (const variant of order) samples[variant].push(await run(variant, round))
  }
  return samples
}

export interface CommandResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  wallMs: number
}

export interface CommandOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Allowed exit codes; anything else throws with the command's output. Default [0]. */
  okCodes?: readonly number[]
}

/** Runs a command with an argument array (no shell) and times it from spawn to exit. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {}
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', (error) => {
      if (timer) clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      const result: CommandResult = {
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: performance.now() - started
      }
      if (code !== null && (options.okCodes ?? [0]).includes(code)) resolve(result)
      else {
        const tail = (result.stdout + result.stderr).trimEnd().split('\n').slice(-30).join('\n')
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) after ${seconds(result.wallMs)}:\n${tail}`
          )
        )
      }
    })
  })
}

/** Progress on stderr, so stdout holds only the report. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}
