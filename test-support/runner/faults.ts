/**
 * Fault injection and call accounting shared by the results service and the blob
 * proxy. A fault is matched against each incoming request in the order faults were
 * added; each match uses up one of its `times`.
 */

export type ServiceName = 'cache' | 'artifact' | 'blob'

export type CacheMethod =
  'CreateCacheEntry' | 'FinalizeCacheEntryUpload' | 'GetCacheEntryDownloadURL'
export type ArtifactMethod =
  | 'CreateArtifact'
  | 'FinalizeArtifact'
  | 'ListArtifacts'
  | 'GetSignedArtifactURL'
  | 'DeleteArtifact'
/** On the blob proxy a "method" is the HTTP verb. */
export type BlobMethod = 'GET' | 'PUT' | 'HEAD' | 'DELETE' | 'POST'

/** Which kind of blob a blob request touches, told by its container. */
export type BlobKind = 'cache' | 'artifact'

export interface FaultSpec {
  service: ServiceName
  /** Twirp method for cache/artifact, HTTP verb for blob; any when omitted. */
  method?: CacheMethod | ArtifactMethod | BlobMethod
  /** Blob faults only: restrict to cache archives or to artifacts. */
  blobKind?: BlobKind
  /** Artifact service faults only: restrict to requests for the artifact of this name. */
  artifactName?: string
  /** Answer with this status instead of serving the request. */
  status?: number
  /** Sent as a `Retry-After` header (seconds) with the status. */
  retryAfter?: number
  /** Wait this long before answering (or before serving, without a status). */
  delayMs?: number
  /** Serve the request but damage the response body (same length for blobs). */
  corruptBody?: boolean
  /** How many requests this fault affects; unlimited when omitted. */
  times?: number
  /** Error message in the body (Twirp `msg` or Azure `<Message>`). */
  message?: string
  /** Twirp code to send; derived from the status when omitted. */
  twirpCode?: string
  /** Azure error code (`x-ms-error-code`) for blob faults. */
  azureErrorCode?: string
}

export interface ActiveFault {
  readonly spec: Readonly<FaultSpec>
  /** Requests this fault has affected so far. */
  readonly hits: number
  /** Requests it will still affect (Infinity when unlimited). */
  readonly remaining: number
  remove(): void
}

export interface RequestDescription {
  service: ServiceName
  method: string
  blobKind?: BlobKind
  /** The `name` of an artifact service request. */
  artifactName?: string
}

class FaultEntry implements ActiveFault {
  hits = 0
  constructor(
    readonly spec: Readonly<FaultSpec>,
    private readonly registry: FaultRegistry
  ) {}

  get remaining(): number {
    return this.spec.times === undefined ? Infinity : Math.max(0, this.spec.times - this.hits)
  }

  remove(): void {
    this.registry.remove(this)
  }
}

export class FaultRegistry {
  private entries: FaultEntry[] = []

  add(spec: FaultSpec): ActiveFault {
    if (spec.status === undefined && spec.delayMs === undefined && !spec.corruptBody) {
      throw new Error('a fault needs a status, a delayMs or corruptBody')
    }
    if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) {
      throw new Error(`fault times must be a positive integer, got ${spec.times}`)
    }
    const entry = new FaultEntry({ ...spec }, this)
    this.entries.push(entry)
    return entry
  }

  remove(fault: ActiveFault): void {
    this.entries = this.entries.filter((entry) => entry !== fault)
  }

  clear(): void {
    this.entries = []
  }

  list(): ActiveFault[] {
    return [...this.entries]
  }

  /** Finds the fault for a request and uses up one of its times. */
  take(request: RequestDescription): Readonly<FaultSpec> | undefined {
    const entry = this.entries.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.spec.service === request.service &&
        (candidate.spec.method === undefined || candidate.spec.method === request.method) &&
        (candidate.spec.blobKind === undefined || candidate.spec.blobKind === request.blobKind) &&
        (candidate.spec.artifactName === undefined ||
          candidate.spec.artifactName === request.artifactName)
    )
    if (!entry) return undefined
    entry.hits += 1
    return entry.spec
  }
}

/**
 * What the artifact service answers when the account's artifact storage is full:
 * 403 with a message containing "insufficient usage", which `@actions/artifact`
 * turns into its `UsageError` ("Artifact storage quota has been hit...") without retrying.
 */
export function artifactStorageQuotaFault(times?: number, artifactName?: string): FaultSpec {
  return {
    service: 'artifact',
    method: 'CreateArtifact',
    status: 403,
    twirpCode: 'permission_denied',
    message: 'insufficient usage to create artifact',
    times,
    artifactName
  }
}

export interface CallRecord {
  service: ServiceName
  method: string
  status: number
  faulted: boolean
  blobKind?: BlobKind
  at: number
}

/** Every request the action's clients made, faulted ones included. */
export class CallLog {
  readonly records: CallRecord[] = []

  record(call: Omit<CallRecord, 'at'>): void {
    this.records.push({ ...call, at: Date.now() })
  }

  /** Number of calls to a service, or to one of its methods. */
  count(service: ServiceName, method?: string): number {
    return this.records.filter(
      (r) => r.service === service && (method === undefined || r.method === method)
    ).length
  }

  byMethod(service: ServiceName): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const r of this.records) {
      if (r.service === service) counts[r.method] = (counts[r.method] ?? 0) + 1
    }
    return counts
  }

  reset(): void {
    this.records.length = 0
  }
}
