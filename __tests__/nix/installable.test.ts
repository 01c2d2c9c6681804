/** Pure argv construction and `nix build --json` parsing (Nix 2.8 and newer shapes). */
import { findTarget } from '../../src/targets.js'
import { expandInstallable, nixBuildInvocation } from '../../src/nix/installable.js'
import { parseNixBuildJson } from '../../src/nix/build.js'

const armv7 = findTarget('armv7l-linux')!
const host = findTarget('x86_64-linux')!
const base = { projectDir: '/src/app', libraryDir: '/action/nix' }

describe('installable resolution', () => {
  it('fills {target}, {system} and {attr} (native for the host) and refuses unknown placeholders', () => {
    expect(expandInstallable('.#static-{target}', armv7)).toBe('.#static-armv7l-linux')
    expect(expandInstallable('.#packages.{system}.{attr}', armv7)).toBe(
      '.#packages.armv7l-linux.armv7l-hf-multiplatform'
    )
    expect(expandInstallable('.#{attr}', host)).toBe('.#native')
    expect(() => expandInstallable('.#{arch}', armv7)).toThrow(/unknown placeholder \{arch\}/)
    expect(() => expandInstallable('--impure', armv7)).toThrow(/must not start with '-'/)
  })

  it('gives a flake installable as one argv element, run in the project', () => {
    const inv = nixBuildInvocation({
      ...base,
      mode: { kind: 'installable', template: '.#static-{target}' },
      target: armv7
    })
    expect(inv).toEqual({
      argv: ['build', '--json', '--no-link', '-L', '.#static-armv7l-linux'],
      cwd: '/src/app',
      describe: '.#static-armv7l-linux'
    })
  })

  it('calls the shipped library with --argstr values only', () => {
    const inv = nixBuildInvocation({
      ...base,
      mode: { kind: 'package', name: 'postgrest', ghc: 'ghc9123' },
      target: armv7,
      strategy: 'emulated',
      outLink: '/tmp/out/armv7l',
      printBuildLogs: false,
      options: [['extra-platforms', 'armv7l-linux']]
    })
    expect(inv.argv).toEqual([
      'build', '--json', '--out-link', '/tmp/out/armv7l', '--option', 'extra-platforms', 'armv7l-linux',
      '--file', '/action/nix/build.nix',
      '--argstr', 'target', 'armv7l-linux', '--argstr', 'projectDir', '/src/app', '--argstr', 'strategy', 'emulated',
      '--argstr', 'mode', 'package', '--argstr', 'name', 'postgrest', '--argstr', 'ghc', 'ghc9123',
      '--argstr', 'nixpkgs', 'auto', 'static'
    ]) // prettier-ignore
  })

  it('passes expression arguments as JSON data and validates names', () => {
    const inv = nixBuildInvocation({
      ...base,
      mode: {
        kind: 'expression',
        file: 'nix/static.nix',
        attr: 'postgrestStatic',
        args: { compiler: 'ghc9123' },
        nixpkgs: 'default-nix'
      },
      target: armv7
    })
    const at = (flag: string): string => inv.argv[inv.argv.indexOf(flag) + 1]!
    expect(inv.argv.slice(-1)).toEqual(['static'])
    expect(inv.argv.join(' ')).toContain(
      '--argstr file nix/static.nix --argstr attr postgrestStatic'
    )
    expect(at('argsJson')).toBe('{"compiler":"ghc9123"}')
    expect(at('nixpkgs')).toBe('default-nix')
    const bad = (mode: Parameters<typeof nixBuildInvocation>[0]['mode']) => () =>
      nixBuildInvocation({ ...base, mode, target: armv7 })
    expect(bad({ kind: 'package', name: 'x; rm -rf /' })).toThrow(/invalid cabal package name/)
    expect(bad({ kind: 'expression', file: 'a.nix', args: { 'a b': '1' } })).toThrow(
      /invalid argument name/
    )
    expect(bad({ kind: 'expression', file: 'a.nix', attr: 'a.${b}' })).toThrow(
      /invalid attribute path/
    )
    expect(() =>
      nixBuildInvocation({
        ...base,
        projectDir: 'rel',
        mode: { kind: 'package', name: 'a' },
        target: armv7
      })
    ).toThrow(/absolute/)
  })
})

describe('nix build --json parsing', () => {
  it('reads Nix 2.8 and newer output shapes', () => {
    const v28 =
      '[{"drvPath":"/nix/store/a-x.drv","outputs":{"out":"/nix/store/b-x","bin":"/nix/store/c-x-bin"}}]\n'
    expect(parseNixBuildJson(v28)).toEqual([
      {
        drvPath: '/nix/store/a-x.drv',
        outputs: { out: '/nix/store/b-x', bin: '/nix/store/c-x-bin' }
      }
    ])
    const newer =
      'warning: Git tree is dirty\n[{"drvPath":"/nix/store/a.drv","outputs":{"out":"/nix/store/b"},"startTime":1,"stopTime":2}]'
    expect(parseNixBuildJson(newer)[0]!.outputs).toEqual({ out: '/nix/store/b' })
    expect(parseNixBuildJson('[{"path":"/nix/store/opaque"}]')).toEqual([
      { drvPath: undefined, outputs: { out: '/nix/store/opaque' } }
    ])
    expect(parseNixBuildJson('')).toEqual([])
    expect(() => parseNixBuildJson('nothing')).toThrow(/no JSON array/)
  })
})
