/**
 * Hostile and malformed inputs, end to end: the bundled action run by the local runner with a
 * canary PATH (any nix, qemu, tar, sh... it starts is recorded) and a canary file that any
 * command substitution would create. A refused value must give one error naming the input and
 * the value, before any side effect; a value accepted on purpose is run and what happens is
 * asserted. Every case is recorded for docs/RELIABILITY.md.
 */
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getInputs, InputError } from '../../src/inputs/index.js'
import { show } from '../../src/inputs/parse.js'
import type { TargetResult } from '../../src/pipeline/results.js'
import {
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { actionSnapshot } from '../../test-support/action-snapshot.js'
import { caseRecorder, describeValue } from '../../test-support/reliability.js'
import { withoutMaskCommands } from '../../test-support/secret-search.js'
import { snapshotTree } from '../../test-support/tree-snapshot.js'
import { canaryPath } from './canary.js'

const EXAMPLE = join(process.cwd(), 'examples', 'hello-c')
const CANARY_FILE = join(
  tmpdir(),
  `static-cross-canary-${process.pid}-${randomBytes(4).toString('hex')}`
)
const INJECTIONS = [
  `$(touch ${CANARY_FILE})`,
  `\`touch ${CANARY_FILE}\``,
  `; touch ${CANARY_FILE}`,
  `| touch ${CANARY_FILE}`,
  `&& touch ${CANARY_FILE}`
]
/** The same without spaces, for inputs that split on them. */
const INJECTIONS_NO_SPACE = [
  `$(touch\${IFS}${CANARY_FILE})`,
  `\`touch\${IFS}${CANARY_FILE}\``,
  `;touch\${IFS}${CANARY_FILE}`,
  `|touch\${IFS}${CANARY_FILE}`
]
// Every output action.yml declares, set (empty where it does not apply) on every run.
const OUTPUTS = [
  'artifacts-dir',
  'cache-hit',
  'failed-targets',
  'image-digest',
  'image-platform-digests',
  'plan',
  'results',
  'targets'
]
const SIGNING_KEY_SHAPED = `test-1:${randomBytes(64).toString('base64')}`
const PUBLIC_KEY_SHAPED = `test-1:${randomBytes(32).toString('base64')}`
const SHA = 'a'.repeat(64)
const ZW = '\u200b'
const RTL = '\u202e'

const record = caseRecorder('hostile-inputs', 'Hostile and malformed inputs')
let services: Services
let actionDir: string

beforeAll(async () => {
  services = await startServices()
  actionDir = await actionSnapshot()
}, 120000)
afterAll(async () => {
  record.write()
  await services?.stop()
  rmSync(CANARY_FILE, { force: true })
})

/** A workspace with an expression file, a subdirectory and links that lead out of it. */
function hostileWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-hostile-'))
  mkdirSync(join(dir, 'nix'))
  mkdirSync(join(dir, 'sub'))
  writeFileSync(join(dir, 'nix', 'static.nix'), '{ pkgs, ... }: pkgs.pkgsStatic.hello\n')
  writeFileSync(join(dir, 'flake.nix'), '{ outputs = { self }: { }; }\n')
  symlinkSync('/', join(dir, 'root-link'))
  symlinkSync('/etc/hostname', join(dir, 'nix', 'outside.nix'))
  return dir
}

interface Refusal {
  name: string
  /** The input the error must name. */
  input: string
  value: string
  /** Other inputs the case needs (a build mode, the rest of a group). */
  with?: Record<string, string>
  /** Text the error must contain besides the input name; the shown value by default. */
  shows?: string[]
  /** The value is a secret: it must appear in no output, masked or not. */
  secret?: boolean
}

const INSTALLABLE = { installable: '.#static-{target}' }
const EXPRESSION = { installable: '', expression: 'nix/static.nix' }
const PACKAGE = { installable: '', package: 'hello' }
const INSTALLER = {
  'nix-version': '2.24.10',
  'nix-installer-url': 'https://example.com/nix.tar.xz',
  'nix-installer-sha256': SHA
}

