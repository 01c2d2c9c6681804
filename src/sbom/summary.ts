/** The job summary's SBOM table: per target, the document shipped and what it covers. */
import * as core from '@actions/core'
import type { TargetResult } from '../pipeline/results.js'
import { escapeHtml } from '../report/plan-report.js'

export function sbomRows(results: readonly TargetResult[]): string[][] {
  return results.flatMap((result) => {
    const sbom = result.sbom
    if (!sbom) return []
    const name = sbom.artifact?.url
      ? `<a href="${escapeHtml(sbom.artifact.url)}">${escapeHtml(sbom.file)}</a>`
      : escapeHtml(sbom.file)
    return [
      [
        result.target,
        name,
        sbom.closure,
        String(sbom.components),
        escapeHtml(sbom.haskellPackages.join(', ') || '—')
      ]
    ]
  })
}

export function addSbomsToSummary(results: readonly TargetResult[]): void {
  const rows = sbomRows(results)
  if (rows.length === 0) return
  core.summary.addHeading('Software bill of materials (CycloneDX)', 3).addTable([
    ['target', 'SBOM', 'closure', 'store paths', 'Haskell packages'].map((data) => ({
      data,
      header: true
    })),
    ...rows
  ])
}
