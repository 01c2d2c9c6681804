import { ARTIFACT_CONTAINER, type BlobStore } from './blob-store.js'
import type { RuntimeTokenClaims } from './jwt.js'
import { TwirpError } from './twirp.js'

export interface StoredArtifact {
  artifactId: number
  runBackendId: string
  jobBackendId: string
  name: string
  /** File name the blob is served under: `<name>.zip`, or the raw file's own name. */
  fileName: string
  blobName: string
  mimeType: string
  /** Size the client reported when finalizing. */
  size?: number
  /** `sha256:<hex>` as the client reported it. */
  digest?: string
  finalized: boolean
  createdAt: Date
  expiresAt?: string
  version?: number
}

type JsonObject = Record<string, unknown>

// Characters the real service refuses in a name (the client checks the same set first).
const FORBIDDEN_NAME_CHARACTERS = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/']

function requireString(body: JsonObject, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '') {
    throw new TwirpError('invalid_argument', `${field} is required`)
  }
  return value
}

/** Wrapper types (google.protobuf.StringValue) travel as their bare value in JSON. */
function optionalWrapped(body: JsonObject, field: string): string | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'object' && 'value' in (value as JsonObject))
    return String((value as JsonObject)['value'])
  return String(value)
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

/** Artifact service (`github.actions.results.api.v1.ArtifactService`), run-scoped like the real one. */
export class ArtifactService {
  private readonly artifacts: StoredArtifact[] = []
  private nextArtifactId = 1000

  constructor(private readonly blobs: BlobStore) {}

  async handle(method: string, body: JsonObject, caller: RuntimeTokenClaims): Promise<JsonObject> {
    switch (method) {
      case 'CreateArtifact':
        return this.createArtifact(body, caller)
      case 'FinalizeArtifact':
        return this.finalizeArtifact(body, caller)
      case 'ListArtifacts':
        return this.listArtifacts(body, caller)
      case 'GetSignedArtifactURL':
        return this.getSignedArtifactURL(body, caller)
      case 'DeleteArtifact':
        return this.deleteArtifact(body, caller)
      default:
        throw new TwirpError(
          'bad_route',
          `no handler for path "/twirp/github.actions.results.api.v1.ArtifactService/${method}"`
        )
    }
  }

  list(runBackendId?: string): StoredArtifact[] {
    return this.artifacts
      .filter((a) => runBackendId === undefined || a.runBackendId === runBackendId)
      .map((a) => ({ ...a }))
  }

  private ensureCallerOwnsRun(body: JsonObject, caller: RuntimeTokenClaims): string {
    const runBackendId = requireString(body, 'workflow_run_backend_id')
    if (runBackendId !== caller.runBackendId) {
      throw new TwirpError('permission_denied', 'token is not scoped to this workflow run')
    }
    return runBackendId
  }

  private createArtifact(body: JsonObject, caller: RuntimeTokenClaims): JsonObject {
    const runBackendId = this.ensureCallerOwnsRun(body, caller)
    const jobBackendId = requireString(body, 'workflow_job_run_backend_id')
    if (jobBackendId !== caller.jobBackendId) {
      throw new TwirpError('permission_denied', 'token is not scoped to this workflow job')
    }
    const name = requireString(body, 'name')
    const badCharacter = FORBIDDEN_NAME_CHARACTERS.find((c) => name.includes(c))
    if (badCharacter !== undefined) {
      throw new TwirpError(
        'invalid_argument',
        `artifact name contains an invalid character: ${JSON.stringify(badCharacter)}`
      )
    }
    if (this.artifacts.some((a) => a.runBackendId === runBackendId && a.name === name)) {
      throw new TwirpError(
        'already_exists',
        'an artifact with this name already exists on the workflow run'
      )
    }
    const mimeType = optionalWrapped(body, 'mime_type') ?? 'application/zip'
    const artifactId = this.nextArtifactId++
    // A zipped upload is served as <name>.zip; a raw one (skipArchive) under its own name.
    const fileName = mimeType === 'application/zip' ? `${name}.zip` : name
    const artifact: StoredArtifact = {
      artifactId,
      runBackendId,
      jobBackendId,
      name,
      fileName,
      blobName: `${runBackendId}/${jobBackendId}/${artifactId}/${fileName}`,
      mimeType,
      finalized: false,
      createdAt: new Date(),
      expiresAt: typeof body['expires_at'] === 'string' ? body['expires_at'] : undefined,
      version: typeof body['version'] === 'number' ? body['version'] : undefined
    }
    this.artifacts.push(artifact)
    return {
      ok: true,
      signed_upload_url: this.blobs.signedUrl(ARTIFACT_CONTAINER, artifact.blobName, {
        permissions: 'write'
      })
    }
  }