/** Every string input with a shell metacharacter or command substitution in it, refused. */
const inject = (i: number) => INJECTIONS[i % INJECTIONS.length] as string
const injectNoSpace = (i: number) => INJECTIONS_NO_SPACE[i % INJECTIONS_NO_SPACE.length] as string
const META_REFUSALS: Refusal[] = (
  [
    { input: 'targets', value: `x86_64-linux${injectNoSpace(0)}` },
    { input: 'strategy', value: `cross${inject(1)}` },
    {
      input: 'strategy-overrides',
      value: `x86_64-linux=cross${injectNoSpace(2)}`,
      shows: [show(`cross${injectNoSpace(2)}`)]
    },
    { input: 'installable', value: `.#static-{target}${inject(3)}` },
    { input: 'installable', value: `.#static-{target}${injectNoSpace(0)}` },
    { input: 'expression', value: `nix/static.nix${inject(4)}`, with: EXPRESSION },
    { input: 'attr', value: `hello${injectNoSpace(1)}`, with: EXPRESSION },
    { input: 'expression-args', value: `${inject(0)}=1`, with: EXPRESSION },
    { input: 'package', value: `hello${injectNoSpace(2)}`, with: { installable: '' } },
    { input: 'ghc', value: `ghc912${injectNoSpace(3)}`, with: PACKAGE },
    { input: 'nixpkgs', value: `pinned${inject(1)}`, with: PACKAGE },
    { input: 'project-dir', value: `.${inject(2)}` },
    { input: 'executables', value: `hello${injectNoSpace(0)}` },
    { input: 'smoke-timeout', value: `5${inject(3)}` },
    { input: 'name', value: `hello${inject(4)}` },
    { input: 'version', value: `1.0${injectNoSpace(1)}` },
    { input: 'archive', value: `tar.xz${inject(0)}` },
    { input: 'compression-level', value: `6${inject(1)}` },
    { input: 'artifact-name', value: `{name}-{arch}${injectNoSpace(2)}`, shows: ['touch'] },
    { input: 'upload', value: `true${inject(1)}` },
    { input: 'retention-days', value: `1${inject(2)}` },
    { input: 'fail-on', value: `any${inject(3)}` },
    { input: 'max-parallel', value: `2${inject(4)}` },
    { input: 'dry-run', value: `true${inject(0)}` },
    { input: 'install-nix', value: `true${inject(1)}` },
    { input: 'nix-version', value: `2.24.10${injectNoSpace(3)}`, with: INSTALLER },
    { input: 'nix-installer-sha256', value: `${SHA}${injectNoSpace(0)}`, with: INSTALLER },
    { input: 'substituters', value: `https://cache.example ${inject(0)}`, shows: ['$(touch"'] },
    { input: 'trusted-public-keys', value: `cache-1:${injectNoSpace(1)}` },
    {
      input: 'github-token',
      value: `ghs_${inject(2)}`,
      shows: ['the value is not shown'],
      secret: true
    },
    { input: 'cache', value: `true${inject(3)}` },
    { input: 'cache-key', value: `v1${injectNoSpace(2)}` },
    {
      input: 'cache-signing-key',
      value: `test-1:${injectNoSpace(3)}`,
      shows: ['is not shown'],
      secret: true
    },
    { input: 'cache-max-size', value: `2G${inject(4)}` },
    { input: 'cache-strict', value: `false${inject(0)}` },
    { input: 'summary', value: `true${inject(1)}` }
  ] as Omit<Refusal, 'name'>[]
).map((c) => ({ ...c, name: `shell metacharacters in ${c.input}` }))

/** All five injections in the inputs that become names, paths and templates. */
const INJECTION_SWEEP: Refusal[] = (
  ['name', 'version', 'installable', 'artifact-name', 'project-dir'] as const
).flatMap((input) =>
  INJECTIONS.map((injection, i) => ({
    name: `injection ${i + 1} of ${INJECTIONS.length} in ${input}`,
    input,
    value:
      input === 'artifact-name'
        ? `{name}-{arch}${injection}`
        : input === 'installable'
          ? `.#a${injection}`
          : `x${injection}`,
    shows: input === 'artifact-name' ? ['touch'] : undefined
  }))
)

const TARGET_REFUSALS: Refusal[] = [
  {
    name: 'unknown target',
    input: 'targets',
    value: 'sparc-linux',
    shows: ['"sparc-linux"', 'valid targets: x86_64-linux']
  },
  {
    name: 'friendly alias, hinted not accepted',
    input: 'targets',
    value: 'arm64',
    shows: ['"arm64"', 'did you mean aarch64-linux']
  },
  { name: 'empty targets', input: 'targets', value: '', shows: ['targets is empty'] },
  { name: 'only separators', input: 'targets', value: ' ,\n, \t', shows: ['targets is empty'] },
  {
    name: 'duplicate target',
    input: 'targets',
    value: 'x86_64-linux,x86_64-linux',
    shows: ['x86_64-linux twice']
  },
  {
    name: 'duplicate target, different separators',
    input: 'targets',
    value: 'aarch64-linux\n aarch64-linux',
    shows: ['aarch64-linux twice']
  },
  { name: 'wrong case', input: 'targets', value: 'X86_64-Linux', shows: ['"X86_64-Linux"'] },
  {
    name: 'semicolon separator',
    input: 'targets',
    value: 'x86_64-linux;aarch64-linux',
    shows: ['"x86_64-linux;aarch64-linux"']
  },
  { name: 'zero-width space inside a target', input: 'targets', value: `aarch64${ZW}-linux` },
  { name: 'RTL override inside a target', input: 'targets', value: `${RTL}xunil-46_68x` },
  {
    name: 'strategy override for a target not built',
    input: 'strategy-overrides',
    value: 'armv6l-linux=emulated',
    shows: ['"armv6l-linux"']
  },
  {
    name: 'strategy override twice',
    input: 'strategy-overrides',
    value: 'x86_64-linux=cross,x86_64-linux=emulated',
    shows: ['x86_64-linux twice']
  },
  {
    name: 'strategy override without =',
    input: 'strategy-overrides',
    value: 'x86_64-linux',
    shows: ['"x86_64-linux"']
  }
]

