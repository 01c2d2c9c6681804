/**
 * `nixpkgs: auto` builds what the project means: the bundled action, through the local runner,
 * on a project shaped like PostgREST (a default.nix exposing `pkgs` with the project's overlay, a
 * flake.lock pinning a nixpkgs, an expression `nix/static.nix` that only builds with that
 * overlay). Its package set is a small nixpkgs look-alike that really cross-compiles C with the
 * machine's cross gcc; its flake.lock names a nixpkgs revision this offline machine cannot
 * fetch, so taking flake.lock (the old `auto`) fails, and so does the same set without the
 * overlay.
 */
import { join } from 'node:path'
import { runAction, type ActionRunResult, type Services } from '../../test-support/runner/index.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { targetResults } from '../../test-support/target-results.js'
import { useServices } from '../../test-support/jest-services.js'

const FIXTURE = join(process.cwd(), 'test-support', 'fixtures', 'overlaid-project')

let services: Services
useServices((started) => (services = started))

const results = targetResults

async function buildFixture(extra: Record<string, string> = {}): Promise<ActionRunResult> {
  return runAction({
    services,
    run: services.newRun(),
    workspace: projectWorkspace(FIXTURE),
    env: offlineNixEnv(),
    inputs: {
      targets: 'x86_64-linux, aarch64-linux',
      expression: 'nix/static.nix',
      name: 'greeter',
      version: '1.0.0',
      upload: 'false',
      ...extra
    }
  })
}

describe('nixpkgs: auto on a project whose default.nix exposes pkgs with its overlay', () => {
  let run: ActionRunResult

  beforeAll(async () => {
    run = await buildFixture()
  }, 300000)

  test('both targets build with the overlay, verify static and run under qemu', () => {
    expect(run.main.annotations.filter((a) => a.level === 'error')).toEqual([])
    expect(run.main.conclusion).toBe('success')
    expect(
      results(run).map((r) => [
        r.target,
        r.status,
        r.executables.map((e) => [e.name, e.static, e.smoke?.ok, e.smoke?.output.trim()])
      ])
    ).toEqual([
      [
        'x86_64-linux',
        'ok',
        [['greeter', true, true, "greeter 1.0 (built with the project's overlay)"]]
      ],
      [
        'aarch64-linux',
        'ok',
        [['greeter', true, true, "greeter 1.0 (built with the project's overlay)"]]
      ]
    ])
  })

  test('the plan states the rule, and the log says which source Nix chose and why', () => {
    const log = run.log.join('\n')
    expect(log).toContain(
      "nixpkgs: auto: the `pkgs` of the project's default.nix when it exposes one"
    )
    expect(log).toMatch(
      /default-nix: nixpkgs: auto: default\.nix exposes `pkgs`, so the project's own package set \(with its overlays\) is used, before flake\.lock/
    )
    // Each target's build log says it too (nix/build.nix traces the choice).
    const traces = log.match(/trace: static-cross: nixpkgs: auto: default\.nix exposes `pkgs`/g)
    expect(traces?.length ?? 0).toBeGreaterThanOrEqual(1)
  })
})

describe('the same project without what auto chooses', () => {
  test('flake.lock (the old auto) and the overlay-less set both fail the build', async () => {
    const withoutOverlay = await buildFixture({
      nixpkgs: 'nix/mini-nixpkgs',
      targets: 'aarch64-linux'
    })
    expect(withoutOverlay.main.conclusion).toBe('failure')
    expect(results(withoutOverlay).map((r) => [r.target, r.status, r.failedStage])).toEqual([
      ['aarch64-linux', 'failed', 'build']
    ])
    expect(withoutOverlay.log.join('\n')).toMatch(/attribute 'greeter' missing/)

    const fromLock = await buildFixture({ nixpkgs: 'flake-lock', targets: 'aarch64-linux' })
    expect(fromLock.main.conclusion).toBe('failure')
    expect(fromLock.log.join('\n')).toMatch(/flake-lock: nixpkgs: flake-lock: NixOS\/nixpkgs/)
    expect(fromLock.log.join('\n')).toMatch(/unable to download.*archive\/0{40}\.tar\.gz/)
  }, 300000)
})
