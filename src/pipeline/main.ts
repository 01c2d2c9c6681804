/**
 * The main step: inputs -> plan -> (install, restore) -> every target's own
 * build -> verify -> package -> upload (target-flow.ts) -> whole-run steps (whole-run.ts).
 * Each stage takes the previous stage's value; nothing reaches back.
 */
import * as core from '@actions/core'
import { mkdir } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { attestArchives, type AttestOutcome } from '../attest/index.js'
import { addThAuditToSummary } from '../audit/summary.js'
import { addImageToSummary, runImageStep } from '../image/stage.js'
import { getInputs, type Inputs } from '../inputs/index.js'
import { nixBuild } from '../nix/build.js'
import { shippedLibraryDir } from '../nix/installable.js'
import { reportNixpkgsSource } from '../nix/nixpkgs-source.js'
import { artifactsDir } from '../paths.js'
import { buildPlan, type BuildPlan, type PlannedTarget } from '../plan.js'
import { addPlanToSummary, logPlan } from '../report/plan-report.js'
import { addResultsToSummary, annotateFailures } from '../report/results-report.js'
import { addSbomsToSummary } from '../sbom/summary.js'
import { Output, State } from '../state.js'
import { resolveArchiveMtime } from '../publish/archive.js'
import type { BuildOutcome } from './build-stage.js'
import { commitTime } from './package-stage.js'
import { stepFailure, type TargetResult } from './results.js'
import { pipelineModeFromEnv, runTargets } from './run-targets.js'
import { setUp } from './setup-stage.js'
import { reportSkippedFeatures } from './skipped-features.js'
import { finishRun } from './whole-run.js'

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
  core.setOutput(Output.ImageDigest, '')
  core.setOutput(Output.ImagePlatformDigests, '')
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
): Promise<{ results: TargetResult[]; checksumsError: string | null }> {
  const outDir = artifactsDir()
  await mkdir(outDir, { recursive: true })
  const mtime = resolveArchiveMtime({
    env: process.env,
    commitTime: await commitTime(resolve(workspace, plan.projectDir))
  })
  core.info(`archive entries get mtime ${mtime}`)
  const upload = inputs.upload
    ? {
        retentionDays: inputs.retentionDays,
        nameSource: `the artifact-name input ${JSON.stringify(inputs.artifactName)}`
      }
    : null
  const results = await runTargets(
    plan.targets,
    {
      build: buildPlannedTarget,
      verify: {
        executables: inputs.executables,
        smoke:
          inputs.smokeArgs.length === 0
            ? null
            : {
                args: inputs.smokeArgs,
                expect: inputs.smokeExpect,
                timeoutSec: inputs.smokeTimeoutSec
              }
      },
      package: {
        format: inputs.archive,
        level: inputs.compressionLevel ?? undefined,
        outDir,
        mtime,
        xzThreads: availableParallelism(),
        sbomProject: { name: plan.name, version: plan.version }
      },
      upload
    },
    { maxParallel: inputs.maxParallel, mode: pipelineModeFromEnv() }
  )
  const { checksumsError } = await finishRun(results, plan, { outDir, upload })
  return { results, checksumsError }
}

/** Provenance for the archives SHA256SUMS lists, once they are all written and published. */
async function attestStep(
  inputs: Inputs,
  plan: BuildPlan,
  results: readonly TargetResult[]
): Promise<AttestOutcome | null> {
  const archives = results.flatMap((r) => (r.status === 'ok' && r.archive ? [r.archive.file] : []))
  if (archives.length === 0) return null
  return core.group('Attesting build provenance', () =>
    attestArchives({
      sumsPath: join(artifactsDir(), plan.checksumsArtifact),
      archives,
      token: inputs.githubToken
    }).catch((error: Error): AttestOutcome => ({
      status: 'failed',
      subjects: [],
      attestationId: null,
      tlogId: null,
      error: `provenance attestation failed: ${error.message}`
    }))
  )
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
    if (plan.mode.kind !== 'installable') {
      const projectDir = resolve(workspace, plan.projectDir)
      await reportNixpkgsSource(shippedLibraryDir(import.meta.url), projectDir, plan.mode.nixpkgs)
    }

    const { results, checksumsError } = await buildVerifyPublish(inputs, plan, workspace)
    const attestation = inputs.attest ? await attestStep(inputs, plan, results) : null
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
        addThAuditToSummary(results)
        addSbomsToSummary(results)
        if (attestation?.status === 'attested')
          core.summary.addRaw(
            `<p>Build provenance attested for ${attestation.subjects.length} archive(s)${attestation.attestationId ? ` (attestation ${attestation.attestationId})` : ''}.</p>`,
            true
          )
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
    else if (attestation?.status === 'failed') core.setFailed(attestation.error ?? 'attest failed')
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
