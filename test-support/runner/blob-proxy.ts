import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ARTIFACT_CONTAINER, CACHE_CONTAINER } from './blob-store.js'
import type { BlobKind, CallLog, FaultRegistry, FaultSpec } from './faults.js'

/** Header the services' own inspection requests carry so they are neither faulted nor counted. */
export const INSPECTION_HEADER = 'x-local-runner-inspection'

export interface BlobProxy {
  origin: string
  close(): Promise<void>
}

function blobKindOf(urlPath: string): BlobKind | undefined {
  const container = urlPath.split('/')[2]
  if (container === CACHE_CONTAINER) return 'cache'
  if (container === ARTIFACT_CONTAINER) return 'artifact'
  return undefined
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Flips every byte so the length stays right but the content is garbage. */
function corrupt(body: Buffer): Buffer {
  const damaged = Buffer.from(body)
  for (let i = 0; i < damaged.length; i++) damaged[i] = (damaged[i] ?? 0) ^ 0xff
  return damaged
}

function azureErrorCodeFor(status: number): string {
  switch (status) {
    case 403:
      return 'AuthenticationFailed'
    case 404:
      return 'BlobNotFound'
    case 409:
      return 'BlobAlreadyExists'
    case 429:
    case 503:
      return 'ServerBusy'
    default:
      return 'InternalError'
  }
}

function sendAzureError(
  res: http.ServerResponse,
  fault: Readonly<FaultSpec>,
  status: number
): void {
  const code = fault.azureErrorCode ?? azureErrorCodeFor(status)
  const message = fault.message ?? `Injected fault: ${status}`
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-ms-error-code': code
  }
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
  res.writeHead(status, headers)
  res.end(body)
}

/**
 * A loopback HTTP proxy in front of Azurite. Signed URLs point here, so blob traffic
 * can be counted and faulted exactly like the Twirp services.
 */
export async function startBlobProxy(
  azuriteOrigin: string,
  faults: FaultRegistry,
  calls: CallLog
): Promise<BlobProxy> {
  const target = new URL(azuriteOrigin)

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(`blob proxy error: ${(error as Error).message}`)
    })
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    const urlPath = new URL(req.url ?? '/', 'http://proxy').pathname
    const blobKind = blobKindOf(urlPath)
    const inspection = req.headers[INSPECTION_HEADER] !== undefined
    const fault = inspection ? undefined : faults.take({ service: 'blob', method, blobKind })

    if (fault?.delayMs) await delay(fault.delayMs)
    if (fault?.status !== undefined) {
      req.resume()
      await new Promise((resolve) => req.once('end', resolve))
      if (!inspection)
        calls.record({ service: 'blob', method, status: fault.status, faulted: true, blobKind })
      sendAzureError(res, fault, fault.status)
      return
    }

    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host }
    delete headers[INSPECTION_HEADER]
    const upstream = http.request({
      host: target.hostname,
      port: target.port,
      method,
      path: req.url,
      headers
    })
    req.pipe(upstream)
    const upstreamRes = await new Promise<http.IncomingMessage>((resolve, reject) => {
      upstream.once('response', resolve)
      upstream.once('error', reject)
    })
    const status = upstreamRes.statusCode ?? 502
    if (!inspection)
      calls.record({ service: 'blob', method, status, faulted: fault !== undefined, blobKind })

    if (fault?.corruptBody) {
      const chunks: Buffer[] = []
      for await (const chunk of upstreamRes) chunks.push(chunk as Buffer)
      res.writeHead(status, upstreamRes.headers)
      res.end(corrupt(Buffer.concat(chunks)))
      return
    }
    res.writeHead(status, upstreamRes.headers)
    upstreamRes.pipe(res)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
