/**
 * Inputs that configure Nix and the runner's secrets: the installer override, substituters,
 * trusted public keys, the cache signing key and secret lines. Secret values never appear
 * in an error.
 */
import { InputError, type InputReader, checkCommon, parseList, show } from './parse.js'

export interface NixInstallerOverride {
  version: string
  url: string
  sha256: string
}

const NIX_KEY_NAME = /^[A-Za-z0-9._-]+$/

export function parseNixInstaller(read: InputReader): NixInstallerOverride | null {
  const version = read('nix-version')
  const url = read('nix-installer-url')
  const sha256 = read('nix-installer-sha256')
  const given = [version, url, sha256].filter((v) => v !== '').length
  if (given === 0) return null
  if (given !== 3) {
    throw new InputError(
      'nix-version',
      'nix-version, nix-installer-url and nix-installer-sha256 go together: set all three to override the pinned Nix installer, or none'
    )
  }
  if (!/^\d+\.\d+(\.\d+)?$/.test(version)) {
    throw new InputError('nix-version', `nix-version must look like 2.24.10, got ${show(version)}`)
  }
  checkCommon('nix-installer-url', url, false)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError('nix-installer-url', `nix-installer-url is not a URL: ${show(url)}`)
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new InputError(
      'nix-installer-url',
      `nix-installer-url must be an https URL, got ${show(url)}`
    )
  }
  if (!/^[0-9a-f]{64}$/i.test(sha256)) {
    throw new InputError(
      'nix-installer-sha256',
      `nix-installer-sha256 must be 64 hexadecimal digits, got ${show(sha256)}`
    )
  }
  return { version, url, sha256: sha256.toLowerCase() }
}

export function parseSubstituters(value: string): string[] {
  return parseList('substituters', value, { spaces: true }).map((entry) => {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      throw new InputError(
        'substituters',
        `substituters entry ${show(entry)} is not a URL such as https://example.cachix.org`
      )
    }
    if (!['https:', 'http:', 'file:', 's3:', 'ssh:', 'ssh-ng:'].includes(url.protocol)) {
      throw new InputError(
        'substituters',
        `substituters entry ${show(entry)} has an unsupported scheme ${url.protocol}`
      )
    }
    return entry
  })
}

export function parsePublicKeys(value: string): string[] {
  return parseList('trusted-public-keys', value, { spaces: true }).map((entry) => {
    const [name, key] = entry.split(':')
    if (
      !name ||
      !key ||
      entry.split(':').length !== 2 ||
      !NIX_KEY_NAME.test(name) ||
      Buffer.from(key, 'base64').length !== 32
    ) {
      throw new InputError(
        'trusted-public-keys',
        `trusted-public-keys entry ${show(entry)} is not a Nix public key (name:base64 of 32 bytes)`
      )
    }
    return entry
  })
}

/** The signing key is a secret: its value never appears in an error. */
export function parseSigningKey(value: string): string {
  if (value === '') return ''
  const parts = value.split(':')
  const valid =
    parts.length === 2 &&
    NIX_KEY_NAME.test(parts[0] as string) &&
    /^[A-Za-z0-9+/]+={0,2}$/.test(parts[1] as string) &&
    Buffer.from(parts[1] as string, 'base64').length === 64
  if (!valid) {
    throw new InputError(
      'cache-signing-key',
      `cache-signing-key is not a Nix secret key (expected name:base64 of 64 bytes, as 'nix key generate-secret' writes; the value given has ${value.length} characters and is not shown)`
    )
  }
  return value
}

/** A secret is checked like any single-line value, but its value is never shown. */
export function parseSecretLine(input: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.length > 4096 || /[\u0000-\u001f\u007f\s]/.test(value)) {
    throw new InputError(
      input,
      `${input} has ${value.length} characters including spaces or control characters; the value is not shown`
    )
  }
  return value
}
