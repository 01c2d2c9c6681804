/**
 * Provenance: subjects come from SHA256SUMS byte for byte; the SLSA predicate is built by the
 * real @actions/attest against a loopback OIDC issuer (token endpoint, discovery and JWKS, the
 * token signed with a fresh key); missing permissions give one warning. Fulcio, Rekor and
 * GitHub's attestations API are not reachable, so the signing call itself is a stand-in
 * function here that records what the action passes.
 */
import { buildSLSAProvenancePredicate } from '@actions/attest'
import { jest } from '@jest/globals'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  attestArchives,
  missingAttestPermission,
  subjectsFromSha256Sums
} from '../../../src/attest/index.js'
import { writeSha256Sums } from '../../../src/publish/checksums.js'

function artifactsDir(): { dir: string; sums: string; archives: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'attest-'))
  const archives = ['hello-1-linux-static-aarch64.tar.xz', 'hello-1-linux-static-x86-64.tar.xz']
  for (const [i, name] of archives.entries()) writeFileSync(join(dir, name), `archive ${i}`)
  writeFileSync(join(dir, 'hello-1-linux-static-x86-64.cdx.json'), '{}')
  return { dir, sums: join(dir, 'SUMS'), archives }
}

test('subjects are the archives of SHA256SUMS, byte for byte, and nothing else', async () => {
  const { dir, sums, archives } = artifactsDir()
  await writeSha256Sums(
    [...archives, 'hello-1-linux-static-x86-64.cdx.json'].map((a) => join(dir, a)),
    { outPath: sums }
  )
  const text = readFileSync(sums, 'utf8')
  const subjects = subjectsFromSha256Sums(text, archives)
  expect(subjects.map((s) => s.name)).toEqual(archives)
  const lines = subjects.map((s) => `${s.digest.sha256}  ${s.name}\n`).join('')
  expect(
    text
      .split(/(?<=\n)/)
      .filter((l) => l.endsWith('.tar.xz\n'))
      .join('')
  ).toBe(lines)
  expect(() => subjectsFromSha256Sums(text, ['other.tar.xz'])).toThrow(/does not list other/)
})

describe('permissions', () => {
  const withToken = {
    ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1/token',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x'
  }

  test('no OIDC token request URL: id-token: write is missing', () => {
    expect(missingAttestPermission({})).toMatch(/id-token: write permission is missing/)
    expect(missingAttestPermission(withToken)).toBeNull()
  })

  test('a pull request from a fork never attests', () => {
    const event = join(mkdtempSync(join(tmpdir(), 'event-')), 'event.json')
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          head: { repo: { fork: true, full_name: 'someone/x' } },
          base: { repo: { full_name: 'postgrest/x' } }
        }
      })
    )
    expect(
      missingAttestPermission({
        ...withToken,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event
      })
    ).toMatch(/pull request from a fork/)
  })

  test('missing permissions: one warning, skipped, and the signing call is never made', async () => {
    const { dir, sums, archives } = artifactsDir()
    await writeSha256Sums(
      archives.map((a) => join(dir, a)),
      { outPath: sums }
    )
    const writes: string[] = []
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk))
      return true
    })
    const provenance = jest.fn(async () => ({ attestationID: '1', tlogID: undefined }))
    try {
      const outcome = await attestArchives({ sumsPath: sums, archives, token: 't' }, {}, provenance)
      expect(outcome.status).toBe('skipped')
    } finally {
      spy.mockRestore()
    }
    expect(provenance).not.toHaveBeenCalled()
    const warnings = writes.filter((w) => w.startsWith('::warning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/id-token: write, attestations: write/)
  })

  test('with a token: the subjects and the github-token go to the attestation call; a 403 is a warning', async () => {
    const { dir, sums, archives } = artifactsDir()
    await writeSha256Sums(
      archives.map((a) => join(dir, a)),
      { outPath: sums }
    )
    const provenance = jest.fn(async () => ({ attestationID: '42', tlogID: undefined }))
    const ok = await attestArchives(
      { sumsPath: sums, archives, token: 'tok' },
      withToken,
      provenance
    )
    expect(ok).toMatchObject({ status: 'attested', attestationId: '42' })
    expect(provenance).toHaveBeenCalledWith({ subjects: ok.subjects, token: 'tok' })
    const refused = jest.fn(async () => {
      throw new Error('Failed to persist attestation: Resource not accessible by integration - 403')
    })
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(
        (await attestArchives({ sumsPath: sums, archives, token: 'tok' }, withToken, refused))
          .status
      ).toBe('skipped')
      const broken = jest.fn(async () => {
        throw new Error('fulcio: connect ECONNREFUSED')
      })
      expect(
        await attestArchives({ sumsPath: sums, archives, token: 'tok' }, withToken, broken)
      ).toMatchObject({ status: 'failed', error: expect.stringMatching(/ECONNREFUSED/) })
    } finally {
      spy.mockRestore()
    }
  })
})

describe('the SLSA predicate from the real library, against a loopback OIDC issuer', () => {
  let server: Server
  let issuer = ''
  const saved = { ...process.env }
  const claims = {
    ref: 'refs/tags/v1.0.0',
    sha: '0123456789abcdef0123456789abcdef01234567',
    repository: 'postgrest/postgrest',
    event_name: 'push',
    job_workflow_ref: 'postgrest/postgrest/.github/workflows/release.yml@refs/tags/v1.0.0',
    workflow_ref: 'postgrest/postgrest/.github/workflows/release.yml@refs/tags/v1.0.0',
    repository_id: '1',
    repository_owner_id: '2',
    runner_environment: 'github-hosted',
    run_id: '100',
    run_attempt: '1'
  }
  const audiences: string[] = []

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256', use: 'sig' }
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', issuer)
      const json = (body: unknown) => {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(body))
      }
      if (url.pathname === '/.well-known/openid-configuration')
        return json({ issuer, jwks_uri: `${issuer}/jwks` })
      if (url.pathname === '/jwks') return json({ keys: [jwk] })
      if (url.pathname === '/token') {
        const audience = url.searchParams.get('audience') ?? ''
        audiences.push(audience)
        void new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'k' })
          .setIssuer(issuer)
          .setAudience(audience)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey)
          .then((value) => json({ value }))
        return
      }
      res.statusCode = 404
      res.end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = `${issuer}/token?api-version=2.0`
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'request-token'
    process.env.GITHUB_SERVER_URL = 'https://github.com'
  })
  afterAll(async () => {
    process.env = saved
    await new Promise((r) => server.close(r))
  })

  test('names the workflow, the commit and the run, as GitHub verifies them', async () => {
    const predicate = await buildSLSAProvenancePredicate(issuer)
    expect(audiences).toEqual(['nobody'])
    expect(predicate.type).toBe('https://slsa.dev/provenance/v1')
    expect(predicate.params).toMatchObject({
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {
          workflow: {
            ref: 'refs/tags/v1.0.0',
            repository: 'https://github.com/postgrest/postgrest',
            path: '.github/workflows/release.yml'
          }
        },
        resolvedDependencies: [
          {
            uri: 'git+https://github.com/postgrest/postgrest@refs/tags/v1.0.0',
            digest: { gitCommit: claims.sha }
          }
        ]
      },
      runDetails: {
        builder: {
          id: 'https://github.com/postgrest/postgrest/.github/workflows/release.yml@refs/tags/v1.0.0'
        },
        metadata: {
          invocationId: 'https://github.com/postgrest/postgrest/actions/runs/100/attempts/1'
        }
      }
    })
  })
})
