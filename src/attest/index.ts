/**
 * Build-provenance attestations (SLSA v1, through @actions/attest) for the step's archives.
 * The subjects are read back from the step's SHA256SUMS file, so what is attested is exactly
 * what that file lists. Without the job permissions (no OIDC token: `id-token: write` missing,
 * or a pull request from a fork; a 403 from the attestations API: `attestations: write`
 * missing) the step stays green with one warning that says what to add.
 */
import * as core from '@actions/core'
import { attestProvenance, type Attestation, type Subject } from '@actions/attest'
import { readFile } from 'node:fs/promises'
import { parseSha256Sums } from '../publish/checksums.js'
import { isForkPullRequest } from '../pipeline/skipped-features.js'

export const PERMISSIONS_HINT =
  'give the job `permissions: { id-token: write, attestations: write, contents: read }`; pull requests from forks never get them'

/** The subjects for these archive files: their SHA256SUMS lines, names and digests as written. */
export function subjectsFromSha256Sums(text: string, archives: readonly string[]): Subject[] {
  const wanted = new Set(archives)
  const subjects = parseSha256Sums(text)
    .filter((e) => wanted.has(e.name))
    .map((e) => ({ name: e.name, digest: { sha256: e.sha256 } }))
  const missing = archives.filter((a) => !subjects.some((s) => s.name === a))
  if (missing.length > 0) throw new Error(`SHA256SUMS does not list ${missing.join(', ')}`)
  return subjects
}

/** Why this job cannot attest, or null when it can ask for an OIDC token. */
export function missingAttestPermission(env: NodeJS.ProcessEnv): string | null {
  if (isForkPullRequest(env))
    return 'this is a pull request from a fork, which gets no OIDC token and no attestations permission'
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    return 'this job cannot request an OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set: the id-token: write permission is missing)'
  return null
}

export interface AttestOutcome {
  status: 'attested' | 'skipped' | 'failed'
  subjects: Subject[]
  attestationId: string | null
  /** The Rekor log index when the bundle went to the public-good log. */
  tlogId: string | null
  error: string | null
}

type AttestProvenance = (options: {
  subjects: Subject[]
  token: string
}) => Promise<Pick<Attestation, 'attestationID' | 'tlogID'>>

export async function attestArchives(
  options: { sumsPath: string; archives: readonly string[]; token: string },
  env: NodeJS.ProcessEnv = process.env,
  provenance: AttestProvenance = attestProvenance
): Promise<AttestOutcome> {
  const subjects = subjectsFromSha256Sums(
    await readFile(options.sumsPath, 'utf8'),
    options.archives
  )
  const outcome = (status: AttestOutcome['status'], error: string | null): AttestOutcome => ({
    status,
    subjects,
    attestationId: null,
    tlogId: null,
    error
  })
  const missing = missingAttestPermission(env)
  if (missing) {
    core.warning(`attest: true, but ${missing}. No attestation was made: ${PERMISSIONS_HINT}.`, {
      title: 'static-cross: no provenance attestation'
    })
    return outcome('skipped', missing)
  }
  try {
    const attestation = await provenance({ subjects, token: options.token })
    core.info(
      `attested the provenance of ${subjects.length} archive(s)${attestation.attestationID ? `: attestation ${attestation.attestationID}` : ''}`
    )
    return {
      ...outcome('attested', null),
      attestationId: attestation.attestationID ?? null,
      tlogId: attestation.tlogID ?? null
    }
  } catch (error) {
    const message = (error as Error).message
    if (/\b403\b|Resource not accessible by integration/i.test(message)) {
      core.warning(
        `attest: true, but the attestations API refused this job (${message}). No attestation was made: ${PERMISSIONS_HINT}.`,
        { title: 'static-cross: no provenance attestation' }
      )
      return outcome('skipped', message)
    }
    return outcome('failed', `provenance attestation failed: ${message}`)
  }
}
