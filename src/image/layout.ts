/**
 * Writes a built image as an OCI image layout (image-spec `image-layout.md`): `oci-layout`,
 * `blobs/sha256/<hex>` and a top-level `index.json` that names the multi-platform index under
 * each tag, so `skopeo copy oci:<dir>:<tag>` and `umoci` read it as they read any layout. The
 * same files also go into one tar, the workflow artifact, written reproducibly like the release
 * archives (fixed mtime, owner 0, sorted names).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { buffer as streamToBuffer } from 'node:stream/consumers'

import { pack as packTar } from 'tar-stream'

import type { BuiltImage } from './build.js'
import { MEDIA_TYPES } from './oci.js'

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name'

export interface LayoutFile {
  /** Relative to the layout's root, `/`-separated. */
  path: string
  bytes: Buffer
}

/** Every file of the layout, sorted by path. */
export function layoutFiles(image: BuiltImage, tags: readonly string[]): LayoutFile[] {
  const refs = tags.length > 0 ? [...new Set(tags)] : ['latest']
  const top = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: refs.map((tag) => ({
      ...image.index.descriptor,
      annotations: { [REF_NAME_ANNOTATION]: tag }
    }))
  }
  const files: LayoutFile[] = [
    { path: 'oci-layout', bytes: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { path: 'index.json', bytes: Buffer.from(JSON.stringify(top)) },
    ...[...image.blobs].map(([digest, bytes]) => ({
      path: `blobs/sha256/${digest.slice('sha256:'.length)}`,
      bytes
    }))
  ]
  return files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
}

export async function writeOciLayout(
  dir: string,
  image: BuiltImage,
  tags: readonly string[]
): Promise<void> {
  for (const file of layoutFiles(image, tags)) {
    const path = join(dir, ...file.path.split('/'))
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, file.bytes)
  }
}

/** The layout as one tar: `tar -xf` gives the directory writeOciLayout writes. */
export async function ociLayoutTar(
  image: BuiltImage,
  tags: readonly string[],
  mtime: number
): Promise<Buffer> {
  const date = new Date(mtime * 1000)
  const pack = packTar()
  const owner = { uid: 0, gid: 0, mtime: date }
  for (const dir of ['blobs/', 'blobs/sha256/'])
    pack.entry({ ...owner, name: dir, type: 'directory', mode: 0o755 })
  for (const file of layoutFiles(image, tags))
    pack.entry({ ...owner, name: file.path, type: 'file', mode: 0o644 }, file.bytes)
  pack.finalize()
  return streamToBuffer(Readable.from(pack))
}
