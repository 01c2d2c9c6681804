/**
 * SHA-256 checksums of published files, and a SHA256SUMS file that `sha256sum -c` accepts.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { writeFileWhole } from './write-whole.js'

export const SHA256SUMS = 'SHA256SUMS'

/** Hex SHA-256 of a file, read as a stream (executables can be large). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

/** Hex SHA-256 of bytes already in memory. */
export function sha256Of(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export interface ChecksumEntry {
  /** Name as written in SHA256SUMS: relative to the directory that holds it. */
  name: string
  sha256: string
}

/**
 * The text of a SHA256SUMS file: `<hex>  <name>` per line (two spaces: sha256sum's text mode,
 * which is what `sha256sum` itself writes on Linux), sorted by name.
 */
export function formatSha256Sums(entries: readonly ChecksumEntry[]): string {
  const sorted = [...entries].sort((a, b) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))
  )
  const lines = sorted.map((e) => {
    if (!/^[0-9a-f]{64}$/.test(e.sha256))
      throw new Error(`not a SHA-256 hex digest for ${e.name}: ${e.sha256}`)
    // sha256sum escapes these with a leading backslash; our names never need them, so refuse.
    if (e.name === '' || /[\\\r\n]/.test(e.name)) {
      throw new Error(`file name ${JSON.stringify(e.name)} cannot be listed in ${SHA256SUMS}`)
    }
    return `${e.sha256}  ${e.name}\n`
  })
  return lines.join('')
}

/** Parse SHA256SUMS text (text or binary mode lines) back into entries. */
export function parseSha256Sums(text: string): ChecksumEntry[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line)
      if (!m) throw new Error(`not a ${SHA256SUMS} line: ${JSON.stringify(line)}`)
      return { sha256: (m[1] ?? '').toLowerCase(), name: m[2] ?? '' }
    })
}

export interface WriteSha256SumsResult {
  path: string
  entries: ChecksumEntry[]
  /** The sha256 of the checksum file itself. */
  sha256: string
}

/** A file whose sha256 is already known (hashed when it was written). */
export interface HashedFile {
  path: string
  sha256: string
}

/**
 * Write `<dir>/SHA256SUMS` (or `outPath`) listing `files` relative to the checksum file's
 * directory; a file given as a path alone is hashed here. Written to a temporary name and
 * renamed into place.
 */
export async function writeSha256Sums(
  files: readonly (string | HashedFile)[],
  options: { outPath?: string; dir?: string } = {}
): Promise<WriteSha256SumsResult> {
  const pathOf = (file: string | HashedFile): string =>
    typeof file === 'string' ? file : file.path
  const outPath =
    options.outPath ?? join(options.dir ?? dirname(files[0] ? pathOf(files[0]) : '.'), SHA256SUMS)
  const base = dirname(outPath)
  const entries: ChecksumEntry[] = []
  for (const file of files) {
    const path = pathOf(file)
    const rel = relative(base, path)
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new Error(`${path} is not inside ${base}, where ${basename(outPath)} is written`)
    }
    const sha256 = typeof file === 'string' ? await sha256File(path) : file.sha256
    entries.push({ name: rel.split(sep).join('/'), sha256 })
  }
  const text = formatSha256Sums(entries)
  await writeFileWhole(outPath, text)
  return { path: outPath, entries: parseSha256Sums(text), sha256: sha256Of(text) }
}
