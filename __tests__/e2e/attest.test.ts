/**
 * attest: true on a job without the permissions (no OIDC token, as in a pull request from a
 * fork): the bundled action still builds and publishes, says once what is missing, and stays
 * green. Signing itself needs Sigstore and GitHub, which are not reachable here (see
 * __tests__/unit/attest for the subjects and the predicate).
 */
import { join } from 'node:path'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { runAction, type Services } from '../../test-support/runner/index.js'
import { useServices } from '../../test-support/jest-services.js'

let services: Services
useServices((started) => (services = started))

test('without id-token permission: one warning that names the permissions, a green step, artifacts published', async () => {
  const run = await runAction({
    services,
    run: services.newRun(),
    workspace: projectWorkspace(join(process.cwd(), 'examples', 'hello-c')),
    env: offlineNixEnv(),
    inputs: {
      targets: 'x86_64-linux',
      installable: '.#static-{target}',
      name: 'hello',
      version: '1.0.0',
      attest: 'true'
    }
  })
  expect(run.main.conclusion).toBe('success')
  const warnings = run.main.annotations.filter((a) => a.level === 'warning')
  expect(warnings.map((w) => w.title)).toEqual(['static-cross: no provenance attestation'])
  expect(warnings[0]?.message).toMatch(/id-token: write, attestations: write/)
  expect(
    services
      .listArtifacts(run.run)
      .map((a) => a.name)
      .sort()
  ).toEqual([
    'hello-1.0.0-linux-static-x86-64-SHA256SUMS',
    'hello-1.0.0-linux-static-x86-64.cdx.json',
    'hello-1.0.0-linux-static-x86-64.tar.xz'
  ])
}, 600000)

test('a bad attest value fails before anything runs, naming the input', async () => {
  const run = await runAction({
    services,
    run: services.newRun(),
    workspace: projectWorkspace(join(process.cwd(), 'examples', 'hello-c')),
    env: offlineNixEnv(),
    inputs: { targets: 'x86_64-linux', installable: '.#static-{target}', attest: 'yes please' }
  })
  expect(run.main.conclusion).toBe('failure')
  expect(run.main.annotations.map((a) => a.message).join('\n')).toMatch(/attest.*yes please/s)
  expect(services.listArtifacts(run.run)).toEqual([])
}, 120000)
