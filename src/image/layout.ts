/**
 * Writes a built image as an OCI image layout (image-spec `image-layout.md`): `oci-layout`,
 * `blobs/sha256/<hex>` and a top-level `index.json` that names the multi-platform index under
 * each tag, so `skopeo copy oci:<dir>:<tag>` and `umoci` read it as they read any layout.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { BuiltImage } from './build.js'
import { MEDIA_TYPES } from './oci.js'

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name'

export async function writeOciLayout(
  dir: string,
  image: BuiltImage,
  tags: readonly string[]
): Promise<void> {
  const blobDir = join(dir, 'blobs', 'sha256')
  await mkdir(blobDir, { recursive: true })
  const digests = [...image.blobs.keys()].sort()
  for (const digest of digests) {
    await writeFile(join(blobDir, digest.slice('sha256:'.length)), image.blobs.get(digest)!)
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  const refs = tags.length > 0 ? [...new Set(tags)] : ['latest']
  const top = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: refs.map((tag) => ({
      ...image.index.descriptor,
      annotations: { [REF_NAME_ANNOTATION]: tag }
    }))
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify(top))
}
