/**
 * The image step of the pipeline, run once every target is verified and packaged: one
 * multi-platform OCI image from the targets that are ok, written as an OCI layout in
 * artifacts-dir and uploaded as one artifact. A failure here is reported as the image's own
 * error; it never changes a target's result.
 */
import * as core from '@actions/core'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { ImageInputs, Inputs } from '../inputs/index.js'
import { artifactsDir } from '../paths.js'
import { commitTime } from '../pipeline/package-stage.js'
import type { TargetResult } from '../pipeline/results.js'
import { isForkPullRequest } from '../pipeline/skipped-features.js'
import type { BuildPlan } from '../plan.js'
import { resolveArchiveMtime } from '../publish/archive.js'
import { sha256Of } from '../publish/checksums.js'
import { uploadArtifacts } from '../publish/upload.js'
import { Output } from '../state.js'
import { findTarget } from '../targets.js'
import { buildImage, type BuiltImage, type ImageInput } from './build.js'
import { ociLayoutTar, writeOciLayout } from './layout.js'
import type { ImageSettings } from './oci.js'
import { pushImage, type Credentials, type ImageReference } from './registry.js'

export interface ImageOutcome {
  /** Digest of the multi-platform index; null when no image was written. */
  indexDigest: string | null
  platforms: { target: string; platform: string; digest: string; layerSize: number }[]
  layoutDir: string | null
  archive: { file: string; path: string; size: number; sha256: string } | null
  artifact: { name: string; id: number | null; url: string | null } | null
  /** References the index was pushed to. */
  pushed: string[]
  /** What went wrong, naming the step; null when everything asked for was done. */
  error: string | null
}

/** Labels every image gets from the run; the user's image-labels override them. */
export function runLabels(
  version: string,
  env: NodeJS.ProcessEnv = process.env
): Record<string, string> {
  const labels: Record<string, string> = { 'org.opencontainers.image.version': version }
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env
  if (server && repository) labels['org.opencontainers.image.source'] = `${server}/${repository}`
  if (sha) labels['org.opencontainers.image.revision'] = sha
  return labels
}

export async function publishImage(
  results: readonly TargetResult[],
  options: {
    image: ImageInputs
    name: string
    version: string
    outDir: string
    upload: boolean
    retentionDays: number
    /** Seconds since the epoch: the archives' mtime, so image and archives agree. */
    created: number
    githubToken: string
  }
): Promise<ImageOutcome> {
  const outcome: ImageOutcome = {
    indexDigest: null,
    platforms: [],
    layoutDir: null,
    archive: null,
    artifact: null,
    pushed: [],
    error: null
  }
  const inputs: ImageInput[] = results.flatMap((r) => {
    const target = findTarget(r.target)
    const executable = r.executables[0]
    return r.status === 'ok' && target && executable
      ? [{ target, executable: executable.path }]
      : []
  })
  if (inputs.length === 0) {
    outcome.error = 'image: no target was verified, so there is no executable to put in an image'
    return outcome
  }
  const first = results.find((r) => r.status === 'ok')?.executables[0]
  const imagePath = options.image.path ?? `/bin/${first?.name ?? options.name}`
  const settings: ImageSettings = {
    user: options.image.user,
    entrypoint: options.image.entrypoint.length > 0 ? options.image.entrypoint : [imagePath],
    cmd: options.image.cmd,
    exposedPorts: options.image.exposedPorts,
    env: [],
    labels: { ...runLabels(options.version), ...options.image.labels }
  }
  const baseName = `${options.name}-${options.version}-oci-image`
  let image: BuiltImage
  try {
    image = await buildImage({ inputs, imagePath, settings, created: options.created })
    outcome.indexDigest = image.index.descriptor.digest
    outcome.platforms = image.images.map((i) => ({
      target: i.target,
      platform: i.platform,
      digest: i.manifest.descriptor.digest,
      layerSize: i.layer.descriptor.size
    }))
    outcome.layoutDir = join(options.outDir, baseName)
    await writeOciLayout(outcome.layoutDir, image, options.image.tags)
    const file = `${baseName}.tar`
    const path = join(options.outDir, file)
    await mkdir(options.outDir, { recursive: true })
    const tar = await ociLayoutTar(image, options.image.tags, options.created)
    await writeFile(path, tar)
    outcome.archive = { file, path, size: tar.length, sha256: sha256Of(tar) }
    core.info(
      `image ${outcome.indexDigest}: ${outcome.platforms.map((p) => p.platform).join(', ')} in ${outcome.layoutDir}`
    )
  } catch (error) {
    outcome.error = `image: writing the OCI layout failed: ${(error as Error).message}`
    return outcome
  }
  const errors: string[] = []
  if (options.upload) {
    const [uploaded] = await uploadArtifacts(
      [
        {
          target: '',
          name: outcome.archive.file,
          file: outcome.archive.path,
          sha256: outcome.archive.sha256
        }
      ],
      { retentionDays: options.retentionDays, nameSource: 'the name and version inputs' }
    )
    if (uploaded?.ok) outcome.artifact = { name: uploaded.name, id: uploaded.id, url: uploaded.url }
    else errors.push(`image: uploading the OCI layout artifact failed: ${uploaded?.error}`)
  }
  // Pushing after the artifact upload: a registry outage still leaves the layout downloadable.
  for (const reference of options.image.push) {
    const name = `${reference.registry}/${reference.repository}:${reference.tag}`
    try {
      await pushImage(image, reference, pushCredentials(reference, options))
      outcome.pushed.push(name)
      core.info(`pushed ${name} (${outcome.indexDigest})`)
    } catch (error) {
      errors.push(`image: pushing ${name} failed: ${(error as Error).message}`)
    }
  }
  outcome.error = errors.length > 0 ? errors.join('; ') : null
  return outcome
}

