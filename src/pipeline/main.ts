/**
 * The main step: inputs -> plan -> (install, restore) -> build -> verify -> publish.
 * Each stage takes the previous stage's value; nothing reaches back.
 */
import * as core from '@actions/core'
import { resolve } from 'node:path'
import { addImageToSummary, runImageStep } from '../image/stage.js'
import { getInputs, type Inputs } from '../inputs/index.js'
import { nixBuild } from '../nix/build.js'
import { shippedLibraryDir } from '../nix/installable.js'
import { artifactsDir } from '../paths.js'
import { buildPlan, type BuildPlan, type PlannedTarget } from '../plan.js'
import { addPlanToSummary, logPlan } from '../report/plan-report.js'
import { addResultsToSummary, annotateFailures } from '../report/results-report.js'
import { Output, State } from '../state.js'
import { buildTargets, type BuildOutcome, type TargetBuild } from './build-stage.js'
import { packageTargets } from './package-stage.js'
import { publishTargets, type PublishOutcome } from './publish-stage.js'
import { stepFailure, type TargetResult } from './results.js'
import { setUp } from './setup-stage.js'
import { reportSkippedFeatures } from './skipped-features.js'
import { verifyTargets } from './verify-stage.js'

/** Mask secrets before anything can print them, even a validation error. */
function maskSecrets(): void {
  for (const name of ['github-token', 'cache-signing-key', 'image-push-password']) {
    const value = core.getInput(name)
    if (value !== '') core.setSecret(value)
  }
}

/** Each target's build is the nix command the plan already holds. */
async function buildPlannedTarget(target: PlannedTarget): Promise<BuildOutcome> {
  const outcome = await nixBuild(target.nixArgs, { cwd: target.nixCwd, echo: false })
  return {
    ok: outcome.ok,
    outPaths: outcome.outPaths,
    log: `$ nix ${target.nixArgs.join(' ')}\n${outcome.log}`,
    error: outcome.ok
      ? undefined
      : `nix build of ${target.installable} failed (exit ${outcome.exitCode})`
  }
}

function initialResult(plan: BuildPlan, build: TargetBuild): TargetResult {
  const planned = plan.targets.find((t) => t.target === build.target) as PlannedTarget
  return {
    target: build.target,
    system: planned.system,
    strategy: planned.strategy,
    status: build.ok ? 'ok' : 'failed',
    failedStage: build.ok ? null : 'build',
    error: build.error,
    storePath: build.outPath,
    executables: [],
    archive: null,
    artifact: null,
    durationsMs: { build: build.durationMs, verify: 0, package: 0, upload: 0 }
  }
}

function setPlanOutputs(plan: BuildPlan): void {
  core.setOutput(Output.Plan, JSON.stringify(plan))
  core.setOutput(Output.Targets, plan.targets.map((t) => t.target).join(','))
  core.setOutput(Output.ArtifactsDir, artifactsDir())
}

async function dryRun(inputs: Inputs, plan: BuildPlan): Promise<void> {
  core.setOutput(
    Output.Results,
    JSON.stringify(
      plan.targets.map((t) => ({
        target: t.target,
        status: 'planned',
        artifact: { name: t.artifactName }
      }))
    )
  )
  core.setOutput(Output.CacheHit, '')
  core.setOutput(Output.FailedTargets, '')
  core.info('dry-run: stopping before installing Nix, restoring the cache or building anything')
  if (inputs.summary) {
    addPlanToSummary(plan, 'static-cross: build plan (dry run)')
    await core.summary.write()
  }
}

async function buildVerifyPublish(
  inputs: Inputs,
  plan: BuildPlan,
  workspace: string
): Promise<PublishOutcome> {
  const projectDir = resolve(workspace, plan.projectDir)
  const builds = await buildTargets(plan.targets, buildPlannedTarget, inputs.maxParallel)
  const built = builds.map((build) => initialResult(plan, build))
  const verified = await verifyTargets(built, {
    executables: inputs.executables,
    smoke:
      inputs.smokeArgs.length === 0
        ? null
        : {
            args: inputs.smokeArgs,
            expect: inputs.smokeExpect,
            timeoutSec: inputs.smokeTimeoutSec
          },
    maxParallel: inputs.maxParallel
  })
  const packaged = await core.group('Packaging', () =>
    packageTargets(verified, plan.targets, {
      format: inputs.archive,
      outDir: artifactsDir(),
      projectDir,
      checksumsFile: plan.checksumsArtifact
    })
  )
  return publishTargets(packaged.results, plan, {
    upload: inputs.upload,
    retentionDays: inputs.retentionDays,
    artifactNameTemplate: inputs.artifactName,
    checksumsFile: packaged.checksumsFile
  })
}

export async function runMain(): Promise<void> {
  try {
    maskSecrets()
    const inputs = getInputs((name) => core.getInput(name))
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()
    const plan = buildPlan(inputs, {
      projectDir: resolve(workspace, inputs.projectDir),
      libraryDir: shippedLibraryDir(import.meta.url)
    })
    logPlan(plan)
    setPlanOutputs(plan)
    if (inputs.dryRun) return await dryRun(inputs, plan)

    reportSkippedFeatures(inputs)
    core.saveState(State.Planned, 'true')
    const setup = await setUp(inputs, plan, workspace)
    core.setOutput(Output.CacheHit, setup.cache?.cacheHit ?? '')

    const { results, checksumsError } = await buildVerifyPublish(inputs, plan, workspace)
    core.setOutput(Output.Results, JSON.stringify(results))
    core.setOutput(
      Output.FailedTargets,
      results
        .filter((r) => r.status === 'failed')
        .map((r) => r.target)
        .join(',')
    )
    annotateFailures(results)
    const image = await runImageStep(results, inputs, plan, resolve(workspace, plan.projectDir))
    if (inputs.summary) {
      try {
        addResultsToSummary(results, `static-cross: ${plan.name} ${plan.version}`)
        if (image.outcome) addImageToSummary(image.outcome)
        await core.summary.write()
      } catch (error) {
        core.warning(`could not write the job summary: ${(error as Error).message}`)
      }
    }
    const failure = stepFailure(results, inputs.failOn)
    if (failure) core.setFailed(`${failure} (fail-on: ${inputs.failOn})`)
    else if (checksumsError) core.setFailed(checksumsError)
    else if (image.error) core.setFailed(image.error)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