const MODE_REFUSALS: Refusal[] = [
  { name: 'no build mode', input: 'installable', value: '', shows: ['none is set'] },
  {
    name: 'two build modes',
    input: 'installable',
    value: '.#a',
    with: { package: 'hello' },
    shows: ['installable and package are set']
  },
  {
    name: 'installable: unknown placeholder',
    input: 'installable',
    value: '.#static-{cpu}',
    shows: ['{cpu}']
  },
  {
    name: 'installable: unmatched brace',
    input: 'installable',
    value: '.#static-{target',
    shows: ['unmatched brace']
  },
  { name: 'installable: looks like an option', input: 'installable', value: '--impure' },
  {
    name: 'installable: option smuggled after a space',
    input: 'installable',
    value: '.#a --option sandbox false'
  },
  { name: 'installable: quotes', input: 'installable', value: `.#"a"` },
  {
    name: 'installable: path: flake outside the project',
    input: 'installable',
    value: 'path:/etc#x',
    shows: ['outside the project']
  },
  {
    name: 'installable: absolute path outside the project',
    input: 'installable',
    value: '/nix/store#x',
    shows: ['outside the project']
  },
  {
    name: 'installable: git+file: repository outside the project',
    input: 'installable',
    value: 'git+file:///srv/repo#static-{target}',
    shows: ['outside the project']
  },
  {
    name: 'installable: relative path out of the project',
    input: 'installable',
    value: '../..#x',
    shows: ['outside the project']
  },
  { name: 'installable: newline', input: 'installable', value: '.#a\n.#b', shows: ['line break'] },
  { name: 'installable: expression syntax', input: 'installable', value: '${{ github.token }}' },
  {
    name: 'expression: missing file',
    input: 'expression',
    value: 'nix/missing.nix',
    with: EXPRESSION
  },
  { name: 'expression: a directory', input: 'expression', value: 'nix', with: EXPRESSION },
  {
    name: 'expression: parent traversal',
    input: 'expression',
    value: '../../etc/passwd',
    with: EXPRESSION
  },
  {
    name: 'expression: traversal after a real dir',
    input: 'expression',
    value: 'nix/../../etc/passwd',
    with: EXPRESSION
  },
  {
    name: 'expression: absolute path',
    input: 'expression',
    value: '/etc/passwd',
    with: EXPRESSION
  },
  { name: 'expression: home path', input: 'expression', value: '~/.ssh/id_rsa', with: EXPRESSION },
  {
    name: 'expression: symbolic link out of the workspace',
    input: 'expression',
    value: 'nix/outside.nix',
    with: EXPRESSION,
    shows: ['symbolic link']
  },
  {
    name: 'expression: path part like an option',
    input: 'expression',
    value: 'nix/-e.nix',
    with: EXPRESSION
  },
  { name: 'attr: not an attribute path', input: 'attr', value: 'a b', with: EXPRESSION },
  { name: 'attr: interpolation', input: 'attr', value: '${builtins.exec}', with: EXPRESSION },
  {
    name: 'attr without expression',
    input: 'attr',
    value: 'hello',
    with: PACKAGE,
    shows: ['goes with expression']
  },
  { name: 'expression-args: no =', input: 'expression-args', value: 'compiler', with: EXPRESSION },
  {
    name: 'expression-args: name is Nix code',
    input: 'expression-args',
    value: '${x}=1',
    with: EXPRESSION
  },
  {
    name: 'expression-args: name twice',
    input: 'expression-args',
    value: 'a=1\na=2',
    with: EXPRESSION,
    shows: ['gives a twice']
  },
  {
    name: 'package: not a cabal name',
    input: 'package',
    value: 'hello world',
    with: { installable: '' }
  },
  { name: 'package: path', input: 'package', value: '../hello', with: { installable: '' } },
  { name: 'ghc: dotted', input: 'ghc', value: 'haskell.compiler.ghc912', with: PACKAGE },
  {
    name: 'nixpkgs: unknown source',
    input: 'nixpkgs',
    value: 'channel:nixos-unstable',
    with: PACKAGE
  },
  { name: 'nixpkgs: traversal', input: 'nixpkgs', value: '../nixpkgs', with: PACKAGE },
  { name: 'nixpkgs: absolute store path', input: 'nixpkgs', value: '/nix/store', with: PACKAGE },
  {
    name: 'nixpkgs: symbolic link out of the workspace',
    input: 'nixpkgs',
    value: 'root-link',
    with: PACKAGE,
    shows: ['symbolic link']
  }
]

