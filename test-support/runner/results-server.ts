import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ArtifactService } from './artifact-service.js'
import { INSPECTION_HEADER } from './blob-proxy.js'
import type { CacheService } from './cache-service.js'
import type { CallLog, FaultRegistry, FaultSpec, ServiceName } from './faults.js'
import { readRuntimeToken, type RuntimeTokenClaims } from './jwt.js'
import { TwirpError, twirpCodeForStatus, type TwirpCode } from './twirp.js'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.'
const SERVICE_OF_TWIRP_NAME: Record<string, ServiceName> = {
  CacheService: 'cache',
  ArtifactService: 'artifact'
}

export interface ResultsServer {
  /** Origin with a trailing slash, as runners set ACTIONS_RESULTS_URL. */
  url: string
  close(): Promise<void>
}

interface Handlers {
  cache: CacheService
  artifact: ArtifactService
  faults: FaultRegistry
  calls: CallLog
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: http.OutgoingHttpHeaders = {}
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...extraHeaders
  })
  res.end(text)
}

function sendTwirpError(
  res: http.ServerResponse,
  error: TwirpError,
  extraHeaders: http.OutgoingHttpHeaders = {}
): number {
  sendJson(res, error.status, error.toJSON(), extraHeaders)
  return error.status
}

function faultError(fault: Readonly<FaultSpec>, status: number): TwirpError {
  const code = (fault.twirpCode as TwirpCode | undefined) ?? twirpCodeForStatus(status)
  return new TwirpError(code, fault.message ?? `injected fault: ${status}`, status)
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The artifact a request names, for faults aimed at one artifact; undefined when none. */
function artifactNameOf(text: string): string | undefined {
  try {
    const name: unknown = (JSON.parse(text) as Record<string, unknown>)?.name
    return typeof name === 'string' ? name : undefined
  } catch {
    return undefined
  }
}

function parseJsonBody(text: string): Record<string, unknown> {
  if (text === '') return {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>
  } catch {
    // fall through to the malformed error below
  }
  throw new TwirpError('malformed', 'the request body could not be decoded as JSON')
}

/**
 * The results service on loopback: Twirp JSON routing, bearer-token scope, call
 * accounting and fault injection in front of the cache and artifact services.
 */
export async function startResultsServer(handlers: Handlers): Promise<ResultsServer> {
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error) => {
      if (!res.headersSent)
        sendTwirpError(res, new TwirpError('internal', (error as Error).message))
      else res.end()
    })
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const urlPath = new URL(req.url ?? '/', 'http://results').pathname
    const inspection = req.headers[INSPECTION_HEADER] !== undefined
    const [twirpService, method = ''] = urlPath.startsWith(TWIRP_PREFIX)
      ? urlPath.slice(TWIRP_PREFIX.length).split('/')
      : []
    const service = twirpService ? SERVICE_OF_TWIRP_NAME[twirpService] : undefined
    if (req.method !== 'POST' || !service) {
      req.resume()
      sendTwirpError(res, new TwirpError('bad_route', `no handler for ${req.method} ${urlPath}`))
      return
    }
    const record = (status: number, faulted: boolean): void => {
      if (!inspection) handlers.calls.record({ service, method, status, faulted })
    }

    const text = await readBody(req)
    const fault = inspection
      ? undefined
      : handlers.faults.take({ service, method, artifactName: artifactNameOf(text) })
    if (fault?.delayMs) await delay(fault.delayMs)
    if (fault?.status !== undefined) {
      req.resume()
      const headers =
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}
      record(sendTwirpError(res, faultError(fault, fault.status), headers), true)
      return
    }

    let response: Record<string, unknown>
    try {
      const caller = authenticate(req)
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw new TwirpError(
          'bad_route',
          `unexpected Content-Type: ${req.headers['content-type'] ?? ''}`
        )
      }
      const body = parseJsonBody(text)
      response =
        service === 'cache'
          ? await handlers.cache.handle(method, body, caller)
          : await handlers.artifact.handle(method, body, caller)
    } catch (error) {
      req.resume()
      const twirpError =
        error instanceof TwirpError ? error : new TwirpError('internal', (error as Error).message)
      record(sendTwirpError(res, twirpError), fault !== undefined)
      return
    }

    if (fault?.corruptBody) {
      // A body cut short, as a dropped connection behind a proxy leaves it.
      const text = JSON.stringify(response)
      const truncated = text.slice(0, Math.max(1, Math.floor(text.length / 2)))
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(truncated)
      })
      res.end(truncated)
      record(200, true)
      return
    }
    sendJson(res, 200, response)
    record(200, fault !== undefined)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function authenticate(req: http.IncomingMessage): RuntimeTokenClaims {
  const header = req.headers['authorization'] ?? ''
  const match = /^Bearer (.+)$/.exec(header)
  const claims = match?.[1] ? readRuntimeToken(match[1]) : undefined
  if (!claims) throw new TwirpError('unauthenticated', 'missing or invalid runtime token')
  return claims
}
