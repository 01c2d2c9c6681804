import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getInputs, InputError } from '../../src/inputs/index.js'
import { buildPlan } from '../../src/plan.js'
import { readerWith } from './input-defaults.js'

const env = {
  GITHUB_WORKSPACE: mkdtempSync(join(tmpdir(), 'plan-')),
  GITHUB_REPOSITORY: 'o/app',
  GITHUB_SHA: '1234567abc'
}
const libraryDir = join(process.cwd(), 'nix')
const plan = (overrides: Record<string, string>) =>
  buildPlan(getInputs(readerWith(overrides), env), { projectDir: env.GITHUB_WORKSPACE, libraryDir })

describe('buildPlan', () => {
  test('keeps the order of the targets and maps each to its cross set, qemu and artifact', () => {
    const result = plan({
      targets: 'armv7l-linux, x86_64-linux, aarch64-linux',
      package: 'postgrest',
      version: 'v12.2.3'
    })
    expect(
      result.targets.map((t) => [t.target, t.nixpkgsCross, t.qemu, t.thPath, t.artifactName])
    ).toEqual([
      [
        'armv7l-linux',
        'armv7l-hf-multiplatform',
        'qemu-arm',
        'qemu-iserv',
        'postgrest-v12.2.3-linux-static-armv7l.tar.xz'
      ],
      ['x86_64-linux', null, null, 'native', 'postgrest-v12.2.3-linux-static-x86-64.tar.xz'],
      [
        'aarch64-linux',
        'aarch64-multiplatform',
        'qemu-aarch64',
        'qemu-iserv',
        'postgrest-v12.2.3-linux-static-aarch64.tar.xz'
      ]
    ])
    expect(result.checksumsArtifact).toBe(
      'postgrest-v12.2.3-linux-static-armv7l+x86-64+aarch64-SHA256SUMS'
    )
  })
  test('renders an installable template per target', () => {
    const result = plan({
      targets: 'aarch64-linux,riscv64-linux',
      installable: '.#static-{target}-{attr}'
    })
    expect(result.targets.map((t) => t.installable)).toEqual([
      '.#static-aarch64-linux-aarch64-multiplatform',
      '.#static-riscv64-linux-riscv64'
    ])
  })
  test('describes the package mode with the cross static Haskell set, and holds the exact nix command', () => {
    const result = plan({ targets: 'aarch64-linux', package: 'postgrest', ghc: 'ghc912' })
    expect(result.targets[0]?.installable).toContain(
      'pkgsCross.aarch64-multiplatform.pkgsStatic.haskell.packages.ghc912'
    )
    const args = result.targets[0]?.nixArgs ?? []
    expect(args.slice(0, 2)).toEqual(['build', '--json'])
    expect(args).toContain(join(libraryDir, 'build.nix'))
    expect(args.join(' ')).toContain('--argstr name postgrest --argstr ghc ghc912')
    expect(result.targets[0]?.nixCwd).toBe(env.GITHUB_WORKSPACE)
  })
  test('emulated targets need extra-platforms; cross targets do not', () => {
    const result = plan({
      targets: 'aarch64-linux,armv6l-linux,x86_64-linux',
      package: 'app',
      'strategy-overrides': 'armv6l-linux=emulated,x86_64-linux=emulated'
    })
    expect(result.extraPlatforms).toEqual(['armv6l-linux'])
    expect(result.targets.map((t) => t.thPath)).toEqual(['qemu-iserv', 'emulated', 'native'])
  })
  test('raw archives are the executable itself, named without an extension', () => {
    expect(plan({ package: 'app', archive: 'raw' }).targets[0]?.artifactName).toBe(
      'app-1234567-linux-static-x86-64'
    )
  })
  test('gives ARM32 targets distinct artifact names through {system}', () => {
    const names = plan({
      targets: 'armv7l-linux,armv6l-linux',
      package: 'app',
      'artifact-name': '{name}-{system}'
    })
    expect(names.targets.map((t) => t.artifactName)).toEqual([
      'app-armv7l-linux.tar.xz',
      'app-armv6l-linux.tar.xz'
    ])
  })
  test('refuses a rendered artifact name the artifact service or a shell would trip on', () => {
    expect(() => plan({ package: 'app', 'artifact-name': '.hidden-{arch}' })).toThrow(InputError)
    expect(() => plan({ package: 'app', 'artifact-name': '{name}:{arch}' })).toThrow(
      /not a valid artifact name/
    )
  })
})
