/**
 * Publish stage: per packaged target the archive and its SBOM, each its own artifact, then the
 * step's SHA256SUMS file as its own artifact. Upload failures fail their own target after every
 * other upload ran.
 */
import * as core from '@actions/core'
import { artifactsDir } from '../paths.js'
import type { BuildPlan } from '../plan.js'
import { SHA256SUMS, sha256File } from '../publish/checksums.js'
import { uploadArtifacts, type UploadRequest } from '../publish/upload.js'
import { failTarget, type TargetResult } from './results.js'

export interface PublishOutcome {
  results: TargetResult[]
  /** Why the SHA256SUMS artifact failed to upload, if it did: this fails the step. */
  checksumsError: string | null
}

/** Uploads are matched back to targets by key; a target's SBOM upload has its own. */
const sbomUploadKey = (target: string): string => `sbom:${target}`

export async function publishTargets(
  results: readonly TargetResult[],
  plan: BuildPlan,
  options: {
    upload: boolean
    retentionDays: number
    artifactNameTemplate: string
    checksumsFile: string | null
  }
): Promise<PublishOutcome> {
  const ready = results.filter((r) => r.status === 'ok' && r.archive !== null)
  if (!options.upload || ready.length === 0) {
    if (!options.upload) core.info(`upload: false - archives stay in ${artifactsDir()}`)
    return { results: [...results], checksumsError: null }
  }
  const requests: UploadRequest[] = ready.map((r) => ({
    target: r.target,
    name: r.archive!.file,
    file: r.archive!.path,
    sha256: r.archive!.sha256
  }))
  for (const r of ready) {
    if (!r.sbom) continue
    requests.push({
      target: sbomUploadKey(r.target),
      name: r.sbom.file,
      file: r.sbom.path,
      sha256: r.sbom.sha256
    })
  }
  if (options.checksumsFile) {
    const sums = options.checksumsFile
    requests.push({
      target: '',
      name: plan.checksumsArtifact,
      file: sums,
      sha256: await sha256File(sums)
    })
  }
  const uploaded = await core.group(`Uploading ${requests.length} artifact(s)`, () =>
    uploadArtifacts(requests, {
      retentionDays: options.retentionDays,
      nameSource: `the artifact-name input ${JSON.stringify(options.artifactNameTemplate)}`
    })
  )
  const sumsUpload = uploaded.find((u) => u.target === '')
  const checksumsError = sumsUpload && !sumsUpload.ok ? sumsUpload.error : null
  if (checksumsError)
    core.error(checksumsError, { title: `static-cross: ${SHA256SUMS} upload failed` })
  const published = results.map((result) => {
    const upload = uploaded.find((u) => u.target === result.target)
    if (!upload) return result
    const sbomUpload = uploaded.find((u) => u.target === sbomUploadKey(result.target))
    const withTime = {
      ...result,
      durationsMs: {
        ...result.durationsMs,
        upload: upload.durationMs + (sbomUpload?.durationMs ?? 0)
      }
    }
    if (!upload.ok) return failTarget(withTime, 'upload', upload.error ?? 'upload failed')
    if (sbomUpload && !sbomUpload.ok)
      return failTarget(withTime, 'upload', sbomUpload.error ?? 'SBOM upload failed')
    return {
      ...withTime,
      artifact: { name: upload.name, id: upload.id, url: upload.url, digest: upload.digest },
      sbom:
        result.sbom && sbomUpload
          ? {
              ...result.sbom,
              artifact: { name: sbomUpload.name, id: sbomUpload.id, url: sbomUpload.url }
            }
          : result.sbom
    }
  })
  return { results: published, checksumsError }
}
