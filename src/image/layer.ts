/**
 * The one layer of each image: the executable at its configured path, plus the directories above
 * it. Reproducible like the release archives: one fixed mtime, owner and group 0 without names,
 * directories before their contents in byte order, and a gzip header with no name and mtime 0
 * (Node's zlib writes it that way). The same executable and options always give the same bytes,
 * and so the same digest.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { buffer as streamToBuffer } from 'node:stream/consumers'
import { constants as zlibConstants, gzipSync } from 'node:zlib'

import { pack as packTar } from 'tar-stream'

export interface LayerBlob {
  /** The compressed layer as stored in the registry (`sha256:<hex>` is its digest). */
  bytes: Buffer
  digest: string
  /** Digest of the uncompressed tar: the image config lists it in `rootfs.diff_ids`. */
  diffId: string
}

/** tar-stream writes the mtime as a signed 32-bit count of seconds. */
const TAR_MTIME_LIMIT = 0x7fffffff

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/**
 * Check an absolute in-image path such as `/bin/postgrest` and return its parts. The error says
 * what a valid path looks like, so input validation can pass it on unchanged.
 */
export function imagePathParts(path: string): string[] {
  const parts = path.split('/')
  // eslint-disable-next-line no-control-regex
  const control = /[\\\u0000-\u001f\u007f]/
  const valid =
    path.startsWith('/') &&
    parts.length >= 2 &&
    parts.slice(1).every((p) => p !== '' && p !== '.' && p !== '..' && !control.test(p))
  if (!valid) {
    throw new Error(
      `image path ${JSON.stringify(path)} is not an absolute file path like /bin/name (no empty, "." or ".." parts, no control characters)`
    )
  }
  return parts.slice(1)
}

export async function buildExecutableLayer(options: {
  executable: string
  /** Absolute path inside the image, e.g. `/bin/postgrest`. */
  imagePath: string
  /** Seconds since the epoch for every entry. */
  mtime: number
}): Promise<LayerBlob> {
  const parts = imagePathParts(options.imagePath)
  if (!Number.isSafeInteger(options.mtime) || options.mtime < 0 || options.mtime > TAR_MTIME_LIMIT)
    throw new Error(`layer mtime must be whole seconds from 0 to 2^31-1, got ${options.mtime}`)
  const st = await stat(options.executable)
  if (!st.isFile()) throw new Error(`${options.executable} is not a regular file`)
  const content = await readFile(options.executable)
  const date = new Date(options.mtime * 1000)
  const owner = { uid: 0, gid: 0, mtime: date }

  const pack = packTar()
  for (let i = 1; i < parts.length; i++) {
    pack.entry({
      ...owner,
      name: `${parts.slice(0, i).join('/')}/`,
      type: 'directory',
      mode: 0o755
    })
  }
  pack.entry({ ...owner, name: parts.join('/'), type: 'file', mode: 0o755 }, content)
  pack.finalize()
  const tar = await streamToBuffer(Readable.from(pack))
  const bytes = gzipSync(tar, { level: zlibConstants.Z_BEST_COMPRESSION })
  return { bytes, digest: sha256Digest(bytes), diffId: sha256Digest(tar) }
}
