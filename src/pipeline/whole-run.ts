/**
 * Steps over the whole run, after every target has finished: the SHA256SUMS file over all
 * archives and their SBOMs, named after the step's targets so matrix jobs never collide, and
 * its artifact. Later whole-run outputs (an image index) belong here too.
 */
import * as core from '@actions/core'
import { join } from 'node:path'
import type { BuildPlan } from '../plan.js'
import { SHA256SUMS, writeSha256Sums } from '../publish/checksums.js'
import { uploadArtifacts, type UploadOptions } from '../publish/upload.js'
import type { TargetResult } from './results.js'

export interface WholeRunOutcome {
  checksumsFile: string | null
  /** Why the SHA256SUMS artifact failed to upload, if it did: this fails the step. */
  checksumsError: string | null
}

export async function finishRun(
  results: readonly TargetResult[],
  plan: BuildPlan,
  options: { outDir: string; upload: UploadOptions | null }
): Promise<WholeRunOutcome> {
  // Each target's archive and the SBOM beside it, with the hashes taken when they were written.
  const archives = results.flatMap((r) => [
    ...(r.archive ? [r.archive] : []),
    ...(r.sbom ? [r.sbom] : [])
  ])
  if (archives.length === 0) return { checksumsFile: null, checksumsError: null }
  const sums = await writeSha256Sums(archives, {
    outPath: join(options.outDir, plan.checksumsArtifact)
  })
  core.info(`wrote ${sums.path} for ${archives.length} archive(s)`)
  if (options.upload === null) {
    core.info(`upload: false - archives stay in ${options.outDir}`)
    return { checksumsFile: sums.path, checksumsError: null }
  }
  const [upload] = await uploadArtifacts(
    [
      {
        target: '',
        name: plan.checksumsArtifact,
        file: sums.path,
        sha256: sums.sha256
      }
    ],
    options.upload
  )
  const checksumsError = upload && !upload.ok ? upload.error : null
  if (checksumsError)
    core.error(checksumsError, { title: `static-cross: ${SHA256SUMS} upload failed` })
  else core.info(`uploaded artifact ${plan.checksumsArtifact}`)
  return { checksumsFile: sums.path, checksumsError }
}
