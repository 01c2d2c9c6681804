/**
 * Publish stage: per packaged target the archive and its SBOM, each its own artifact, uploaded
 * as soon as that target is packaged. A failed upload fails its own target only.
 */
import { uploadArtifacts, type UploadOptions, type UploadedArtifact } from '../publish/upload.js'
import { failTarget, type TargetResult } from './results.js'
import type { TargetLog } from './target-log.js'

export async function uploadTarget(
  result: TargetResult,
  options: UploadOptions
): Promise<TargetResult> {
  if (result.status !== 'ok' || result.archive === null) return result
  const sbom = result.sbom
  const [upload, sbomUpload] = await uploadArtifacts(
    [
      {
        target: result.target,
        name: result.archive.file,
        file: result.archive.path,
        sha256: result.archive.sha256
      },
      ...(sbom
        ? [{ target: result.target, name: sbom.file, file: sbom.path, sha256: sbom.sha256 }]
        : [])
    ],
    options
  )
  return withUploads(result, upload as UploadedArtifact, sbomUpload)
}

function withUploads(
  result: TargetResult,
  upload: UploadedArtifact,
  sbomUpload: UploadedArtifact | undefined
): TargetResult {
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
}

export function logUpload(result: TargetResult, log: TargetLog): void {
  const seconds = (result.durationsMs.upload / 1000).toFixed(1)
  if (result.artifact) {
    const line = `uploaded artifact ${result.artifact.name} (id ${result.artifact.id ?? 'unknown'}) in ${seconds} s`
    log.progress(line)
    log.info(line)
  } else if (result.failedStage === 'upload') {
    log.progress(`upload FAILED in ${seconds} s`)
    log.info(`error: ${result.error}`)
  }
}