const PATH_AND_NAME_REFUSALS: Refusal[] = [
  { name: 'project-dir: parent', input: 'project-dir', value: '..' },
  { name: 'project-dir: traversal after a real dir', input: 'project-dir', value: 'sub/../..' },
  { name: 'project-dir: absolute', input: 'project-dir', value: '/' },
  { name: 'project-dir: home', input: 'project-dir', value: '~' },
  { name: 'project-dir: missing', input: 'project-dir', value: 'nowhere' },
  { name: 'project-dir: a file', input: 'project-dir', value: 'flake.nix' },
  { name: 'project-dir: like an option', input: 'project-dir', value: '-rf' },
  {
    name: 'project-dir: symbolic link to /',
    input: 'project-dir',
    value: 'root-link',
    shows: ['symbolic link']
  },
  { name: 'executables: traversal', input: 'executables', value: '../bin/sh' },
  { name: 'executables: absolute', input: 'executables', value: '/bin/sh' },
  { name: 'executables: dot-dot', input: 'executables', value: '..' },
  {
    name: 'executables: listed twice',
    input: 'executables',
    value: 'hello, hello',
    shows: ['"hello" twice']
  },
  { name: 'name: traversal', input: 'name', value: '../../x' },
  { name: 'name: slash', input: 'name', value: 'a/b' },
  { name: 'name: hidden', input: 'name', value: '.hidden' },
  { name: 'name: like an option', input: 'name', value: '-v' },
  { name: 'name: RTL override', input: 'name', value: `hello${RTL}gpj.exe` },
  { name: 'name: zero-width space', input: 'name', value: `hel${ZW}lo` },
  { name: 'name: 101 characters', input: 'name', value: 'n'.repeat(101) },
  { name: 'version: traversal', input: 'version', value: '../1.0' },
  {
    name: 'version: newline and an extra output',
    input: 'version',
    value: '1.0\nfoo=bar',
    shows: ['line break']
  },
  {
    name: 'version: carriage return',
    input: 'version',
    value: '1.0\rfoo=bar',
    shows: ['control character']
  },
  {
    name: 'version: heredoc delimiter on its own line',
    input: 'version',
    value: '1.0\nghadelimiter_0\nfoo=bar',
    shows: ['line break']
  },
  {
    name: 'version: unicode line separator',
    input: 'version',
    value: '1.0\u2028foo=bar',
    shows: ['control character']
  },
  {
    name: 'artifact-name: slash',
    input: 'artifact-name',
    value: '{name}/{arch}',
    shows: ['"example/x86-64']
  },
  {
    name: 'artifact-name: traversal',
    input: 'artifact-name',
    value: '../{arch}',
    shows: ['"../x86-64']
  },
  {
    name: 'artifact-name: colon and backslash',
    input: 'artifact-name',
    value: '{arch}:\\x',
    shows: ['x86-64:']
  },
  {
    name: 'artifact-name: unknown placeholder',
    input: 'artifact-name',
    value: '{name}-{os}',
    shows: ['{os}']
  },
  {
    name: 'artifact-name: same for every target',
    input: 'artifact-name',
    value: '{name}-{version}',
    with: { targets: 'x86_64-linux,aarch64-linux' },
    shows: ['same name']
  },
  {
    name: 'artifact-name: leading dot',
    input: 'artifact-name',
    value: '.{arch}',
    shows: ['".x86-64']
  },
  {
    name: 'artifact-name: renders over 200 characters',
    input: 'artifact-name',
    value: `${'a'.repeat(200)}-{arch}`,
    shows: ['at most 200']
  },
  {
    name: 'artifact-name: markup',
    input: 'artifact-name',
    value: '<img src=x>{arch}',
    shows: ['<img']
  },
  {
    name: 'artifact-name: newline and an extra output',
    input: 'artifact-name',
    value: '{arch}\nfoo=bar',
    shows: ['line break']
  },
  {
    name: 'smoke-expect: newline and an extra output',
    input: 'smoke-expect',
    value: 'hello\nfoo=bar',
    shows: ['line break']
  },
  {
    name: 'smoke-expect: heredoc delimiter',
    input: 'smoke-expect',
    value: 'x\nghadelimiter_1\nfoo=bar',
    shows: ['line break']
  },
  { name: 'smoke-expect: invalid regular expression', input: 'smoke-expect', value: '(' },
  {
    name: 'smoke-args: newline',
    input: 'smoke-args',
    value: '--version\nfoo=bar',
    shows: ['line break']
  }
]

const NUMBER_REFUSALS: Refusal[] = [
  ...['-1', '0', '3601', '99999999999', '1e3', '0x10', '3.5', 'ten', ' ', '\u0663'].map(
    (value) => ({
      name: `smoke-timeout ${describeValue(value)}`,
      input: 'smoke-timeout',
      value,
      // The runner trims values, as core.getInput does: a blank value arrives empty.
      shows: [/^\d{1,9}$/.test(value) ? `got ${Number(value)}` : show(value.trim())]
    })
  ),
  ...['-5', '91', '1000000', 'forever'].map((value) => ({
    name: `retention-days ${value}`,
    input: 'retention-days',
    value,
    shows: [/^\d{1,9}$/.test(value) ? `got ${Number(value)}` : show(value)]
  })),
  ...['0', '17', '-2', '2.0', 'all'].map((value) => ({
    name: `max-parallel ${value}`,
    input: 'max-parallel',
    value,
    shows: [/^\d{1,9}$/.test(value) ? `got ${Number(value)}` : show(value)]
  })),
  ...['0', '-1G', '11G', '1T', '999999G', '512K', 'big'].map((value) => ({
    name: `cache-max-size ${value}`,
    input: 'cache-max-size',
    value
  }))
]

