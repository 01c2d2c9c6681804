/** Shows the build plan: a log group line per target, and a job-summary table. */
import * as core from '@actions/core'
import { describeNixpkgsSource } from '../nix/nixpkgs-source.js'
import type { BuildPlan } from '../plan.js'

export function logPlan(plan: BuildPlan): void {
  core.startGroup(`Build plan: ${plan.targets.length} target(s) of ${plan.name} ${plan.version}`)
  try {
    core.info(
      `mode: ${plan.mode.kind}, project: ${plan.projectDir}, archive: ${plan.archive}${plan.compressionLevel === null ? '' : ` (compression-level ${plan.compressionLevel})`}, fail-on: ${plan.failOn}`
    )
    if (plan.mode.kind !== 'installable')
      core.info(`nixpkgs: ${describeNixpkgsSource(plan.mode.nixpkgs)}`)
    for (const target of plan.targets) {
      core.info(`${target.target} [${target.strategy}]`)
      core.info(`  build:     ${target.installable}`)
      core.info(`  command:   nix ${target.nixArgs.join(' ')}`)
      core.info(`  TH:        ${target.thPath} - ${target.thDescription}`)
      core.info(
        `  verify:    ${target.qemu ? `smoke run under ${target.qemu}` : 'smoke run natively'}`
      )
      core.info(`  artifact:  ${target.artifactName}${plan.upload ? '' : ' (not uploaded)'}`)
    }
    if (plan.extraPlatforms.length > 0)
      core.info(`extra-platforms: ${plan.extraPlatforms.join(' ')}`)
  } finally {
    core.endGroup()
  }
}

export function addPlanToSummary(plan: BuildPlan, heading: string): void {
  core.summary.addHeading(heading, 3)
  core.summary.addTable([
    [
      { data: 'Target', header: true },
      { data: 'Strategy', header: true },
      { data: 'Builds', header: true },
      { data: 'Template Haskell', header: true },
      { data: 'Artifact', header: true }
    ],
    ...plan.targets.map((target) => [
      target.target,
      target.strategy,
      escapeHtml(target.installable),
      target.thPath,
      escapeHtml(target.artifactName)
    ])
  ])
}

/** Summary cells are HTML; values that came from inputs must not become markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
