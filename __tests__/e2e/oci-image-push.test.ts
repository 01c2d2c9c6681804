/**
 * `image-push` through the whole action: the image goes to Debian's docker-registry on
 * loopback through the OCI distribution API and comes back with skopeo, one platform at a
 * time, holding the executable byte for byte. An unreachable registry fails the step with an
 * error naming the registry and the step, while the targets and the layout artifact survive.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import {
  freePort,
  startRegistry,
  type LoopbackRegistry
} from '../../test-support/registry/index.js'
import {
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'
import { targetResults } from '../../test-support/target-results.js'

const EXAMPLE = join(process.cwd(), 'examples', 'hello-c')
const PLATFORMS = [
  ['x86_64-linux', 'amd64', ''],
  ['aarch64-linux', 'arm64', ''],
  ['armv7l-linux', 'arm', 'v7'],
  ['riscv64-linux', 'riscv64', '']
] as const

let services: Services
let registry: LoopbackRegistry
let work: string
beforeAll(async () => {
  services = await startServices()
  registry = await startRegistry()
  work = mkdtempSync(join(tmpdir(), 'oci-push-e2e-'))
}, 120000)
afterAll(async () => {
  await registry?.stop()
  await services?.stop()
})

const results = targetResults

function buildAndPush(push: string, extra: Record<string, string> = {}): Promise<ActionRunResult> {
  return runAction({
    services,
    run: services.newRun(),
    workspace: projectWorkspace(EXAMPLE),
    env: offlineNixEnv(),
    inputs: {
      targets: PLATFORMS.map(([t]) => t).join(', '),
      installable: '.#static-{target}',
      name: 'hello',
      version: '1.0.0',
      image: 'true',
      'image-push': push,
      ...extra
    }
  })
}

test('the pushed image comes back from the registry per platform, executable byte for byte', async () => {
  const ref = `${registry.host}/static-cross/hello`
  const run = await buildAndPush(`${ref}:1.0.0, ${ref}:latest`)
  expect(run.main.conclusion).toBe('success')
  expect(run.main.annotations.filter((a) => a.level === 'error')).toEqual([])
  expect(run.main.summary).toContain(`Pushed to <code>${ref}:1.0.0</code>`)

  for (const tag of ['1.0.0', 'latest']) {
    const raw = execFileSync('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${ref}:${tag}`
    ])
    const digest = `sha256:${execFileSync('sha256sum', { input: raw }).toString().split(' ')[0]}`
    expect(digest).toBe(run.main.outputs['image-digest'])
  }
  for (const [target, arch, variant] of PLATFORMS) {
    const platformArgs = ['--override-os', 'linux', '--override-arch', arch]
    if (variant) platformArgs.push('--override-variant', variant)
    const pulled = join(work, `pulled-${target}`)
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      ...platformArgs,
      `docker://${ref}:1.0.0`,
      `oci:${pulled}:one`
    ])
    const bundle = join(work, `bundle-${target}`)
    execFileSync('umoci', ['unpack', '--image', `${pulled}:one`, bundle])
    const result = results(run).find((r) => r.target === target)!
    expect(
      readFileSync(join(bundle, 'rootfs', 'bin', 'hello')).equals(
        readFileSync(result.executables[0]!.path)
      )
    ).toBe(true)
  }
}, 600000)

test('an unreachable registry fails the step naming registry and step; targets and the layout artifact survive', async () => {
  const nowhere = `127.0.0.1:${await freePort()}`
  const run = await buildAndPush(`${nowhere}/static-cross/hello:1.0.0`)
  expect(run.main.conclusion).toBe('failure')
  expect(results(run).map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
  const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message)
  // The annotation that says what to do, and the step's failure message: both name the
  // registry, the reference and the request that failed.
  const cause = new RegExp(
    `image: pushing ${nowhere}/static-cross/hello:1.0.0 failed: cannot reach ${nowhere} \\(checking the blob sha256:[0-9a-f]{64}\\): connect ECONNREFUSED`
  )
  expect(errors).toHaveLength(2)
  for (const error of errors) expect(error).toMatch(cause)
  expect(errors.some((e) => e.includes('fix the cause and re-run'))).toBe(true)
  const names = services.listArtifacts(run.run).map((a) => a.name)
  expect(names).toContain('hello-1.0.0-oci-image.tar')
  expect(names).toContain('hello-1.0.0-linux-static-aarch64.tar.xz')
  expect(run.main.outputs['image-digest']).toMatch(/^sha256:[0-9a-f]{64}$/)
}, 600000)

describe('a registry with htpasswd authentication', () => {
  let secured: LoopbackRegistry
  const user = { username: 'releaser', password: 'a-secret-9f3c1e' }
  beforeAll(async () => {
    secured = await startRegistry({ user })
  }, 60000)
  afterAll(async () => {
    await secured?.stop()
  })

  test('takes the push with the right credentials, which never reach the logs', async () => {
    const ref = `${secured.host}/static-cross/hello:1.0.0`
    const run = await buildAndPush(ref, {
      'image-push-username': user.username,
      'image-push-password': user.password
    })
    expect(run.main.conclusion).toBe('success')
    const raw = execFileSync('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `--creds=${user.username}:${user.password}`,
      `docker://${ref}`
    ])
    const digest = `sha256:${execFileSync('sha256sum', { input: raw }).toString().split(' ')[0]}`
    expect(digest).toBe(run.main.outputs['image-digest'])
    // The runner's log is what a reader sees: the password is masked there like any secret.
    expect(run.main.log.join('\n')).not.toContain(user.password)
    expect(run.main.stdout).toContain(`::add-mask::${user.password}`)
  }, 600000)

  test.each([
    [
      'a wrong password',
      { 'image-push-username': user.username, 'image-push-password': 'wrong' },
      /denied checking the blob sha256:[0-9a-f]{64}: HTTP 401; check the credentials/
    ],
    [
      'no credentials',
      {},
      /asks for credentials \(checking the blob sha256:[0-9a-f]{64}\) and none were given/
    ]
  ])(
    'with %s fails the step naming the registry; targets and layout artifact stay',
    async (_, extra, cause) => {
      const ref = `${secured.host}/static-cross/hello:1.0.0`
      const run = await buildAndPush(ref, extra)
      expect(run.main.conclusion).toBe('failure')
      expect(results(run).map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
      const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message)
      expect(errors).toHaveLength(2)
      for (const error of errors) {
        expect(error).toContain(`image: pushing ${ref} failed: ${secured.host}`)
        expect(error).toMatch(cause)
      }
      expect(services.listArtifacts(run.run).map((a) => a.name)).toContain(
        'hello-1.0.0-oci-image.tar'
      )
    },
    600000
  )
})

test('a registry that rejects the blob upload fails the step with its answer; targets and layout artifact stay', async () => {
  const readOnly = await startRegistry({ readOnly: true })
  try {
    const ref = `${readOnly.host}/static-cross/hello:1.0.0`
    const run = await buildAndPush(ref)
    expect(run.main.conclusion).toBe('failure')
    expect(results(run).map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
    const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message)
    expect(errors).toHaveLength(2)
    for (const error of errors)
      expect(error).toMatch(
        new RegExp(
          `image: pushing ${ref} failed: ${readOnly.host} rejected starting the upload of the blob sha256:[0-9a-f]{64}: HTTP 405`
        )
      )
    expect(services.listArtifacts(run.run).map((a) => a.name)).toContain(
      'hello-1.0.0-oci-image.tar'
    )
  } finally {
    await readOnly.stop()
  }
}, 600000)