const CHOICE_AND_KEY_REFUSALS: Refusal[] = [
  { name: 'strategy unknown', input: 'strategy', value: 'docker' },
  { name: 'archive unknown', input: 'archive', value: 'rar' },
  { name: 'fail-on unknown', input: 'fail-on', value: 'some' },
  { name: 'boolean spelled yes', input: 'upload', value: 'yes' },
  { name: 'boolean spelled 1', input: 'cache', value: '1' },
  { name: 'boolean empty', input: 'dry-run', value: '' },
  {
    name: 'nix-version without url and hash',
    input: 'nix-version',
    value: '2.24.10',
    shows: ['go together']
  },
  {
    name: 'nix-installer-url over plain http',
    input: 'nix-installer-url',
    value: 'http://example.com/nix.tar.xz',
    with: INSTALLER
  },
  {
    name: 'nix-installer-url is a file',
    input: 'nix-installer-url',
    value: 'file:///etc/passwd',
    with: INSTALLER
  },
  {
    name: 'nix-installer-url not a URL',
    input: 'nix-installer-url',
    value: 'releases',
    with: INSTALLER
  },
  {
    name: 'nix-installer-sha256 too short',
    input: 'nix-installer-sha256',
    value: 'abc',
    with: INSTALLER
  },
  { name: 'nix-version not a version', input: 'nix-version', value: 'latest', with: INSTALLER },
  {
    name: 'substituters: unsupported scheme',
    input: 'substituters',
    value: 'javascript:alert(1)',
    shows: ['javascript:']
  },
  {
    name: 'substituters: not a URL',
    input: 'substituters',
    value: 'cache.example',
    shows: ['"cache.example"']
  },
  {
    name: 'trusted-public-keys: short key',
    input: 'trusted-public-keys',
    value: 'cache-1:c2hvcnQ='
  },
  {
    name: 'trusted-public-keys: no name',
    input: 'trusted-public-keys',
    value: randomBytes(32).toString('base64')
  },
  {
    name: 'trusted-public-keys: a secret key given as public',
    input: 'trusted-public-keys',
    value: SIGNING_KEY_SHAPED,
    shows: ['not a Nix public key']
  },
  {
    name: 'cache-signing-key: too short',
    input: 'cache-signing-key',
    value: 'test-1:c2hvcnQ=',
    shows: ['is not shown'],
    secret: true
  },
  {
    name: 'cache-signing-key: a public key given as secret',
    input: 'cache-signing-key',
    value: PUBLIC_KEY_SHAPED,
    shows: ['is not shown'],
    secret: true
  },
  {
    name: 'cache-signing-key: three parts',
    input: 'cache-signing-key',
    value: `a:${SIGNING_KEY_SHAPED}`,
    shows: ['is not shown'],
    secret: true
  },
  {
    name: 'cache-signing-key: newline',
    input: 'cache-signing-key',
    value: `${SIGNING_KEY_SHAPED}\nfoo=bar`,
    shows: ['is not shown'],
    secret: true
  },
  {
    name: 'github-token: newline and an extra env line',
    input: 'github-token',
    value: 'ghs_secretvalue123\nNIX_PATH=/tmp',
    shows: ['is not shown'],
    secret: true
  },
  { name: 'cache-key: traversal', input: 'cache-key', value: '../other' },
  { name: 'cache-key: 65 characters', input: 'cache-key', value: 'k'.repeat(65) }
]

const LENGTH_REFUSALS: Refusal[] = [
  {
    name: 'name of 20000 characters',
    input: 'name',
    value: 'n'.repeat(20000),
    shows: ['20000 characters long']
  },
  {
    name: 'extra-nix-config of 16385 characters',
    input: 'extra-nix-config',
    value: `# ${'c'.repeat(16383)}`,
    shows: ['16385 characters long']
  },
  {
    name: 'targets of 100 KiB',
    input: 'targets',
    value: 'x86_64-linux,'.repeat(8000),
    shows: ['104000 characters long']
  },
  {
    name: 'extra-nix-config with an escape character',
    input: 'extra-nix-config',
    value: 'a = b\u001b[2J',
    shows: ['control character']
  }
]

const REFUSALS: Refusal[] = [
  ...META_REFUSALS,
  ...INJECTION_SWEEP,
  ...TARGET_REFUSALS,
  ...MODE_REFUSALS,
  ...PATH_AND_NAME_REFUSALS,
  ...NUMBER_REFUSALS,
  ...CHOICE_AND_KEY_REFUSALS,
  ...LENGTH_REFUSALS
]

function expectNothingInjected(run: ActionRunResult, canary: ReturnType<typeof canaryPath>): void {
  expect(existsSync(CANARY_FILE)).toBe(false)
  expect(canary.ran()).toEqual([])
  expect(run.main.fileCommandErrors).toEqual([])
  expect(run.post?.fileCommandErrors ?? []).toEqual([])
}

