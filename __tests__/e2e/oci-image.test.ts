/**
 * `image: true` through the whole action on real parts: Nix builds the C example for four
 * targets, the action verifies and uploads them, then writes one multi-platform OCI image and
 * uploads its layout. The downloaded layout is read with skopeo and umoci, and each platform's
 * executable is compared with the one in that target's own downloaded archive.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { runAction, type ActionRunResult, type Services } from '../../test-support/runner/index.js'
import { targetResults } from '../../test-support/target-results.js'
import { useServices } from '../../test-support/jest-services.js'

const EXAMPLE = join(process.cwd(), 'examples', 'hello-c')
// Both runs build the same commit: the revision label is part of the image.
const SHA = '0123456789abcdef0123456789abcdef01234567'
const PLATFORMS = [
  ['x86_64-linux', 'amd64', ''],
  ['aarch64-linux', 'arm64', ''],
  ['armv7l-linux', 'arm', 'v7'],
  ['riscv64-linux', 'riscv64', '']
] as const

let services: Services
useServices((started) => (services = started))

const results = targetResults

function buildImage(extra: Record<string, string> = {}): Promise<ActionRunResult> {
  return runAction({
    services,
    run: services.newRun(),
    sha: SHA,
    workspace: projectWorkspace(EXAMPLE),
    env: { ...offlineNixEnv(), SOURCE_DATE_EPOCH: '1700000000' },
    inputs: {
      targets: PLATFORMS.map(([t]) => t).join(', '),
      installable: '.#static-{target}',
      name: 'hello',
      version: '1.0.0',
      image: 'true',
      'image-ports': '3000',
      'image-labels': 'org.opencontainers.image.licenses=MIT',
      'image-tags': '1.0.0, latest',
      ...extra
    }
  })
}

const skopeo = (args: string[]): Record<string, unknown> =>
  JSON.parse(execFileSync('skopeo', args, { encoding: 'utf8' })) as Record<string, unknown>

describe('one multi-platform image from four verified executables', () => {
  let first: ActionRunResult
  let work: string
  let layout: string

  beforeAll(async () => {
    first = await buildImage()
    work = mkdtempSync(join(tmpdir(), 'oci-image-e2e-'))
    const artifact = await services.downloadArtifact('hello-1.0.0-oci-image.tar', {
      run: first.run
    })
    layout = join(work, 'layout')
    execFileSync('mkdir', ['-p', layout])
    writeFileSync(join(work, 'image.tar'), artifact.bytes)
    execFileSync('tar', ['-xf', join(work, 'image.tar'), '-C', layout])
  }, 600000)

  test('the step succeeds and its outputs give the index digest and each platform digest', () => {
    expect(first.main.conclusion).toBe('success')
    expect(first.main.annotations.filter((a) => a.level === 'error')).toEqual([])
    expect(results(first).map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
    const index = skopeo(['inspect', '--raw', `oci:${layout}:1.0.0`]) as {
      manifests: { digest: string; platform: Record<string, string> }[]
    }
    const raw = execFileSync('skopeo', ['inspect', '--raw', `oci:${layout}:latest`])
    const digest = `sha256:${execFileSync('sha256sum', { input: raw }).toString().split(' ')[0]}`
    expect(first.main.outputs['image-digest']).toBe(digest)
    expect(index.manifests.map((m) => m.platform)).toEqual(
      PLATFORMS.map(([, architecture, variant]) => ({
        architecture,
        os: 'linux',
        ...(variant ? { variant } : {})
      }))
    )
    expect(JSON.parse(first.main.outputs['image-platform-digests'] ?? '')).toEqual({
      'linux/amd64': index.manifests[0]!.digest,
      'linux/arm64': index.manifests[1]!.digest,
      'linux/arm/v7': index.manifests[2]!.digest,
      'linux/riscv64': index.manifests[3]!.digest
    })
    expect(first.main.summary).toContain('Container image')
    expect(first.main.summary).toContain('linux/arm/v7')
  })

  test.each(PLATFORMS)(
    '%s: skopeo picks the image by platform; umoci unpacks the executable of the uploaded archive, byte for byte',
    async (target, arch, variant) => {
      const platformArgs = ['--override-os', 'linux', '--override-arch', arch]
      if (variant) platformArgs.push('--override-variant', variant)
      const config = skopeo(['inspect', '--config', ...platformArgs, `oci:${layout}:1.0.0`]) as {
        architecture: string
        variant?: string
        created: string
        config: Record<string, unknown>
      }
      expect([config.architecture, config.variant ?? '']).toEqual([arch, variant])
      expect(config.created).toBe('2023-11-14T22:13:20Z')
      expect(config.config).toMatchObject({
        User: '1000',
        Entrypoint: ['/bin/hello'],
        ExposedPorts: { '3000/tcp': {} },
        Labels: {
          'org.opencontainers.image.version': '1.0.0',
          'org.opencontainers.image.licenses': 'MIT',
          'org.opencontainers.image.revision': SHA
        }
      })
      const single = join(work, `single-${target}`)
      execFileSync('skopeo', [
        'copy',
        '--quiet',
        ...platformArgs,
        `oci:${layout}:1.0.0`,
        `oci:${single}:one`
      ])
      const bundle = join(work, `bundle-${target}`)
      execFileSync('umoci', ['unpack', '--image', `${single}:one`, bundle])
      const inImage = join(bundle, 'rootfs', 'bin', 'hello')

      const result = results(first).find((r) => r.target === target)!
      const archive = await services.downloadArtifact(result.artifact!.name, { run: first.run })
      const unpacked = mkdtempSync(join(work, `archive-${target}-`))
      writeFileSync(join(unpacked, archive.name), archive.bytes)
      execFileSync('tar', ['-xJf', join(unpacked, archive.name), '-C', unpacked])
      expect(readFileSync(inImage).equals(readFileSync(join(unpacked, 'hello')))).toBe(true)
      expect(statSync(inImage).mode & 0o777).toBe(0o755)
    },
    60000
  )

  test('a second run from the same executables gives the same image digest', async () => {
    const second = await buildImage()
    expect(second.main.conclusion).toBe('success')
    expect(second.main.outputs['image-digest']).toBe(first.main.outputs['image-digest'])
    const again = await services.downloadArtifact('hello-1.0.0-oci-image.tar', {
      run: second.run
    })
    expect(again.bytes.equals(readFileSync(join(work, 'image.tar')))).toBe(true)
  }, 600000)
})
