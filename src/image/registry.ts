/**
 * A small OCI distribution client over fetch: HEAD/POST/PUT blobs with a monolithic upload, PUT
 * manifests, and the token flow registries answer a 401 with (Bearer from `WWW-Authenticate`,
 * or Basic). Written here because the npm clients for the distribution API are unmaintained
 * CommonJS packages (docker-registry-client, oci-registry-client) that pull in their own HTTP
 * stacks; the handful of requests a push needs fit in this file. Never a Docker daemon.
 */
import type { BuiltImage } from './build.js'
import { MEDIA_TYPES } from './oci.js'

export interface ImageReference {
  /** host[:port], e.g. `ghcr.io`, `127.0.0.1:5000`. */
  registry: string
  repository: string
  tag: string
}

export interface Credentials {
  username: string
  password: string
}

const REFERENCE =
  /^([A-Za-z0-9.-]+(?::[0-9]{1,5})?)\/([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/

/** `ghcr.io/owner/name:tag`; the registry host is required, so nothing goes to Docker Hub by surprise. */
export function parseImageReference(value: string): ImageReference | null {
  const m = REFERENCE.exec(value)
  if (!m || (!m[1]!.includes('.') && !m[1]!.includes(':') && m[1] !== 'localhost')) return null
  return { registry: m[1]!, repository: m[2]!, tag: m[3]! }
}

/** Loopback registries speak plain HTTP (as Docker allows for them); every other one HTTPS. */
function baseUrl(registry: string): string {
  const host = registry.replace(/:[0-9]+$/, '')
  const loopback = host === 'localhost' || host === '127.0.0.1' || host === '[::1]'
  return `${loopback ? 'http' : 'https'}://${registry}`
}

export class RegistryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryError'
  }
}

function authParams(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(' ', 1)[0]!.toLowerCase()
  const params: Record<string, string> = {}
  for (const m of header.slice(scheme.length).matchAll(/([a-z_]+)="([^"]*)"/gi))
    params[m[1]!.toLowerCase()] = m[2]!
  return { scheme, params }
}

export class RegistryClient {
  private authorization: string | null = null
  private readonly base: string

  constructor(
    private readonly registry: string,
    private readonly repository: string,
    private readonly credentials: Credentials | null
  ) {
    this.base = baseUrl(registry)
  }

  private basic(): string | null {
    if (!this.credentials) return null
    const { username, password } = this.credentials
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
  }

  /** Answer a 401 challenge once: fetch a Bearer token, or use Basic credentials. */
  private async authenticate(challenge: string, step: string): Promise<void> {
    const { scheme, params } = authParams(challenge)
    if (scheme === 'basic') {
      this.authorization = this.basic()
      if (!this.authorization)
        throw new RegistryError(
          `${this.registry} asks for credentials (${step}) and none were given`
        )
      return
    }
    if (scheme !== 'bearer' || !params.realm)
      throw new RegistryError(
        `${this.registry} answered ${step} with an unknown challenge: ${challenge}`
      )
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', `repository:${this.repository}:pull,push`)
    const basic = this.basic()
    const response = await fetch(url, { headers: basic ? { authorization: basic } : {} })
    if (!response.ok)
      throw new RegistryError(
        `${this.registry} refused a token for ${this.repository} (${step}): HTTP ${response.status} from ${url.origin}${url.pathname}; check the credentials and that they may push to ${this.repository}`
      )
    const body = (await response.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw new RegistryError(`${this.registry}'s token service sent no token (${step})`)
    this.authorization = `Bearer ${token}`
  }

  private async request(
    method: string,
    url: string,
    step: string,
    init: { body?: Buffer; headers?: Record<string, string> } = {}
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const headers = {
        ...init.headers,
        ...(this.authorization ? { authorization: this.authorization } : {})
      }
      let response: Response
      try {
        response = await fetch(url.startsWith('http') ? url : `${this.base}${url}`, {
          method,
          headers,
          body: init.body,
          redirect: 'follow'
        })
      } catch (error) {
        const cause = (error as { cause?: { message?: string } }).cause?.message
        throw new RegistryError(
          `cannot reach ${this.registry} (${step}): ${cause ?? (error as Error).message}`
        )
      }
      const challenge = response.headers.get('www-authenticate')
      if (response.status === 401 && attempt === 0 && challenge) {
        await response.body?.cancel()
        await this.authenticate(challenge, step)
        continue
      }
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel()
        throw new RegistryError(
          `${this.registry} denied ${step}: HTTP ${response.status}; check the credentials and that they may push to ${this.repository}`
        )
      }
      return response
    }
  }

  private async expect(response: Response, statuses: number[], step: string): Promise<void> {
    if (statuses.includes(response.status)) return
    const text = (await response.text()).slice(0, 300)
    throw new RegistryError(`${this.registry} rejected ${step}: HTTP ${response.status} ${text}`)
  }

  async pushBlob(digest: string, bytes: Buffer): Promise<void> {
    const step = `the blob ${digest}`
    const path = `/v2/${this.repository}/blobs/${digest}`
    const head = await this.request('HEAD', path, `checking ${step}`)
    if (head.status === 200) return
    const start = await this.request(
      'POST',
      `/v2/${this.repository}/blobs/uploads/`,
      `starting the upload of ${step}`
    )
    await this.expect(start, [202], `starting the upload of ${step}`)
    const location = start.headers.get('location')
    if (!location) throw new RegistryError(`${this.registry} gave no upload location for ${step}`)
    const url = new URL(location, this.base)
    url.searchParams.set('digest', digest)
    const put = await this.request('PUT', url.toString(), `uploading ${step}`, {
      body: bytes,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length)
      }
    })
    await this.expect(put, [201], `uploading ${step}`)
  }

  async putManifest(reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    const step = `the manifest ${reference}`
    const put = await this.request(
      'PUT',
      `/v2/${this.repository}/manifests/${reference}`,
      `pushing ${step}`,
      {
        body: bytes,
        headers: { 'content-type': mediaType }
      }
    )
    await this.expect(put, [201], `pushing ${step}`)
  }
}

/** Push every blob, each platform's manifest, then the index under the reference's tag. */
export async function pushImage(
  image: BuiltImage,
  reference: ImageReference,
  credentials: Credentials | null
): Promise<void> {
  const client = new RegistryClient(reference.registry, reference.repository, credentials)
  for (const platform of image.images) {
    await client.pushBlob(platform.layer.descriptor.digest, platform.layer.bytes)
    await client.pushBlob(platform.config.descriptor.digest, platform.config.bytes)
    await client.putManifest(
      platform.manifest.descriptor.digest,
      MEDIA_TYPES.manifest,
      platform.manifest.bytes
    )
  }
  await client.putManifest(reference.tag, MEDIA_TYPES.index, image.index.bytes)
}