describe('refused before any side effect, with one error naming the input and the value', () => {
  test.each(REFUSALS.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const inputs = { ...INSTALLABLE, ...(c.with ?? {}), [c.input]: c.value }
    await record.check(
      c.name,
      `${c.input}: ${describeValue(c.value)}`,
      `refused naming ${c.input}; nothing runs or is written`,
      async () => {
        const workspace = hostileWorkspace()
        const before = snapshotTree(workspace)
        const canary = canaryPath()
        services.calls.reset()
        const run = await runAction({
          services,
          actionDir,
          inputs,
          workspace,
          pathPrepend: [canary.dir]
        })
        expect(run.main.conclusion).toBe('failure')
        expect(run.main.exitCode).not.toBe(0)
        const errors = run.main.annotations.filter((a) => a.level === 'error')
        expect(errors).toHaveLength(1)
        const message = errors[0]!.message
        expect(message).toContain(c.input)
        for (const text of c.shows ?? [show(c.value)]) expect(message).toContain(text)
        if (c.secret) {
          const everything = withoutMaskCommands(
            [run.main.stdout, run.main.stderr, ...run.log, JSON.stringify(run.main.outputs)].join(
              '\n'
            )
          )
          expect(everything).not.toContain(c.value)
          expect(everything).not.toContain(c.value.split(/[:\n]/)[1] ?? c.value)
        }
        // No side effect: nothing started, no service called, nothing written.
        expectNothingInjected(run, canary)
        expect(services.calls.records).toEqual([])
        expect(snapshotTree(workspace)).toEqual(before)
        expect(readdirSync(run.runnerTemp).sort()).toEqual([
          '_github_workflow',
          '_runner_file_commands'
        ])
        expect(run.main.outputs).toEqual({})
        expect(run.main.exportedEnv).toEqual({})
        expect(run.main.addedPaths).toEqual([])
        expect(run.post?.conclusion).toBe('success')
        expect(run.post?.annotations).toEqual([])
        rmSync(workspace, { recursive: true, force: true })
        return `refused in ${(run.main.durationMs / 1000).toFixed(1)} s: ${message.slice(0, 160)}`
      }
    )
  })

  test('a NUL cannot reach the action through the environment, and the parser refuses it anyway', async () => {
    await record.check(
      'NUL in an input',
      'name: "a\\u0000b"',
      'cannot be passed; refused if it were',
      async () => {
        const canary = canaryPath()
        services.calls.reset()
        await expect(
          runAction({
            services,
            actionDir,
            inputs: { ...INSTALLABLE, name: 'a\u0000b' },
            pathPrepend: [canary.dir]
          })
        ).rejects.toThrow(/null bytes|must be a string without null bytes|ERR_INVALID_ARG_VALUE/)
        expect(canary.ran()).toEqual([])
        expect(services.calls.records).toEqual([])
        const workspace = hostileWorkspace()
        const read = (name: string) => ({ ...INSTALLABLE, name: 'a\u0000b' })[name as 'name'] ?? ''
        expect(() => getInputs(read, { GITHUB_WORKSPACE: workspace })).toThrow(InputError)
        return 'environment values cannot hold NUL (the step cannot start); getInputs refuses it as a control character'
      }
    )
  })
})

/** Accepted on purpose: run dry (no Nix), prove the value is data and adds no output or env. */
interface DryAcceptance {
  name: string
  inputs: Record<string, string>
  expected: string
  check: (run: ActionRunResult) => string
}

const argvOf = (run: ActionRunResult, target = 0): string[] =>
  JSON.parse(run.main.outputs.plan ?? '{}').targets[target].nixArgs
/** expression-args reach Nix as one --argstr argsJson string. */
const expressionArgsOf = (run: ActionRunResult): Record<string, string> => {
  const argv = argvOf(run)
  return JSON.parse(argv[argv.indexOf('argsJson') + 1] ?? 'null')
}

