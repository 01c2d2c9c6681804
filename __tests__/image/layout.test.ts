/**
 * The OCI layout the action writes, read back by independent tools (Debian's skopeo and umoci)
 * from real static executables for four architectures: platforms and variants, digests, config,
 * and the executable bytes inside each unpacked image.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { buildImage, type BuiltImage, type ImageInput } from '../../src/image/build.js'
import { writeOciLayout } from '../../src/image/layout.js'
import type { ImageSettings } from '../../src/image/oci.js'
import { findTarget } from '../../src/targets.js'
import { buildFixtures } from '../../test-support/fixtures/c/build.js'

const run = promisify(execFile)

const SETTINGS: ImageSettings = {
  user: '1000',
  entrypoint: ['/bin/hello'],
  cmd: [],
  exposedPorts: ['3000/tcp'],
  env: [],
  labels: {
    'org.opencontainers.image.source': 'https://github.com/example/hello',
    'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
    'org.opencontainers.image.version': '1.2.3'
  }
}
const CREATED = 1_700_000_000

let work: string
let fixtures: Record<string, string>
let inputs: ImageInput[]
let image: BuiltImage
let layout: string

async function skopeoJson(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('skopeo', args, { maxBuffer: 64 * 1024 * 1024 })
  return JSON.parse(stdout) as Record<string, unknown>
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'static-cross-image-'))
  const built = await buildFixtures(
    ['x86_64-static', 'aarch64-static', 'armv7l-static', 'riscv64-static'],
    join(work, 'fixtures')
  )
  fixtures = built.paths
  // armv6l reuses the armv7 executable: these tests are about the index entry and its variant,
  // the ELF checks that would reject it belong to the verify stage.
  const pairs: [string, string][] = [
    ['x86_64-linux', fixtures['x86_64-static']!],
    ['aarch64-linux', fixtures['aarch64-static']!],
    ['armv7l-linux', fixtures['armv7l-static']!],
    ['armv6l-linux', fixtures['armv7l-static']!],
    ['riscv64-linux', fixtures['riscv64-static']!]
  ]
  inputs = pairs.map(([t, executable]) => ({ target: findTarget(t)!, executable }))
  image = await buildImage({
    inputs,
    imagePath: '/bin/hello',
    settings: SETTINGS,
    created: CREATED
  })
  layout = join(work, 'layout')
  await writeOciLayout(layout, image, ['1.2.3', 'latest'])
}, 120_000)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

test('skopeo reads the index with the exact platform of every target', async () => {
  const index = await skopeoJson(['inspect', '--raw', `oci:${layout}:1.2.3`])
  const manifests = index.manifests as { digest: string; platform: unknown }[]
  expect(manifests.map((m) => m.platform)).toEqual([
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
    { architecture: 'arm', os: 'linux', variant: 'v7' },
    { architecture: 'arm', os: 'linux', variant: 'v6' },
    { architecture: 'riscv64', os: 'linux' }
  ])
  expect(manifests.map((m) => m.digest)).toEqual(
    image.images.map((i) => i.manifest.descriptor.digest)
  )
  // Both tags name the same index.
  const latest = await skopeoJson(['inspect', '--raw', `oci:${layout}:latest`])
  expect(latest).toEqual(index)
})

test.each([
  ['amd64', '', 'x86_64-linux'],
  ['arm64', '', 'aarch64-linux'],
  ['arm', 'v7', 'armv7l-linux'],
  ['arm', 'v6', 'armv6l-linux'],
  ['riscv64', '', 'riscv64-linux']
])(
  'skopeo picks the %s%s image by platform, with its config, user, entrypoint and labels',
  async (arch, variant, target) => {
    const platformArgs = ['--override-os', 'linux', '--override-arch', arch]
    if (variant) platformArgs.push('--override-variant', variant)
    const info = await skopeoJson(['inspect', ...platformArgs, `oci:${layout}:1.2.3`])
    const expected = image.images.find((i) => i.target === target)!
    // skopeo reports the digest of what the reference names (the index) and the chosen
    // platform's layers, which differ per executable.
    expect(info.Digest).toBe(image.index.descriptor.digest)
    expect(info.Layers).toEqual([expected.layer.descriptor.digest])
    expect(info.Architecture).toBe(arch)
    expect(info.Labels).toEqual(SETTINGS.labels)
    expect(info.Created).toBe('2023-11-14T22:13:20Z')
    const config = (await skopeoJson([
      'inspect',
      '--config',
      ...platformArgs,
      `oci:${layout}:1.2.3`
    ])) as { config: Record<string, unknown>; rootfs: { diff_ids: string[] } }
    expect(config.config).toMatchObject({
      User: '1000',
      Entrypoint: ['/bin/hello'],
      ExposedPorts: { '3000/tcp': {} }
    })
    expect(config.rootfs.diff_ids).toHaveLength(1)
    expect(config).toMatchObject({ architecture: arch, os: 'linux' })
    expect((config as { variant?: string }).variant).toBe(variant || undefined)
  },
  60_000
)

test('umoci unpacks each image to the executable, byte for byte, owned by root and executable', async () => {
  for (const [arch, variant, fixture] of [
    ['arm64', '', 'aarch64-static'],
    ['arm', 'v7', 'armv7l-static'],
    ['amd64', '', 'x86_64-static']
  ] as const) {
    // umoci reads single-platform images, so skopeo first copies one platform out of the index.
    const single = join(work, `single-${arch}${variant}`)
    const platformArgs = ['--override-os', 'linux', '--override-arch', arch]
    if (variant) platformArgs.push('--override-variant', variant)
    await run('skopeo', ['copy', ...platformArgs, `oci:${layout}:1.2.3`, `oci:${single}:one`])
    const bundle = join(work, `bundle-${arch}${variant}`)
    await run('umoci', ['unpack', '--image', `${single}:one`, bundle])
    const inImage = join(bundle, 'rootfs', 'bin', 'hello')
    expect(await readFile(inImage)).toEqual(await readFile(fixtures[fixture]!))
    const st = await stat(inImage)
    expect(st.mode & 0o777).toBe(0o755)
    expect([st.uid, st.gid]).toEqual([0, 0])
    expect(await readdir(join(bundle, 'rootfs'))).toEqual(['bin'])
    const runtime = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
      process: { user: { uid: number }; args: string[] }
    }
    expect(runtime.process.user.uid).toBe(1000)
    expect(runtime.process.args).toEqual(['/bin/hello'])
  }
}, 120_000)

test('rebuilding from the same executables gives the same index digest and the same blobs', async () => {
  const again = await buildImage({
    inputs,
    imagePath: '/bin/hello',
    settings: SETTINGS,
    created: CREATED
  })
  const second = join(work, 'layout-again')
  await writeOciLayout(second, again, ['1.2.3', 'latest'])
  expect(again.index.descriptor.digest).toBe(image.index.descriptor.digest)
  const names = (await readdir(join(layout, 'blobs', 'sha256'))).sort()
  expect((await readdir(join(second, 'blobs', 'sha256'))).sort()).toEqual(names)
  expect(await readFile(join(second, 'index.json'))).toEqual(
    await readFile(join(layout, 'index.json'))
  )
  // A different created time is a different image: the digest follows the inputs.
  const later = await buildImage({
    inputs,
    imagePath: '/bin/hello',
    settings: SETTINGS,
    created: CREATED + 1
  })
  expect(later.index.descriptor.digest).not.toBe(image.index.descriptor.digest)
}, 120_000)
