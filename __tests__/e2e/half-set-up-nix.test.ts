/**
 * A runner whose Nix is present but cannot build: its build-users-group names a group this
 * machine does not have, as with Debian's nix-bin alone on a self-hosted runner. Through the
 * whole action with the real Nix: one error that says what is wrong and how to fix it, given
 * before any target is built, restored or uploaded; and the fix it names for a single-user
 * root install (an empty build-users-group in extra-nix-config) then builds.
 */
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, startServices, type Services } from '../../test-support/runner/index.js'
import { projectWorkspace } from '../../test-support/project.js'
import type { TargetResult } from '../../src/pipeline/results.js'

const FIXTURE = join(process.cwd(), 'test-support', 'fixtures', 'salted-hello')
const inputs = {
  targets: 'x86_64-linux, aarch64-linux',
  installable: '.#{target}',
  name: 'salted',
  version: '1'
}

/** This machine's Nix, offline, configured as a half-set-up one: its build users' group is missing. */
function halfSetUpNixEnv(): Record<string, string> {
  const confDir = mkdtempSync(join(tmpdir(), 'nix-conf-'))
  writeFileSync(
    join(confDir, 'nix.conf'),
    [
      'build-users-group = nixbld-missing',
      'substituters =',
      'sandbox = false',
      'experimental-features = nix-command flakes',
      ''
    ].join('\n')
  )
  return { NIX_CONF_DIR: confDir }
}

let services: Services
let workspace: string
const created: string[] = []
const nixEnv = halfSetUpNixEnv()
beforeAll(async () => {
  services = await startServices()
  workspace = projectWorkspace(FIXTURE)
  copyFileSync(join(process.cwd(), 'examples', 'hello-c', 'hello.c'), join(workspace, 'hello.c'))
  // Fresh derivations, so that a build that ran cannot hide behind outputs already in the store.
  for (const target of ['x86_64-linux', 'aarch64-linux'])
    writeFileSync(join(workspace, 'nix', `salt-${target}.txt`), randomUUID())
  execFileSync('git', ['add', '-A'], { cwd: workspace })
}, 120000)
afterAll(async () => {
  await services?.stop()
  if (created.length > 0)
    execFileSync(
      'nix',
      ['--extra-experimental-features', 'nix-command', 'store', 'delete', ...created],
      {
        stdio: 'pipe',
        env: { ...process.env, NIX_CONF_DIR: '/etc/nix' }
      }
    )
})

test('a Nix whose build users group is missing: one error naming the fix, nothing built', async () => {
  // The machine really is in that state: a plain nix build fails with Nix's own error.
  const probe = (() => {
    try {
      execFileSync(
        'nix',
        [
          'build',
          '--no-link',
          '--impure',
          '--expr',
          `derivation { name = "probe"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${randomUUID()} > $out" ]; }`
        ],
        {
          stdio: 'pipe',
          env: { ...process.env, ...nixEnv }
        }
      )
      return ''
    } catch (error) {
      return String((error as { stderr?: Buffer }).stderr ?? '')
    }
  })()
  expect(probe).toContain(
    "the group 'nixbld-missing' specified in 'build-users-group' does not exist"
  )

  const run = await runAction({ services, run: services.newRun(), workspace, env: nixEnv, inputs })
  expect(run.main.conclusion).toBe('failure')
  const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message)
  expect(errors).toHaveLength(1)
  expect(errors[0]).toContain('build-users-group = nixbld-missing')
  expect(errors[0]).toContain('nix-setup-systemd')
  expect(errors[0]).toContain('extra-nix-config')
  // Nothing per target: no build group, no results, no cache call, no artifact.
  expect(run.main.groups.filter((g) => g.title.startsWith('build '))).toEqual([])
  expect(run.main.outputs.results ?? '[]').toBe('[]')
  expect(services.calls.count('cache')).toBe(0)
  expect(services.calls.count('artifact')).toBe(0)
}, 300000)

test('the fix the error names for a single-user root Nix, an empty build-users-group, builds', async () => {
  const run = await runAction({
    services,
    run: services.newRun(),
    workspace,
    env: nixEnv,
    inputs: { ...inputs, targets: 'x86_64-linux', 'extra-nix-config': 'build-users-group =' }
  })
  if (run.main.conclusion !== 'success') throw new Error(`main failed:\n${run.main.log.join('\n')}`)
  const results = JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[]
  expect(results.map((r) => r.status)).toEqual(['ok'])
  // The same accounting that saw no cache call above sees this run's restore.
  expect(services.calls.count('cache')).toBeGreaterThan(0)
  created.push(...results.map((r) => r.storePath ?? '').filter((p) => p !== ''))
}, 300000)