const DRY_ACCEPTED: DryAcceptance[] = [
  {
    name: 'targets with odd separators (tabs, blank lines, doubled commas)',
    inputs: { targets: ' x86_64-linux ,,\n\n\taarch64-linux  \n' },
    expected: 'two targets, in order',
    check: (run) => {
      expect(run.main.outputs.targets).toBe('x86_64-linux,aarch64-linux')
      return `targets output ${run.main.outputs.targets}`
    }
  },
  {
    name: 'targets separated by a no-break space (Unicode whitespace is a separator)',
    inputs: { targets: 'x86_64-linux\u00a0aarch64-linux' },
    expected: 'two targets',
    check: (run) => {
      expect(run.main.outputs.targets).toBe('x86_64-linux,aarch64-linux')
      return `targets output ${run.main.outputs.targets}`
    }
  },
  {
    name: 'expression-args values with command substitution reach Nix as strings (--argstr argsJson)',
    inputs: { ...EXPRESSION, 'expression-args': `compiler=${inject(0)}\nflag=${inject(1)}` },
    expected: 'each value one argv element, never a shell string',
    check: (run) => {
      expect(expressionArgsOf(run)).toEqual({ compiler: inject(0), flag: inject(1) })
      return 'values carried verbatim in the one --argstr argsJson argument'
    }
  },
  {
    name: 'expression-args value with markup and a heredoc delimiter',
    inputs: {
      ...EXPRESSION,
      'expression-args': 'a=<img src=x onerror=alert(1)>\nb=ghadelimiter_0'
    },
    expected: 'plan output is JSON; summary escapes the markup',
    check: (run) => {
      expect(expressionArgsOf(run)).toEqual({
        a: '<img src=x onerror=alert(1)>',
        b: 'ghadelimiter_0'
      })
      expect(run.main.summary).not.toContain('<img')
      return 'argv holds both values; no <img in the summary'
    }
  },
  {
    name: 'installable: a remote flake (github:) stays allowed',
    inputs: { installable: 'github:PostgREST/postgrest#static-{target}' },
    expected: 'accepted; the installable is one argv element',
    check: (run) => {
      expect(argvOf(run).at(-1)).toBe('github:PostgREST/postgrest#static-x86_64-linux')
      return `argv ends with ${argvOf(run).at(-1)}`
    }
  },
  {
    name: 'installable: a flake registry name stays allowed',
    inputs: { installable: 'nixpkgs#pkgsCross.{attr}.pkgsStatic.hello' },
    expected: 'accepted; the installable is one argv element',
    check: (run) => {
      expect(argvOf(run).at(-1)).toBe('nixpkgs#pkgsCross.native.pkgsStatic.hello')
      return `argv ends with ${argvOf(run).at(-1)}`
    }
  },
  {
    name: 'version spelled like the output heredoc delimiter',
    inputs: { version: 'ghadelimiter_0' },
    expected: 'a plain version; the outputs are exactly the six declared',
    check: (run) => {
      expect(JSON.parse(run.main.outputs.results ?? '[]')[0].artifact.name).toBe(
        'example-ghadelimiter_0-linux-static-x86-64.tar.xz'
      )
      return 'artifact example-ghadelimiter_0-linux-static-x86-64.tar.xz'
    }
  },
  {
    name: 'smoke-args with command substitution (split on spaces, passed as argv, no shell)',
    inputs: { 'smoke-args': `--version ${inject(0)}` },
    expected: 'accepted; nothing runs in a dry run (the real-build case runs it)',
    check: () => 'accepted'
  },
  {
    name: 'smoke-expect that is also shell syntax (a regular expression is data)',
    inputs: { 'smoke-expect': `^hello|${inject(0)}` },
    expected: 'accepted',
    check: () => 'accepted'
  },
  {
    name: 'extra-nix-config with command substitution (Nix config text, never a shell)',
    inputs: { 'extra-nix-config': `# ${inject(0)}\nwarn-dirty = false` },
    expected: 'accepted; nothing runs',
    check: () => 'accepted'
  },
  {
    name: 'github-token with command substitution and no spaces (a secret is opaque)',
    inputs: { 'github-token': `ghs_${injectNoSpace(0)}` },
    expected: 'accepted; the token is masked',
    check: (run) => {
      expect(withoutMaskCommands(run.main.stdout)).not.toContain(`ghs_${injectNoSpace(0)}`)
      return 'accepted, not printed'
    }
  },
  {
    name: 'nix-installer-url with command substitution in its path (a URL is data)',
    inputs: { ...INSTALLER, 'nix-installer-url': `https://example.com/${injectNoSpace(0)}` },
    expected: 'accepted; only downloaded when Nix is missing, never run by a shell',
    check: () => 'accepted'
  },
  {
    name: 'substituters URL with command substitution in its path',
    inputs: { substituters: `https://cache.example/${injectNoSpace(0)}` },
    expected: 'accepted; a URL for Nix',
    check: () => 'accepted'
  },
  {
    name: 'smoke-timeout with leading zeros',
    inputs: { 'smoke-timeout': '007' },
    expected: 'accepted as 7',
    check: () => 'accepted'
  },
  {
    name: 'a misspelt input (tragets)',
    inputs: { tragets: 'aarch64-linux' },
    expected: 'the runner warns about the unexpected input; the action builds the default target',
    check: (run) => {
      expect(run.runnerMessages.join('\n')).toContain("Unexpected input(s) 'tragets'")
      expect(run.main.outputs.targets).toBe('x86_64-linux')
      return 'runner warning; targets x86_64-linux'
    }
  }
]