  private async finalizeArtifact(
    body: JsonObject,
    caller: RuntimeTokenClaims
  ): Promise<JsonObject> {
    const runBackendId = this.ensureCallerOwnsRun(body, caller)
    const jobBackendId = requireString(body, 'workflow_job_run_backend_id')
    const name = requireString(body, 'name')
    const artifact = this.artifacts.find(
      (a) =>
        a.runBackendId === runBackendId &&
        a.jobBackendId === jobBackendId &&
        a.name === name &&
        !a.finalized
    )
    if (!artifact) throw new TwirpError('not_found', 'artifact not found')
    if (!(await this.blobs.properties(ARTIFACT_CONTAINER, artifact.blobName))) {
      throw new TwirpError('failed_precondition', 'artifact has no uploaded content')
    }
    artifact.size = Number(body['size'] ?? 0)
    artifact.digest = optionalWrapped(body, 'hash')
    artifact.finalized = true
    return { ok: true, artifact_id: String(artifact.artifactId) }
  }

  private listArtifacts(body: JsonObject, caller: RuntimeTokenClaims): JsonObject {
    const runBackendId = this.ensureCallerOwnsRun(body, caller)
    const nameFilter = optionalWrapped(body, 'name_filter')
    const idFilter = optionalWrapped(body, 'id_filter')
    const artifacts = this.artifacts
      .filter((a) => a.finalized && a.runBackendId === runBackendId)
      .filter((a) => nameFilter === undefined || a.name === nameFilter)
      .filter((a) => idFilter === undefined || String(a.artifactId) === idFilter)
      .map((a) => ({
        workflow_run_backend_id: a.runBackendId,
        workflow_job_run_backend_id: a.jobBackendId,
        database_id: String(a.artifactId),
        name: a.name,
        size: String(a.size ?? 0),
        created_at: a.createdAt.toISOString(),
        ...(a.digest ? { digest: a.digest } : {})
      }))
    return { artifacts }
  }

  private getSignedArtifactURL(body: JsonObject, caller: RuntimeTokenClaims): JsonObject {
    const runBackendId = this.ensureCallerOwnsRun(body, caller)
    const name = requireString(body, 'name')
    const artifact = this.artifacts.find(
      (a) => a.finalized && a.runBackendId === runBackendId && a.name === name
    )
    if (!artifact) throw new TwirpError('not_found', 'artifact not found')
    return {
      signed_url: this.blobs.signedUrl(ARTIFACT_CONTAINER, artifact.blobName, {
        permissions: 'read',
        contentDisposition: contentDisposition(artifact.fileName)
      })
    }
  }

  private async deleteArtifact(body: JsonObject, caller: RuntimeTokenClaims): Promise<JsonObject> {
    const runBackendId = this.ensureCallerOwnsRun(body, caller)
    const name = requireString(body, 'name')
    const index = this.artifacts.findIndex(
      (a) => a.finalized && a.runBackendId === runBackendId && a.name === name
    )
    const artifact = this.artifacts[index]
    if (!artifact) throw new TwirpError('not_found', 'artifact not found')
    this.artifacts.splice(index, 1)
    await this.blobs.delete(ARTIFACT_CONTAINER, artifact.blobName)
    return { ok: true, artifact_id: String(artifact.artifactId) }
  }
}
