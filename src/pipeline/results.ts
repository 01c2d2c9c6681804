/**
 * One result per target, as the `results` output publishes it, and the fail-on decision.
 * Pure: the report and the step's outcome are functions of these values.
 */
import type { FailOn, Strategy } from '../inputs/index.js'
import type { ThAudit } from '../audit/index.js'
import type { SbomFile } from '../sbom/index.js'

export type TargetStatus = 'ok' | 'failed'
export type Stage = 'build' | 'verify' | 'package' | 'upload'

export interface ExecutableResult {
  name: string
  /** Path in the Nix store. */
  path: string
  size: number
  sha256: string
  elf: {
    class: number
    endian: string
    machine: number
    machineName: string
    type: string
    armFloatAbi: string | null
    riscvFloatAbi: string | null
  } | null
  static: boolean
  problems: string[]
  smoke: {
    ok: boolean
    command: string[]
    exitCode: number | null
    output: string
    durationMs: number
    runner: string | null
  } | null
}

export interface TargetResult {
  target: string
  system: string
  strategy: Strategy
  status: TargetStatus
  /** The first stage that failed, null when the target is ok. */
  failedStage: Stage | null
  error: string | null
  storePath: string | null
  executables: ExecutableResult[]
  archive: { file: string; path: string; size: number; sha256: string } | null
  artifact: { name: string; id: number | null; url: string | null; digest: string | null } | null
  durationsMs: { build: number; verify: number; package: number; upload: number }
  /** Haskell packages of the build closure that use Template Haskell, and where splices ran. */
  templateHaskell?: ThAudit | null
  /** The CycloneDX SBOM written beside the archive, and its artifact once uploaded. */
  sbom?:
    (SbomFile & { artifact: { name: string; id: number | null; url: string | null } | null }) | null
}

export function failTarget(result: TargetResult, stage: Stage, error: string): TargetResult {
  return result.status === 'failed'
    ? result
    : { ...result, status: 'failed', failedStage: stage, error }
}

/** Whether the step fails, given fail-on; returns the failure message or null. */
export function stepFailure(results: readonly TargetResult[], failOn: FailOn): string | null {
  const failed = results.filter((r) => r.status === 'failed')
  if (failed.length === 0 || failOn === 'none') return null
  if (failOn === 'all' && failed.length < results.length) return null
  const list = failed.map((r) => `${r.target} (${r.failedStage})`).join(', ')
  return `${failed.length} of ${results.length} target(s) failed: ${list}`
}
