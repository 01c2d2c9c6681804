/**
 * From verified executables to one multi-platform image held in memory: per target a layer,
 * config and manifest, then the index over them. Nothing here touches the network or a daemon;
 * the layout writer and the registry push both take the result.
 */
import type { TargetSpec } from '../targets.js'
import { buildExecutableLayer } from './layer.js'
import {
  MEDIA_TYPES,
  imageConfig,
  imageIndex,
  imageManifest,
  platformOf,
  type Blob,
  type Descriptor,
  type ImageSettings
} from './oci.js'

export interface ImageInput {
  target: TargetSpec
  /** The verified static executable for this target. */
  executable: string
}

export interface PlatformImage {
  target: string
  platform: string
  manifest: Blob
  config: Blob
  layer: Blob
}

export interface BuiltImage {
  index: Blob
  images: PlatformImage[]
  /** Every blob (layers, configs, manifests, the index) by digest. */
  blobs: Map<string, Buffer>
}

/** `linux/arm/v7`, the spelling docker and skopeo print. */
export function platformName(target: TargetSpec): string {
  const p = platformOf(target.ociPlatform)
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/')
}

export async function buildImage(options: {
  inputs: readonly ImageInput[]
  imagePath: string
  settings: ImageSettings
  /** Seconds since the epoch for layer entries and the config's `created`. */
  created: number
}): Promise<BuiltImage> {
  if (options.inputs.length === 0) throw new Error('an image needs at least one executable')
  const blobs = new Map<string, Buffer>()
  const images: PlatformImage[] = []
  for (const { target, executable } of options.inputs) {
    const built = await buildExecutableLayer({
      executable,
      imagePath: options.imagePath,
      mtime: options.created
    })
    const layerDescriptor: Descriptor = {
      mediaType: MEDIA_TYPES.layerGzip,
      digest: built.digest,
      size: built.bytes.length
    }
    const config = imageConfig({
      platform: target.ociPlatform,
      settings: options.settings,
      diffId: built.diffId,
      created: options.created
    })
    const manifest = imageManifest(config, layerDescriptor, target.ociPlatform)
    for (const b of [{ bytes: built.bytes, descriptor: layerDescriptor }, config, manifest])
      blobs.set(b.descriptor.digest, b.bytes)
    images.push({
      target: target.name,
      platform: platformName(target),
      manifest,
      config,
      layer: { bytes: built.bytes, descriptor: layerDescriptor }
    })
  }
  const index = imageIndex(images.map((i) => i.manifest.descriptor))
  blobs.set(index.descriptor.digest, index.bytes)
  return { index, images, blobs }
}
