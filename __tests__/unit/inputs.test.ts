import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getInputs, InputError } from '../../src/inputs/index.js'
import { readerWith } from './input-defaults.js'

const workspace = mkdtempSync(join(tmpdir(), 'inputs-'))
mkdirSync(join(workspace, 'nix'))
writeFileSync(join(workspace, 'nix', 'static.nix'), '{ pkgs }: pkgs.hello\n')
const env = {
  GITHUB_WORKSPACE: workspace,
  GITHUB_REPOSITORY: 'PostgREST/postgrest',
  GITHUB_SHA: 'abcdef0123456789'
}

function inputs(overrides: Record<string, string>) {
  return getInputs(readerWith({ package: 'postgrest', ...overrides }), env)
}

function errorOf(overrides: Record<string, string>): InputError {
  try {
    inputs(overrides)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error(`accepted ${JSON.stringify(overrides)}`)
}

describe('getInputs accepts', () => {
  test('the action.yml defaults with one build mode', () => {
    const parsed = inputs({})
    expect(parsed).toMatchObject({
      targets: ['x86_64-linux'],
      strategy: 'cross',
      mode: { kind: 'package', name: 'postgrest', ghc: undefined, nixpkgs: 'auto' },
      projectDir: '.',
      smokeArgs: ['--version'],
      smokeTimeoutSec: 180,
      name: 'postgrest',
      version: 'abcdef0',
      archive: 'tar.xz',
      compressionLevel: null,
      failOn: 'any',
      dryRun: false,
      cacheMaxSizeBytes: 4 * 1024 ** 3
    })
  })
  test.each([
    ['aarch64-linux,armv7l-linux', ['aarch64-linux', 'armv7l-linux']],
    ['aarch64-linux\narmv7l-linux\n', ['aarch64-linux', 'armv7l-linux']],
    [' aarch64-linux ,, riscv64-linux ', ['aarch64-linux', 'riscv64-linux']],
    ['aarch64-linux riscv64-linux', ['aarch64-linux', 'riscv64-linux']]
  ])('targets %j', (value, expected) => {
    expect(inputs({ targets: value }).targets).toEqual(expected)
  })
  test.each([
    ['tar.xz', '0', 0],
    ['tar.gz', '1', 1],
    ['zip', '9', 9]
  ])('archive %s with compression-level %s', (archive, level, expected) => {
    expect(inputs({ archive, 'compression-level': level }).compressionLevel).toBe(expected)
  })
  test('per-target strategy overrides', () => {
    const parsed = inputs({
      targets: 'aarch64-linux, armv6l-linux',
      'strategy-overrides': 'armv6l-linux=emulated'
    })
    expect(parsed.strategyOverrides).toEqual({ 'armv6l-linux': 'emulated' })
  })
  test('an expression file that exists in the project', () => {
    expect(inputs({ package: '', expression: 'nix/static.nix' }).mode).toEqual({
      kind: 'expression',
      file: 'nix/static.nix',
      attr: undefined,
      args: {},
      nixpkgs: 'auto'
    })
  })
  test('a PostgREST-shaped expression with an attribute, string arguments and the flake.lock nixpkgs', () => {
    const mode = inputs({
      package: '',
      expression: 'nix/static.nix',
      attr: 'postgrestStatic',
      'expression-args': 'compiler = ghc9123\nname=postgrest\n',
      nixpkgs: 'flake-lock'
    }).mode
    expect(mode).toEqual({
      kind: 'expression',
      file: 'nix/static.nix',
      attr: 'postgrestStatic',
      args: { compiler: 'ghc9123', name: 'postgrest' },
      nixpkgs: 'flake-lock'
    })
  })
  test('the version from a tag push, cleaned of slashes', () => {
    const parsed = getInputs(readerWith({ package: 'postgrest' }), {
      ...env,
      GITHUB_REF_TYPE: 'tag',
      GITHUB_REF_NAME: 'release/v12.2'
    })
    expect(parsed.version).toBe('release-v12.2')
  })
  test('booleans in the YAML core spellings', () => {
    expect(inputs({ 'dry-run': 'True' }).dryRun).toBe(true)
    expect(inputs({ upload: 'FALSE' }).upload).toBe(false)
  })
})

describe('getInputs refuses, naming the input and the value', () => {
  test.each([
    [
      { targets: 'sparc-linux' },
      'targets',
      /unknown target "sparc-linux".*valid targets: x86_64-linux, aarch64-linux/
    ],
    [{ targets: 'arm64' }, 'targets', /did you mean aarch64-linux/],
    [{ targets: ' , \n' }, 'targets', /targets is empty/],
    [{ targets: 'aarch64-linux,aarch64-linux' }, 'targets', /lists aarch64-linux twice/],
    [{ strategy: 'docker' }, 'strategy', /strategy must be one of cross, emulated; got "docker"/],
    [
      { 'strategy-overrides': 'armv6l-linux=emulated' },
      'strategy-overrides',
      /not among the targets/
    ],
    [{ 'strategy-overrides': 'x86_64-linux' }, 'strategy-overrides', /is not target=strategy/],
    [{ package: '' }, 'installable', /set exactly one of installable.*none is set/],
    [{ installable: '.#x' }, 'installable', /installable and package are set/],
    [{ package: '', installable: '.#static-{cpu}' }, 'installable', /unknown placeholder \{cpu\}/],
    [{ package: '', installable: '--impure' }, 'installable', /not a flake installable/],
    [
      { package: '', installable: '.#x;touch /tmp/canary' },
      'installable',
      /not a flake installable/
    ],
    [{ package: '', expression: 'nix/missing.nix' }, 'expression', /does not exist/],
    [{ package: '', expression: '../../etc/passwd' }, 'expression', /leaves the workspace/],
    [{ package: '', expression: '/etc/passwd' }, 'expression', /relative to the workspace/],
    [{ package: 'postgrest$(touch x)' }, 'package', /not a cabal package name/],
    [{ ghc: 'ghc9.12' }, 'ghc', /not a Haskell package set name/],
    [{ ghc: 'native-bignum.ghc912' }, 'ghc', /not a Haskell package set name/],
    [{ attr: 'postgrestStatic' }, 'attr', /goes with expression/],
    [
      { package: '', expression: 'nix/static.nix', attr: 'a b' },
      'attr',
      /not a Nix attribute path/
    ],
    [
      { package: '', expression: 'nix/static.nix', 'expression-args': 'compiler' },
      'expression-args',
      /not name=value/
    ],
    [
      { package: '', expression: 'nix/static.nix', 'expression-args': '${x}=1' },
      'expression-args',
      /not name=value/
    ],
    [
      { package: '', expression: 'nix/static.nix', 'expression-args': 'a=1\na=2' },
      'expression-args',
      /gives a twice/
    ],
    [
      { nixpkgs: 'channel:nixos-unstable' },
      'nixpkgs',
      /one of auto, pinned, flake-lock, default-nix or a path/
    ],
    [{ 'project-dir': 'nowhere' }, 'project-dir', /not a directory/],
    [{ executables: '../bin/sh' }, 'executables', /not an executable name/],
    [{ 'smoke-expect': '(' }, 'smoke-expect', /not a valid regular expression/],
    [{ 'smoke-timeout': '0' }, 'smoke-timeout', /from 1 to 3600, got 0/],
    [{ 'smoke-timeout': '-5' }, 'smoke-timeout', /whole number from 1 to 3600, got "-5"/],
    [{ 'smoke-timeout': '1e3' }, 'smoke-timeout', /whole number/],
    [{ 'smoke-timeout': '99999999999' }, 'smoke-timeout', /whole number/],
    [{ name: 'post/grest' }, 'name', /"post\/grest" is not a name/],
    [{ version: 'v1\nfoo=bar' }, 'version', /control character or line break/],
    [{ archive: 'rar' }, 'archive', /one of tar.xz, tar.gz, zip, raw/],
    [{ 'compression-level': '10' }, 'compression-level', /from 0 to 9, got 10/],
    [{ 'compression-level': 'fast' }, 'compression-level', /whole number from 0 to 9, got "fast"/],
    [
      { archive: 'raw', 'compression-level': '3' },
      'compression-level',
      /nothing to compress with archive: raw/
    ],
    [
      { targets: 'aarch64-linux,armv7l-linux', 'artifact-name': '{name}-{version}' },
      'artifact-name',
      /same name; add \{arch\}/
    ],
    [{ 'artifact-name': '{name}-{os}' }, 'artifact-name', /unknown placeholder \{os\}/],
    [{ 'retention-days': '91' }, 'retention-days', /from 0 to 90/],
    [{ 'fail-on': 'some' }, 'fail-on', /one of any, all, none/],
    [{ 'max-parallel': '0' }, 'max-parallel', /from 1 to 16/],
    [{ 'dry-run': 'yes' }, 'dry-run', /true or false, got "yes"/],
    [{ 'nix-version': '2.24.10' }, 'nix-version', /go together/],
    [
      {
        'nix-version': '2.24.10',
        'nix-installer-url': 'http://example.com/nix.tar.xz',
        'nix-installer-sha256': 'a'.repeat(64)
      },
      'nix-installer-url',
      /must be an https URL/
    ],
    [{ substituters: 'not a url' }, 'substituters', /is not a URL/],
    [{ 'trusted-public-keys': 'cache:short' }, 'trusted-public-keys', /not a Nix public key/],
    [{ 'cache-key': 'a b' }, 'cache-key', /only letters, digits/],
    [{ 'cache-max-size': '20G' }, 'cache-max-size', /from 1M to 10G/],
    [{ 'cache-max-size': 'big' }, 'cache-max-size', /a size such as 500M/],
    [{ 'cache-strict': '1' }, 'cache-strict', /true or false/],
    [{ targets: 'x'.repeat(20000) }, 'targets', /at most 16384/]
  ])('%j', (overrides, input, message) => {
    const error = errorOf(overrides)
    expect(error.input).toBe(input)
    expect(error.message).toMatch(message)
  })

  test('a malformed signing key without showing it', () => {
    const secret = 'mykey:c2VjcmV0LXZhbHVlLXRoYXQtaXMtbm90LTY0LWJ5dGVz'
    const error = errorOf({ 'cache-signing-key': secret })
    expect(error.input).toBe('cache-signing-key')
    expect(error.message).toMatch(/not a Nix secret key/)
    expect(error.message).not.toContain('c2VjcmV0')
  })
  test('a github token with a line break without showing it', () => {
    const error = errorOf({ 'github-token': 'ghs_abc\nINJECTED=1' })
    expect(error.input).toBe('github-token')
    expect(error.message).not.toContain('ghs_abc')
  })
})

describe('getInputs refuses what would only fail later, or lead outside the workspace', () => {
  const linked = mkdtempSync(join(tmpdir(), 'inputs-links-'))
  mkdirSync(join(linked, 'nix'))
  mkdirSync(join(linked, 'inner'))
  writeFileSync(join(linked, 'nix', 'static.nix'), '{ pkgs }: pkgs.hello\n')
  symlinkSync('/etc', join(linked, 'outside-dir'))
  symlinkSync('/etc/hostname', join(linked, 'nix', 'outside.nix'))
  symlinkSync('static.nix', join(linked, 'nix', 'inside.nix'))
  symlinkSync('nix', join(linked, 'inside-dir'))
  const linkedEnv = { ...env, GITHUB_WORKSPACE: linked }
  const read = (overrides: Record<string, string>) => () =>
    getInputs(readerWith({ package: 'postgrest', ...overrides }), linkedEnv)

  test.each([
    [{ 'project-dir': 'outside-dir' }, 'project-dir'],
    [{ package: '', expression: 'nix/outside.nix' }, 'expression'],
    [{ nixpkgs: 'outside-dir' }, 'nixpkgs']
  ])('a symbolic link out of the workspace: %j', (overrides, input) => {
    expect(read(overrides)).toThrow(
      expect.objectContaining({
        input,
        message: expect.stringMatching(/leaves the workspace through a symbolic link/)
      })
    )
  })
  test('symbolic links that stay inside the workspace are followed', () => {
    expect(read({ package: '', expression: 'nix/inside.nix' })().mode).toMatchObject({
      file: 'nix/inside.nix'
    })
    expect(read({ 'project-dir': 'inside-dir' })().projectDir).toBe('inside-dir')
  })
  test('an executable listed twice (the archive would refuse it only after the build)', () => {
    const error = errorOf({ executables: 'postgrest, postgrest' })
    expect(error.input).toBe('executables')
    expect(error.message).toMatch(/lists "postgrest" twice/)
  })
  test('a target given two strategies', () => {
    const error = errorOf({
      targets: 'aarch64-linux',
      'strategy-overrides': 'aarch64-linux=emulated, aarch64-linux=cross'
    })
    expect(error.input).toBe('strategy-overrides')
    expect(error.message).toMatch(/gives aarch64-linux twice/)
  })
  test('a NUL in any value', () => {
    expect(errorOf({ name: 'a\u0000b' }).message).toMatch(/control character/)
    expect(errorOf({ 'extra-nix-config': 'a\u0000b' }).input).toBe('extra-nix-config')
  })
})
