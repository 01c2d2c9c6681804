import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ArtifactService, type StoredArtifact } from './artifact-service.js'
import { startAzuriteBlob } from './azurite.js'
import { BlobStore } from './blob-store.js'
import { INSPECTION_HEADER, startBlobProxy } from './blob-proxy.js'
import { CacheService, type CacheEntry } from './cache-service.js'
import { CallLog, FaultRegistry } from './faults.js'
import { makeRuntimeToken } from './jwt.js'
import { startResultsServer } from './results-server.js'

/** One workflow run: jobs of the same run share its artifacts. */
export interface WorkflowRun {
  /** GITHUB_RUN_ID */
  runId: string
  /** The run's id in the results service (the token's `Actions.Results` scope). */
  runBackendId: string
  runNumber: number
  runAttempt: number
}

export interface StartServicesOptions {
  /** Parent for all temporary directories (Azurite data, job workspaces); os.tmpdir() by default. */
  tempRoot?: string
  /** Leave temporary directories behind on stop(), for debugging. */
  keepTemp?: boolean
}

export interface DownloadedArtifact {
  artifactId: number
  name: string
  /** The bytes the signed URL serves: the zip, or the raw file of a skipArchive upload. */
  bytes: Buffer
  /** `sha256:<hex>` the uploading client reported at finalize. */
  digest?: string
  size?: number
  contentType?: string
  contentDisposition?: string
}

export interface Services {
  /** ACTIONS_RESULTS_URL for jobs (loopback, trailing slash). */
  readonly resultsUrl: string
  /** Origin signed URLs point to (the faultable blob proxy). */
  readonly blobProxyUrl: string
  /** Azurite itself, for bookkeeping only. */
  readonly azuriteUrl: string
  readonly faults: FaultRegistry
  readonly calls: CallLog
  /** The run jobs join unless they are given another. */
  readonly defaultRun: WorkflowRun
  newRun(): WorkflowRun
  /** A token for a new job of the run, with its job backend id. */
  newJobToken(run: WorkflowRun): { jobBackendId: string; token: string }
  listCacheEntries(): CacheEntry[]
  readCacheArchive(key: string, version?: string): Promise<Buffer>
  clearCache(): Promise<void>
  /** Artifacts of one run, or of all runs; unfinalized uploads included (see `finalized`). */
  listArtifacts(run?: WorkflowRun): StoredArtifact[]
  /** Fetches an artifact as a later job would: GetSignedArtifactURL, then a GET of that URL. */
  downloadArtifact(name: string, options?: { run?: WorkflowRun }): Promise<DownloadedArtifact>
  /** A fresh directory removed on stop(). */
  makeTempDir(prefix: string): Promise<string>
  stop(): Promise<void>
}

let runCounter = 0

function createRun(): WorkflowRun {
  runCounter += 1
  return {
    runId: String(9_000_000_000 + process.pid * 1000 + runCounter),
    runBackendId: randomUUID(),
    runNumber: runCounter,
    runAttempt: 1
  }
}

/** Starts Azurite, the blob proxy and the results service, all on 127.0.0.1. */
export async function startServices(options: StartServicesOptions = {}): Promise<Services> {
  const tempRoot = options.tempRoot ?? os.tmpdir()
  const tempDirs: string[] = []
  const makeTempDir = async (prefix: string): Promise<string> => {
    const dir = await mkdtemp(path.join(tempRoot, prefix))
    tempDirs.push(dir)
    return dir
  }

  const faults = new FaultRegistry()
  const calls = new CallLog()
  const azurite = await startAzuriteBlob(await makeTempDir('azurite-'))
  const closers: Array<() => Promise<void>> = [azurite.stop]
  try {
    const proxy = await startBlobProxy(azurite.origin, faults, calls)
    closers.unshift(proxy.close)
    const blobs = new BlobStore(azurite.origin, proxy.origin)
    await blobs.createContainers()
    const cache = new CacheService(blobs)
    const artifact = new ArtifactService(blobs)
    const results = await startResultsServer({ cache, artifact, faults, calls })
    closers.unshift(results.close)

    const defaultRun = createRun()
    const newJobToken = (run: WorkflowRun): { jobBackendId: string; token: string } => {
      const jobBackendId = randomUUID()
      return {
        jobBackendId,
        token: makeRuntimeToken({ runBackendId: run.runBackendId, jobBackendId })
      }
    }

    const downloadArtifact = async (
      name: string,
      opts: { run?: WorkflowRun } = {}
    ): Promise<DownloadedArtifact> => {
      const run = opts.run ?? defaultRun
      const stored = artifact.list(run.runBackendId).find((a) => a.finalized && a.name === name)
      if (!stored) throw new Error(`no finalized artifact named ${name} in run ${run.runId}`)
      const { token } = newJobToken(run)
      const response = await fetch(
        new URL(
          'twirp/github.actions.results.api.v1.ArtifactService/GetSignedArtifactURL',
          results.url
        ),
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            [INSPECTION_HEADER]: '1'
          },
          body: JSON.stringify({
            workflow_run_backend_id: run.runBackendId,
            workflow_job_run_backend_id: stored.jobBackendId,
            name
          })
        }
      )
      const body = (await response.json()) as { signed_url?: string; msg?: string }
      if (!response.ok || !body.signed_url)
        throw new Error(`GetSignedArtifactURL failed: ${response.status} ${body.msg ?? ''}`)
      const blob = await fetch(body.signed_url, { headers: { [INSPECTION_HEADER]: '1' } })
      if (!blob.ok) throw new Error(`artifact blob download failed: ${blob.status}`)
      return {
        artifactId: stored.artifactId,
        name,
        bytes: Buffer.from(await blob.arrayBuffer()),
        digest: stored.digest,
        size: stored.size,
        contentType: blob.headers.get('content-type') ?? undefined,
        contentDisposition: blob.headers.get('content-disposition') ?? undefined
      }
    }

    let stopped = false
    return {
      resultsUrl: results.url,
      blobProxyUrl: proxy.origin,
      azuriteUrl: azurite.origin,
      faults,
      calls,
      defaultRun,
      newRun: createRun,
      newJobToken,
      listCacheEntries: () => cache.list(),
      readCacheArchive: (key, version) => cache.readArchive(key, version),
      clearCache: () => cache.deleteAll(),
      listArtifacts: (run) => artifact.list(run?.runBackendId),
      downloadArtifact,
      makeTempDir,
      stop: async () => {
        if (stopped) return
        stopped = true
        for (const close of closers) await close()
        if (!options.keepTemp) {
          for (const dir of tempDirs.reverse()) await rm(dir, { recursive: true, force: true })
        }
      }
    }
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined)
    throw error
  }
}
