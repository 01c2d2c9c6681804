/**
 * The main step: inputs -> plan -> (install, restore) -> build -> verify -> publish.
 * Each stage takes the previous stage's value; nothing reaches back.
 */
import * as core from '@actions/core'
import { getInputs } from '../inputs.js'
import { buildPlan } from '../plan.js'
import { addPlanToSummary, logPlan } from '../report/plan-report.js'
import { Output } from '../state.js'
import { artifactsDir } from '../paths.js'

/** Mask secrets before anything can print them, even a validation error. */
function maskSecrets(): void {
  for (const name of ['github-token', 'cache-signing-key']) {
    const value = core.getInput(name)
    if (value !== '') core.setSecret(value)
  }
}

export async function runMain(): Promise<void> {
  try {
    maskSecrets()
    const inputs = getInputs((name) => core.getInput(name))
    const plan = buildPlan(inputs)
    logPlan(plan)
    core.setOutput(Output.Plan, JSON.stringify(plan))
    core.setOutput(Output.Targets, plan.targets.map((t) => t.target).join(','))
    core.setOutput(Output.ArtifactsDir, artifactsDir())
    if (inputs.dryRun) {
      core.setOutput(
        Output.Results,
        JSON.stringify(plan.targets.map((t) => ({ target: t.target, status: 'planned', artifact: { name: t.artifactName } })))
      )
      core.setOutput(Output.CacheHit, '')
      core.setOutput(Output.FailedTargets, '')
      core.info('dry-run: stopping before installing Nix, restoring the cache or building anything')
      if (inputs.summary) {
        addPlanToSummary(plan, 'static-cross: build plan (dry run)')
        await core.summary.write()
      }
      return
    }
    throw new Error('building is not available yet: run with dry-run: true')
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
