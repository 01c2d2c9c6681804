/**
 * The bundled action, run by the local runner as a GitHub runner runs it (Node 24, main then
 * post, state carried), against the loopback results service and Azurite.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { runAction, type Services } from '../../test-support/runner/index.js'
import { canaryPath } from './canary.js'
import { useServices } from '../../test-support/jest-services.js'

let services: Services
useServices((started) => (services = started))
beforeEach(() => services.calls.reset())

test('an unknown target fails the step with one error naming it and the valid targets, and nothing runs', async () => {
  const canary = canaryPath()
  const run = await runAction({
    services,
    inputs: { targets: 'aarch64-linux, sparc-linux', package: 'postgrest' },
    pathPrepend: [canary.dir]
  })
  expect(run.main.conclusion).toBe('failure')
  const errors = run.main.annotations.filter((a) => a.level === 'error')
  expect(errors).toHaveLength(1)
  expect(errors[0]?.message).toContain('sparc-linux')
  expect(errors[0]?.message).toContain(
    'x86_64-linux, aarch64-linux, armv7l-linux, armv6l-linux, riscv64-linux, powerpc64le-linux, s390x-linux, i686-linux'
  )
  // Nothing ran: no Nix, qemu or archiver started, no service called, nothing written.
  expect(canary.ran()).toEqual([])
  expect(services.calls.records).toEqual([])
  expect(services.listArtifacts()).toEqual([])
  expect(existsSync(join(run.runnerTemp, 'static-cross'))).toBe(false)
  expect(readdirSync(run.workspace)).toEqual([])
  expect(run.main.outputs).toEqual({})
  // The post step after a failed main does nothing harmful.
  expect(run.post?.conclusion).toBe('success')
  expect(run.post?.annotations).toEqual([])
  expect(run.post?.log.join('\n')).toContain('nothing to save or undo')
})

test('a dry run prints the plan as a log group and in the summary, sets outputs, and stops', async () => {
  const canary = canaryPath()
  const run = await runAction({
    services,
    inputs: {
      targets: 'x86_64-linux\naarch64-linux\narmv7l-linux',
      package: 'postgrest',
      version: 'v12.2.3',
      'dry-run': 'true'
    },
    pathPrepend: [canary.dir]
  })
  expect(run.main.conclusion).toBe('success')
  expect(run.main.annotations).toEqual([])
  const group = run.main.groups.find((g) =>
    g.title.startsWith('Build plan: 3 target(s) of postgrest v12.2.3')
  )
  expect(group?.lines.join('\n')).toContain('pkgsCross.armv7l-hf-multiplatform.pkgsStatic')
  expect(run.main.outputs.targets).toBe('x86_64-linux,aarch64-linux,armv7l-linux')
  const plan = JSON.parse(run.main.outputs.plan ?? 'null')
  expect(plan.targets.map((t: { artifactName: string }) => t.artifactName)).toEqual([
    'postgrest-v12.2.3-linux-static-x86-64.tar.xz',
    'postgrest-v12.2.3-linux-static-aarch64.tar.xz',
    'postgrest-v12.2.3-linux-static-armv7l.tar.xz'
  ])
  expect(JSON.parse(run.main.outputs.results ?? '[]')).toEqual([
    {
      target: 'x86_64-linux',
      status: 'planned',
      artifact: { name: 'postgrest-v12.2.3-linux-static-x86-64.tar.xz' }
    },
    {
      target: 'aarch64-linux',
      status: 'planned',
      artifact: { name: 'postgrest-v12.2.3-linux-static-aarch64.tar.xz' }
    },
    {
      target: 'armv7l-linux',
      status: 'planned',
      artifact: { name: 'postgrest-v12.2.3-linux-static-armv7l.tar.xz' }
    }
  ])
  expect(run.main.summary).toContain('<td>aarch64-linux</td><td>cross</td>')
  expect(canary.ran()).toEqual([])
  expect(services.calls.records).toEqual([])
  expect(run.post?.conclusion).toBe('success')
})
