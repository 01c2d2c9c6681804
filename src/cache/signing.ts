/**
 * The binary cache's signing key: a Nix secret key `name:base64(64 bytes)`. It lives only in
 * a 0600 file under RUNNER_TEMP between the main and the post step, and is masked in logs.
 */
import * as core from '@actions/core'
import { mkdir, open, rm } from 'node:fs/promises'
import * as path from 'node:path'

export interface ParsedSecretKey {
  name: string
  /** The base64 part: the secret itself, which must be masked as well as the whole key. */
  secret: string
  bytes: Buffer
}

/** Parse a Nix ed25519 secret key, with an error that never repeats the key. */
export function parseSecretKey(text: string): ParsedSecretKey {
  const trimmed = text.trim()
  const colon = trimmed.indexOf(':')
  const name = colon > 0 ? trimmed.slice(0, colon) : ''
  const secret = colon > 0 ? trimmed.slice(colon + 1) : ''
  const bytes = Buffer.from(secret, 'base64')
  if (!name || /\s/.test(name) || !/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || bytes.length !== 64) {
    throw new Error(
      'The binary cache signing key is not a Nix secret key (`name:base64`, as `nix key generate-secret` writes it).'
    )
  }
  return { name, secret, bytes }
}

/**
 * The public key of a Nix secret key. An ed25519 secret key in Nix's format is the 32-byte seed
 * followed by the 32-byte public key, so no Nix call is needed.
 */
export function publicKeyOf(secretKey: string): string {
  const { name, bytes } = parseSecretKey(secretKey)
  return `${name}:${bytes.subarray(32).toString('base64')}`
}

/** Mask the key (whole and its secret part) in every later log line. */
export function maskSecretKey(secretKey: string): void {
  const { secret } = parseSecretKey(secretKey)
  core.setSecret(secretKey.trim())
  core.setSecret(secret)
}

/** The key file's place: under RUNNER_TEMP, outside the workspace. */
export function signingKeyFilePath(tempDir: string): string {
  return path.join(tempDir, 'static-cross', 'binary-cache-signing-key')
}

/** Write the key to a file created 0600 (never readable by others) and return its path. */
export async function writeSigningKeyFile(secretKey: string, tempDir: string): Promise<string> {
  maskSecretKey(secretKey)
  const file = signingKeyFilePath(tempDir)
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const handle = await open(file, 'w', 0o600)
  try {
    await handle.chmod(0o600)
    await handle.writeFile(secretKey.trim() + '\n', 'utf8')
  } finally {
    await handle.close()
  }
  return file
}

export async function removeSigningKeyFile(file: string | undefined): Promise<void> {
  if (file) await rm(file, { force: true })
}
