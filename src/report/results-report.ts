/**
 * The user's view of a run: one error annotation per failed target that says what to do, and
 * a job-summary table with a row per target.
 */
import * as core from '@actions/core'
import type { Stage, TargetResult } from '../pipeline/results.js'
import { escapeHtml } from './plan-report.js'

const ADVICE: Record<Stage, string> = {
  build:
    "Open the 'build <target>' log group for Nix's error. A Template Haskell failure in a cross build can often be worked around with strategy-overrides: <target>=emulated.",
  verify:
    "Open the 'verify <target>' log group. A dynamic executable needs a static build (pkgsStatic); a wrong machine means the installable did not build for this target; a failed smoke run shows its output there (adjust smoke-args, smoke-expect or smoke-timeout).",
  package: 'Check free disk space in RUNNER_TEMP and that xz/gzip are installed.',
  upload:
    'Artifact names must be unique in a workflow run: in a matrix give each job its own targets, or put {arch} or {target} in artifact-name. Service errors are often temporary: re-run the job.'
}

export function annotateFailures(results: readonly TargetResult[]): void {
  for (const result of results) {
    if (result.status !== 'failed' || result.failedStage === null) continue
    const advice = ADVICE[result.failedStage].replaceAll('<target>', result.target)
    core.error(`${result.error}\n${advice}`, {
      title: `static-cross: ${result.target} failed at ${result.failedStage}`
    })
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function statusCell(result: TargetResult): string {
  return result.status === 'ok' ? '✅ ok' : `❌ ${result.failedStage}`
}

export function resultRows(results: readonly TargetResult[]): string[][] {
  return results.map((result) => {
    const exes = result.executables
    const machines = [...new Set(exes.map((e) => e.elf?.machineName ?? 'not ELF'))].join(', ')
    const smoke =
      exes.length === 0
        ? '—'
        : exes.every((e) => e.smoke?.ok)
          ? 'ok'
          : exes.some((e) => e.smoke === null)
            ? 'not run'
            : 'failed'
    const artifact = result.artifact?.url
      ? `<a href="${escapeHtml(result.artifact.url)}">${escapeHtml(result.artifact.name)}</a>`
      : escapeHtml(result.artifact?.name ?? result.archive?.file ?? '—')
    const time = Object.values(result.durationsMs).reduce((a, b) => a + b, 0)
    return [
      result.target,
      statusCell(result),
      exes.length === 0 ? '—' : exes.every((e) => e.static) ? 'yes' : 'no',
      escapeHtml(machines || '—'),
      smoke,
      result.archive ? formatBytes(result.archive.size) : '—',
      result.archive ? `<code>${result.archive.sha256.slice(0, 16)}…</code>` : '—',
      artifact,
      seconds(time)
    ]
  })
}

export function addResultsToSummary(results: readonly TargetResult[], heading: string): void {
  const header = [
    'Target',
    'Status',
    'Static',
    'ELF machine',
    'Smoke',
    'Size',
    'sha256',
    'Artifact',
    'Time'
  ]
  core.summary.addHeading(heading, 3)
  core.summary.addTable([header.map((data) => ({ data, header: true })), ...resultRows(results)])
  const failed = results.filter((r) => r.status === 'failed')
  if (failed.length > 0) {
    core.summary.addList(failed.map((r) => `${r.target}: ${escapeHtml(r.error ?? '')}`))
  }
}
