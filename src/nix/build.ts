/**
 * Running one `nix build` and reading what it built from `--json`. Nix 2.8 has no
 * `--print-out-paths`; `--json` exists from 2.4 on and keeps its shape in newer versions
 * (`[{ drvPath, outputs: { out: path } }]`, or `{ path }` for an opaque store path).
 */
import { runNix, type NixRunOptions } from './run.js'

export interface BuiltResult {
  drvPath?: string
  /** Output name -> store path. */
  outputs: Record<string, string>
}

export interface NixBuildOutcome {
  ok: boolean
  exitCode: number
  /** Every output path, in the order nix reported them. */
  outPaths: string[]
  results: BuiltResult[]
  /** What nix printed on stderr: build logs and errors. */
  log: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Parse `nix build --json` stdout. Tolerates lines before the JSON (warnings some versions print). */
export function parseNixBuildJson(stdout: string): BuiltResult[] {
  const text = stdout.trim()
  if (text === '') return []
  const start = text.lastIndexOf('\n[') >= 0 ? text.lastIndexOf('\n[') + 1 : text.indexOf('[')
  if (start < 0) throw new Error(`nix build --json printed no JSON array: ${text.slice(0, 200)}`)
  const parsed: unknown = JSON.parse(text.slice(start))
  if (!Array.isArray(parsed)) throw new Error('nix build --json did not print an array')
  return parsed.map((entry): BuiltResult => {
    if (!isRecord(entry))
      throw new Error(`unexpected nix build --json entry: ${JSON.stringify(entry)}`)
    const outputs: Record<string, string> = {}
    if (isRecord(entry.outputs)) {
      for (const [name, path] of Object.entries(entry.outputs)) {
        if (typeof path === 'string') outputs[name] = path
      }
    } else if (typeof entry.path === 'string') {
      outputs.out = entry.path
    }
    return { drvPath: typeof entry.drvPath === 'string' ? entry.drvPath : undefined, outputs }
  })
}

/**
 * Builds run without Nix's flake evaluation cache. Concurrent builds of one flake share its
 * SQLite file (one per locked flake), and each holds a write transaction for its whole run,
 * so all but one log `error (ignored): ... eval-cache-v*... is busy` and evaluate uncached
 * anyway. Measured with four concurrent builds of one flake, that line is all it costs: no
 * build fails and none is slower without the cache. The cache would only pay off when one
 * job evaluates the same attribute again, which the action never does, so it is off.
 */
export const EVAL_CACHE_OFF = ['--option', 'eval-cache', 'false'] as const

/** Run `nix <argv>` (argv from nixBuildInvocation; `--json` is added when missing). */
export async function nixBuild(
  argv: readonly string[],
  options: NixRunOptions = {}
): Promise<NixBuildOutcome> {
  const json = argv.includes('--json') ? [] : ['--json']
  const args = [...argv.slice(0, 1), ...json, ...EVAL_CACHE_OFF, ...argv.slice(1)]
  const run = await runNix(args, options)
  let results: BuiltResult[] = []
  let parseError: string | undefined
  if (run.exitCode === 0) {
    try {
      results = parseNixBuildJson(run.stdout)
    } catch (error) {
      parseError = error instanceof Error ? error.message : String(error)
    }
  }
  const outPaths = results.flatMap((r) => Object.values(r.outputs))
  const ok = run.exitCode === 0 && parseError === undefined && outPaths.length > 0
  const log = parseError ? `${run.stderr}\n${parseError}` : run.stderr
  return { ok, exitCode: run.exitCode, outPaths, results, log }
}