/** The inputs' credentials; else the github-token for ghcr.io; else none (an open registry). */
export function pushCredentials(
  reference: ImageReference,
  options: { image: ImageInputs; githubToken: string },
  env: NodeJS.ProcessEnv = process.env
): Credentials | null {
  if (options.image.pushUsername !== '')
    return { username: options.image.pushUsername, password: options.image.pushPassword }
  if (reference.registry === 'ghcr.io' && options.githubToken !== '')
    return { username: env.GITHUB_ACTOR ?? 'x-access-token', password: options.githubToken }
  return null
}

/** The job summary's image table: one row per platform. */
export function addImageToSummary(outcome: ImageOutcome): void {
  if (!outcome.indexDigest) return
  core.summary.addHeading('Container image', 3)
  core.summary.addRaw(`Index <code>${outcome.indexDigest}</code>`, true)
  if (outcome.pushed.length > 0)
    core.summary.addRaw(
      `Pushed to ${outcome.pushed.map((p) => `<code>${p}</code>`).join(', ')}`,
      true
    )
  core.summary.addTable([
    [
      { data: 'platform', header: true },
      { data: 'target', header: true },
      { data: 'manifest digest', header: true },
      { data: 'layer bytes', header: true }
    ],
    ...outcome.platforms.map((p) => [
      p.platform,
      p.target,
      `<code>${p.digest}</code>`,
      String(p.layerSize)
    ])
  ])
}

/**
 * The one call the pipeline makes: write (and upload) the image when asked, set its outputs,
 * and annotate a failure with what to do. Returns the error that should fail the step, if any.
 */
export async function runImageStep(
  results: readonly TargetResult[],
  inputs: Inputs,
  plan: Pick<BuildPlan, 'name' | 'version'>,
  projectDir: string
): Promise<{ outcome: ImageOutcome | null; error: string | null }> {
  core.setOutput(Output.ImageDigest, '')
  core.setOutput(Output.ImagePlatformDigests, '{}')
  if (!inputs.image) return { outcome: null, error: null }
  let image = inputs.image
  if (image.push.length > 0 && isForkPullRequest(process.env)) {
    core.notice(
      'pull request from a fork: the image is written and uploaded as an artifact but not pushed (no registry credentials reach this run).',
      { title: 'static-cross: skipped' }
    )
    image = { ...image, push: [] }
  }
  const created = resolveArchiveMtime({
    env: process.env,
    commitTime: await commitTime(projectDir)
  })
  const outcome = await core.group('Container image', () =>
    publishImage(results, {
      image,
      name: plan.name,
      version: plan.version,
      outDir: artifactsDir(),
      upload: inputs.upload,
      retentionDays: inputs.retentionDays,
      created,
      githubToken: inputs.githubToken
    })
  )
  core.setOutput(Output.ImageDigest, outcome.indexDigest ?? '')
  core.setOutput(
    Output.ImagePlatformDigests,
    JSON.stringify(Object.fromEntries(outcome.platforms.map((p) => [p.platform, p.digest])))
  )
  if (outcome.error) {
    core.error(
      `${outcome.error}. The targets' own artifacts are not affected; fix the cause and re-run, or set image: false.`,
      { title: 'static-cross: container image' }
    )
  }
  return { outcome, error: outcome.error }
}
