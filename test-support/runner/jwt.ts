/**
 * The runtime token a runner hands to a job. The real one is signed by the Actions
 * service; the clients only decode it (jwt-decode, no signature check) to find the
 * `Actions.Results:<runBackendId>:<jobBackendId>` scope, so an unsigned JWT with the
 * same claims is enough for them and for our services.
 */

export interface RuntimeTokenClaims {
  runBackendId: string
  jobBackendId: string
}

const RESULTS_SCOPE = 'Actions.Results'

function base64Url(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url')
}

export function makeRuntimeToken(
  claims: RuntimeTokenClaims,
  cacheScopeRef = 'refs/heads/main'
): string {
  const nowSeconds = Math.floor(Date.now() / 1000)
  const header = { typ: 'JWT', alg: 'none' }
  const payload = {
    // Real tokens carry other scopes too; the clients pick the Results one out of the list.
    scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 ${RESULTS_SCOPE}:${claims.runBackendId}:${claims.jobBackendId}`,
    // Cache scopes as the real token lists them (read/write on the job's ref).
    ac: JSON.stringify([{ Scope: cacheScopeRef, Permission: 3 }]),
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'vso:local-runner',
    nbf: nowSeconds - 60,
    iat: nowSeconds - 60,
    exp: nowSeconds + 6 * 3600
  }
  return `${base64Url(header)}.${base64Url(payload)}.`
}

/** Reads the Results scope back out of a bearer token; undefined when it has none. */
export function readRuntimeToken(token: string): RuntimeTokenClaims | undefined {
  const payloadPart = token.split('.')[1]
  if (!payloadPart) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  const scp = (payload as { scp?: unknown }).scp
  if (typeof scp !== 'string') return undefined
  for (const scope of scp.split(' ')) {
    const parts = scope.split(':')
    if (parts[0] === RESULTS_SCOPE && parts.length === 3 && parts[1] && parts[2]) {
      return { runBackendId: parts[1], jobBackendId: parts[2] }
    }
  }
  return undefined
}
