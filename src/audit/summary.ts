/** The job summary's Template Haskell table: per target, each package whose splices ran, and where. */
import * as core from '@actions/core'
import type { TargetResult } from '../pipeline/results.js'
import { escapeHtml } from '../report/plan-report.js'
import type { SpliceRunner } from './index.js'

const RAN_IN: Record<SpliceRunner, string> = {
  'qemu-iserv': 'target interpreter under qemu-user',
  emulated: 'emulated GHC (qemu binfmt)',
  native: 'natively on the runner',
  unknown: 'unknown (no derivation in the store)'
}

export function thRows(results: readonly TargetResult[]): string[][] {
  return results.flatMap((result) =>
    (result.templateHaskell?.packages ?? []).map((p) => [
      result.target,
      escapeHtml(`${p.name}-${p.version}`),
      escapeHtml(p.extensions.join(', ')),
      p.splices ? RAN_IN[p.ranIn] : 'quotes only: no splices run',
      escapeHtml(p.evidence.join(', '))
    ])
  )
}

export function addThAuditToSummary(results: readonly TargetResult[]): void {
  // Only Haskell builds get the section: a C program has nothing to audit here.
  const audited = results.filter((r) => (r.templateHaskell?.haskellPackages ?? 0) > 0)
  if (audited.length === 0) return
  const rows = thRows(audited)
  core.summary.addHeading('Template Haskell audit', 3)
  if (rows.length === 0) {
    core.summary.addRaw(
      `<p>No Haskell package in the build closure uses Template Haskell or quasi-quotes (${audited
        .map(
          (r) =>
            `${escapeHtml(r.target)}: ${r.templateHaskell?.haskellPackages ?? 0} Haskell package(s)`
        )
        .join('; ')}).</p>`,
      true
    )
    return
  }
  core.summary.addTable([
    ['target', 'package', 'extensions', 'splices ran in', 'found in'].map((data) => ({
      data,
      header: true
    })),
    ...rows
  ])
}
