/**
 * A project shaped like PostgREST (a flake whose nixpkgs comes from flake.lock, and a
 * nix/static.nix that takes pkgs) pointed at with the expression mode: the dry run's plan shows,
 * for every target, what is built, the exact nix command and how Template Haskell runs, without
 * building anything. (Building it needs nixpkgs, which this machine cannot fetch.)
 */
import { join } from 'node:path'
import { runAction, type Services } from '../../test-support/runner/index.js'
import { projectWorkspace } from '../../test-support/project.js'
import type { BuildPlan } from '../../src/plan.js'
import { canaryPath } from './canary.js'
import { useServices } from '../../test-support/jest-services.js'

let services: Services
useServices((started) => (services = started))

test('the plan for every target of a PostgREST-shaped project, without building', async () => {
  const canary = canaryPath()
  const run = await runAction({
    services,
    workspace: projectWorkspace(
      join(process.cwd(), 'test-support', 'fixtures', 'postgrest-shaped')
    ),
    pathPrepend: [canary.dir],
    inputs: {
      targets:
        'x86_64-linux, aarch64-linux, armv7l-linux, armv6l-linux, riscv64-linux, powerpc64le-linux, s390x-linux, i686-linux',
      expression: 'nix/static.nix',
      attr: 'postgrestStatic',
      'expression-args': 'compiler=ghc9123\nname=postgrest',
      nixpkgs: 'flake-lock',
      'strategy-overrides': 'armv6l-linux=emulated',
      version: 'v12.2.3',
      'dry-run': 'true'
    }
  })
  expect(run.main.conclusion).toBe('success')
  expect(canary.ran()).toEqual([])
  const plan = JSON.parse(run.main.outputs.plan ?? 'null') as BuildPlan
  const rows = plan.targets.map((t) => [t.target, t.strategy, t.thPath, t.nixpkgsCross])
  expect(rows).toEqual([
    ['x86_64-linux', 'cross', 'native', null],
    ['aarch64-linux', 'cross', 'qemu-iserv', 'aarch64-multiplatform'],
    ['armv7l-linux', 'cross', 'qemu-iserv', 'armv7l-hf-multiplatform'],
    ['armv6l-linux', 'emulated', 'emulated', 'raspberryPi'],
    ['riscv64-linux', 'cross', 'qemu-iserv', 'riscv64'],
    ['powerpc64le-linux', 'cross', 'qemu-iserv', 'powernv'],
    ['s390x-linux', 'cross', 'qemu-iserv', 's390x'],
    ['i686-linux', 'cross', 'qemu-iserv', 'gnu32']
  ])
  expect(plan.extraPlatforms).toEqual(['armv6l-linux'])
  const aarch64 = plan.targets[1]!
  expect(aarch64.installable).toContain(
    'pkgs = pkgsCross.aarch64-multiplatform, so its pkgs.pkgsStatic is pkgsCross.aarch64-multiplatform.pkgsStatic'
  )
  const command = aarch64.nixArgs.join(' ')
  for (const part of [
    '--argstr target aarch64-linux',
    '--argstr mode expression',
    '--argstr file nix/static.nix',
    '--argstr attr postgrestStatic',
    '--argstr argsJson {"compiler":"ghc9123","name":"postgrest"}',
    '--argstr nixpkgs flake-lock'
  ]) {
    expect(command).toContain(part)
  }
  const log =
    run.main.groups
      .find((g) => g.title.startsWith('Build plan: 8 target(s) of'))
      ?.lines.join('\n') ?? ''
  expect(log).toContain(
    'TH:        qemu-iserv - external interpreter for armv7l-linux under qemu-arm'
  )
  expect(log).toContain('TH:        emulated - native armv6l-linux build under qemu binfmt')
  expect(log).toContain('command:   nix build --json --no-link -L --file')
  expect(run.main.summary).toContain('postgrest-v12.2.3-linux-static-armv6l.tar.xz')
})