describe('accepted on purpose, checked in a dry run', () => {
  test.each(DRY_ACCEPTED.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await record.check(
      c.name,
      Object.entries(c.inputs)
        .map(([k, v]) => `${k}: ${describeValue(v, 60)}`)
        .join('; '),
      c.expected,
      async () => {
        const workspace = hostileWorkspace()
        const before = snapshotTree(workspace)
        const canary = canaryPath()
        services.calls.reset()
        const run = await runAction({
          services,
          actionDir,
          inputs: { ...INSTALLABLE, ...c.inputs, 'dry-run': 'true' },
          workspace,
          pathPrepend: [canary.dir]
        })
        expect(run.main.annotations.filter((a) => a.level === 'error')).toEqual([])
        expect(run.conclusion).toBe('success')
        expectNothingInjected(run, canary)
        expect(services.calls.records).toEqual([])
        expect(snapshotTree(workspace)).toEqual(before)
        expect(Object.keys(run.main.outputs).sort()).toEqual(OUTPUTS)
        expect(run.main.exportedEnv).toEqual({})
        expect(JSON.parse(run.main.outputs.plan ?? 'null')).toBeTruthy()
        const observed = c.check(run)
        rmSync(workspace, { recursive: true, force: true })
        return observed
      }
    )
  })
})

describe('accepted on purpose, in one real build of examples/hello-c', () => {
  let run: ActionRunResult
  const token = `ghs_${injectNoSpace(1)}`
  beforeAll(async () => {
    const canary = canaryPath()
    run = await runAction({
      services,
      actionDir,
      run: services.newRun(),
      workspace: projectWorkspace(EXAMPLE),
      env: offlineNixEnv(),
      inputs: {
        targets: '\u00a0x86_64-linux,,\n\triscv64-linux ',
        installable: '.#static-{target}',
        name: 'hello',
        version: 'ghadelimiter_0',
        'smoke-args': `--version ${INJECTIONS.join(' ')}`,
        'smoke-expect': `^hello 1\\.0\\.0|${inject(0)}`,
        'smoke-timeout': '007',
        'extra-nix-config': `# ${inject(0)}\nwarn-dirty = false`,
        'github-token': token,
        'max-parallel': '1',
        cache: 'false'
      }
    })
    // The canary PATH is not used here: the build needs the real nix, qemu and xz.
    expect(canary.ran()).toEqual([])
  }, 300000)

  const results = (): TargetResult[] =>
    JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[]

  test('shell syntax in smoke-args reaches the executable as plain arguments, and nothing is executed by a shell', async () => {
    await record.check(
      'real build: smoke-args and smoke-expect with shell syntax',
      `smoke-args: --version ${describeValue(INJECTIONS.join(' '), 50)}`,
      'both targets verified; the arguments are argv; the canary file never appears',
      () => {
        expect(run.main.conclusion).toBe('success')
        expect(existsSync(CANARY_FILE)).toBe(false)
        for (const result of results()) {
          expect(result.status).toBe('ok')
          const smoke = result.executables[0]!.smoke!
          expect(smoke.ok).toBe(true)
          expect(smoke.command).toEqual(
            expect.arrayContaining([`$(touch`, `${CANARY_FILE})`, ';', '|', '&&'])
          )
        }
        return `${results()
          .map((r) => `${r.target} ${r.status}`)
          .join(', ')}; smoke argv holds the shell syntax verbatim`
      }
    )
  })

  test('odd values add no output, no environment variable and no malformed file command', async () => {
    await record.check(
      'real build: heredoc-delimiter version and odd separators',
      'version: ghadelimiter_0; targets: "\\u00a0x86_64-linux,,\\n\\triscv64-linux "',
      'exactly the declared outputs; GITHUB_ENV only NIX_USER_CONF_FILES; no file command error',
      () => {
        expect(Object.keys(run.main.outputs).sort()).toEqual(OUTPUTS)
        expect(Object.keys(run.main.exportedEnv)).toEqual(['NIX_USER_CONF_FILES'])
        expect(run.main.fileCommandErrors).toEqual([])
        expect(run.main.outputs.targets).toBe('x86_64-linux,riscv64-linux')
        expect(
          services
            .listArtifacts(run.run)
            .map((a) => a.name)
            .sort()
        ).toEqual([
          'hello-ghadelimiter_0-linux-static-riscv64.cdx.json',
          'hello-ghadelimiter_0-linux-static-riscv64.tar.xz',
          'hello-ghadelimiter_0-linux-static-x86-64+riscv64-SHA256SUMS',
          'hello-ghadelimiter_0-linux-static-x86-64.cdx.json',
          'hello-ghadelimiter_0-linux-static-x86-64.tar.xz'
        ])
        return `outputs ${Object.keys(run.main.outputs).length}, env ${Object.keys(run.main.exportedEnv).join(',')}, 5 artifacts`
      }
    )
  })

  test('a github-token with shell syntax is used as data and never printed', async () => {
    await record.check(
      'real build: github-token with shell syntax',
      'github-token: ghs_$(touch${IFS}...)',
      'build green; token in no log',
      () => {
        expect(run.conclusion).toBe('success')
        for (const text of [
          run.main.stdout,
          run.main.stderr,
          run.post?.stdout ?? '',
          run.post?.stderr ?? ''
        ]) {
          expect(withoutMaskCommands(text)).not.toContain(token)
        }
        expect(existsSync(CANARY_FILE)).toBe(false)
        return 'green; not in stdout/stderr of main or post'
      }
    )
  })
})

test('the canary file never appeared during the whole suite', () => {
  expect(existsSync(CANARY_FILE)).toBe(false)
})
