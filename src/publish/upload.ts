/**
 * Uploads one artifact per target with @actions/artifact: the archive itself (skipArchive, so
 * no zip around a tar.xz), its digest checked against the local sha256. A name already used
 * in this run is found before uploading; one failed upload never stops the others.
 */
import * as core from '@actions/core'
import { DefaultArtifactClient } from '@actions/artifact'
import { basename, dirname } from 'node:path'

export interface UploadRequest {
  target: string
  /** The artifact's name; with skipArchive it must equal the file's base name. */
  name: string
  file: string
  sha256: string
}

export interface UploadedArtifact {
  target: string
  name: string
  ok: boolean
  id: number | null
  digest: string | null
  size: number | null
  url: string | null
  error: string | null
  durationMs: number
}

export interface UploadOptions {
  /** 0 means the repository's default. */
  retentionDays: number
  /** Says which input made the names, for a collision message. */
  nameSource: string
}

type ArtifactClient = Pick<DefaultArtifactClient, 'uploadArtifact' | 'listArtifacts'>

export function artifactUrl(id: number, env: NodeJS.ProcessEnv = process.env): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  if (!server || !repository || !runId) return null
  return `${server}/${repository}/actions/runs/${runId}/artifacts/${id}`
}

async function namesInRun(client: ArtifactClient): Promise<Set<string>> {
  try {
    const { artifacts } = await client.listArtifacts()
    return new Set(artifacts.map((artifact) => artifact.name))
  } catch (error) {
    // The upload itself still refuses a duplicate (409); the list only makes the message clearer.
    core.warning(
      `could not list this run's artifacts before uploading: ${(error as Error).message}`
    )
    return new Set()
  }
}

export async function uploadArtifacts(
  requests: readonly UploadRequest[],
  options: UploadOptions,
  client: ArtifactClient = new DefaultArtifactClient()
): Promise<UploadedArtifact[]> {
  const existing = await namesInRun(client)
  const results: UploadedArtifact[] = []
  for (const request of requests) {
    const started = Date.now()
    const failed = (error: string): UploadedArtifact => ({
      target: request.target,
      name: request.name,
      ok: false,
      id: null,
      digest: null,
      size: null,
      url: null,
      error,
      durationMs: Date.now() - started
    })
    if (existing.has(request.name)) {
      results.push(
        failed(
          `artifact ${request.name} already exists in this run; it was named by ${options.nameSource}. In a matrix, give each job its own targets, or put {arch} or {target} in artifact-name`
        )
      )
      continue
    }
    if (basename(request.file) !== request.name) {
      results.push(
        failed(`internal: ${request.file} must be named ${request.name} to be uploaded unzipped`)
      )
      continue
    }
    try {
      const response = await client.uploadArtifact(
        request.name,
        [request.file],
        dirname(request.file),
        {
          skipArchive: true,
          retentionDays: options.retentionDays === 0 ? undefined : options.retentionDays
        }
      )
      const id = response.id ?? null
      const digest = response.digest ?? null
      if (digest !== request.sha256) {
        results.push(
          failed(
            `artifact ${request.name} was uploaded with digest ${digest ?? 'none'}, but the file's sha256 is ${request.sha256}`
          )
        )
        continue
      }
      existing.add(request.name)
      results.push({
        target: request.target,
        name: request.name,
        ok: true,
        id,
        digest: digest === null ? null : `sha256:${digest}`,
        size: response.size ?? null,
        url: id === null ? null : artifactUrl(id),
        error: null,
        durationMs: Date.now() - started
      })
    } catch (error) {
      results.push(failed(`uploading artifact ${request.name} failed: ${(error as Error).message}`))
    }
  }
  return results
}
