/**
 * The JSON documents of an OCI image (image-spec v1.1): per target a config and a manifest, and
 * one index whose entries carry the exact platform from the target registry. Documents are
 * serialized once, with a fixed key order, and their digests taken over those exact bytes.
 */
import type { OciPlatform } from '../targets.js'
import { sha256Digest } from './layer.js'

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip'
} as const

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { architecture: string; os: string; variant?: string }
  annotations?: Record<string, string>
}

/** A serialized document with its descriptor. */
export interface Blob {
  bytes: Buffer
  descriptor: Descriptor
}

export interface ImageSettings {
  /** Numeric user (or user:group) the process runs as, e.g. `1000`. */
  user: string
  entrypoint: readonly string[]
  cmd: readonly string[]
  /** `3000/tcp`, `53/udp`. */
  exposedPorts: readonly string[]
  env: readonly string[]
  labels: Readonly<Record<string, string>>
}

function sortedRecord<T>(entries: readonly (readonly [string, T])[]): Record<string, T> {
  return Object.fromEntries(
    [...entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  )
}

function serialize(mediaType: string, doc: unknown, extra: Partial<Descriptor> = {}): Blob {
  const bytes = Buffer.from(JSON.stringify(doc))
  return {
    bytes,
    descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...extra }
  }
}

export function platformOf(platform: OciPlatform): NonNullable<Descriptor['platform']> {
  return {
    architecture: platform.architecture,
    os: 'linux',
    ...(platform.variant ? { variant: platform.variant } : {})
  }
}

export function imageConfig(options: {
  platform: OciPlatform
  settings: ImageSettings
  diffId: string
  /** Seconds since the epoch: the same time the layer entries carry. */
  created: number
}): Blob {
  const { settings } = options
  const created = new Date(options.created * 1000).toISOString().replace('.000Z', 'Z')
  const config: Record<string, unknown> = { User: settings.user }
  if (settings.exposedPorts.length > 0)
    config.ExposedPorts = sortedRecord(settings.exposedPorts.map((p) => [p, {}] as const))
  if (settings.env.length > 0) config.Env = [...settings.env]
  if (settings.entrypoint.length > 0) config.Entrypoint = [...settings.entrypoint]
  if (settings.cmd.length > 0) config.Cmd = [...settings.cmd]
  if (Object.keys(settings.labels).length > 0)
    config.Labels = sortedRecord(Object.entries(settings.labels))
  return serialize(MEDIA_TYPES.config, {
    created,
    architecture: options.platform.architecture,
    ...(options.platform.variant ? { variant: options.platform.variant } : {}),
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: [options.diffId] },
    history: [{ created, created_by: 'static-cross: static executable' }]
  })
}

export function imageManifest(config: Blob, layer: Descriptor, platform: OciPlatform): Blob {
  return serialize(
    MEDIA_TYPES.manifest,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: config.descriptor,
      layers: [layer]
    },
    { platform: platformOf(platform) }
  )
}

/** The multi-platform index; manifests keep the order given (the target registry's). */
export function imageIndex(
  manifests: readonly Descriptor[],
  annotations: Readonly<Record<string, string>> = {}
): Blob {
  const platforms = manifests.map((m) => JSON.stringify(m.platform))
  const twice = platforms.find((p, i) => platforms.indexOf(p) !== i)
  if (twice) throw new Error(`two images in one index share the platform ${twice}`)
  return serialize(MEDIA_TYPES.index, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests,
    ...(Object.keys(annotations).length > 0
      ? { annotations: sortedRecord(Object.entries(annotations)) }
      : {})
  })
}
