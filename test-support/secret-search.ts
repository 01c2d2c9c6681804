/**
 * Searches what a run produced for a secret: its raw bytes and the encodings it could leak in
 * (base64, base64url, URL-encoding; for a Nix key also its key bytes decoded from base64).
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export function secretForms(secret: string): Buffer[] {
  const forms = new Set<string>([
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret)
  ])
  const buffers = [...forms].map((form) => Buffer.from(form))
  // name:base64 keys: the key material alone, as text and as bytes.
  const material = secret.includes(':') ? secret.slice(secret.indexOf(':') + 1) : ''
  if (material.length >= 16) {
    buffers.push(Buffer.from(material), Buffer.from(encodeURIComponent(material)))
    const bytes = Buffer.from(material, 'base64')
    if (bytes.length >= 16) buffers.push(bytes)
  }
  return buffers
}

/** Where (by label) any form of the secret occurs. */
export function findSecret(secret: string, places: Record<string, Buffer | string>): string[] {
  const forms = secretForms(secret)
  return Object.entries(places)
    .filter(([, content]) => {
      const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content)
      return forms.some((form) => bytes.includes(form))
    })
    .map(([label]) => label)
}

/** Every regular file under a directory, by path, for `findSecret`. */
export function filesUnder(
  dir: string,
  skip: (path: string) => boolean = () => false
): Record<string, Buffer> {
  const files: Record<string, Buffer> = {}
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name)
      if (skip(full)) continue
      const stat = lstatSync(full)
      if (stat.isDirectory()) walk(full)
      else if (stat.isFile()) files[full] = readFileSync(full)
    }
  }
  walk(dir)
  return files
}

/** A step's raw output without the `::add-mask::` commands that hand secrets to the runner. */
export function withoutMaskCommands(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
}
