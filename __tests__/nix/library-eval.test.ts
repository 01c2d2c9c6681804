/**
 * The library's pure parts evaluated by the real nix against stub package sets (no nixpkgs
 * here): target mapping, cross set selection, TH strategy detection for an "old" and a "new"
 * generic builder, the overlay's flags per architecture, and the TypeScript argv driving
 * nix/build.nix end to end.
 */
import { join } from 'node:path'
import { TARGETS, findTarget } from '../../src/targets.js'
import { spawnSync } from 'node:child_process'
import { nixBuildInvocation, shippedLibraryDir } from '../../src/nix/installable.js'
import { LIB, STUBS, nixEnv, privateNixConf, run } from './helpers.js'

const confDir = privateNixConf()
const env = nixEnv(confDir)

function evalJson<T>(expr: string, extra: readonly string[] = []): T {
  const out = run('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr, ...extra], {
    env
  })
  return JSON.parse(out) as T
}

const withLib = (builder: 'new' | 'old', body: string): string =>
  `let l = import ${LIB} { pkgs = import ${join(STUBS, 'nixpkgs')} { builder = "${builder}"; }; }; in ${body}`

interface ThStrategy {
  path: string
  nixpkgsProxiesTH: boolean
  needsOverlay: boolean
  ghcVersion: string
  ghc: string
  splitSections: boolean
  reason: string
}

describe('nix library, pure parts (real nix, stub nixpkgs)', () => {
  it('reads the same target table as TypeScript, and every nixpkgsCross attr maps to its stub pkgsCross', () => {
    const targets = evalJson<Record<string, { nixpkgsCross: string | null; system: string }>>(
      `(import ${LIB} { pkgs = {}; }).targets`
    )
    expect(Object.keys(targets).sort()).toEqual([...TARGETS.keys()].sort())
    const tags = evalJson<Record<string, string>>(
      withLib('new', `builtins.mapAttrs (t: _: (l.crossPkgsFor t l.pkgs).tag) l.targets`)
    )
    for (const [name, spec] of TARGETS) {
      expect(tags[name]).toBe(
        spec.nixpkgsCross === null ? 'pkgsStatic' : `pkgsCross.${spec.nixpkgsCross}.pkgsStatic`
      )
    }
  })

  it('rejects an unknown target and names the known ones', () => {
    expect(() => evalJson(withLib('new', `(l.crossPkgsFor "mips-linux" l.pkgs).tag`))).toThrow(
      /unknown target 'mips-linux'; known targets: .*aarch64-linux/
    )
  })

  it('picks the native-bignum set by default and a named set on request', () => {
    const sets = evalJson<string[]>(
      withLib(
        'new',
        `[ (l.haskellSetFor (l.crossPkgsFor "aarch64-linux" l.pkgs) null).tag
           (l.haskellSetFor (l.crossPkgsFor "aarch64-linux" l.pkgs) "ghc928").tag ]`
      )
    )
    expect(sets).toEqual([
      'pkgsCross.aarch64-multiplatform.pkgsStatic/native-bignum/ghc9122',
      'pkgsCross.aarch64-multiplatform.pkgsStatic/ghc928'
    ])
  })

  it('detects whether nixpkgs proxies TH (new vs old generic builder, GHC version)', () => {
    const th = (builder: 'new' | 'old', target: string, ghc: string | null): ThStrategy =>
      evalJson<ThStrategy>(
        withLib(
          builder,
          `l.thStrategy { target = "${target}"; ghc = ${ghc === null ? 'null' : `"${ghc}"`}; }`
        )
      )
    const newDefault = th('new', 'aarch64-linux', null)
    expect(newDefault).toMatchObject({
      path: 'nixpkgs-iserv-proxy',
      nixpkgsProxiesTH: true,
      needsOverlay: false
    })
    expect(newDefault.ghc).toBe('ghc9122')
    expect(th('old', 'aarch64-linux', null)).toMatchObject({
      path: 'library-qemu-iserv',
      needsOverlay: true
    })
    expect(th('new', 'riscv64-linux', 'ghc928')).toMatchObject({
      path: 'library-qemu-iserv',
      ghcVersion: '9.2.8'
    })
    expect(th('new', 'armv7l-linux', 'ghc966').path).toBe('unsupported')
    expect(th('old', 'x86_64-linux', null).path).toBe('native')
    expect(th('old', 'armv7l-linux', null).splitSections).toBe(false)
    expect(th('old', 'aarch64-linux', null).splitSections).toBe(true)
  })

  it('gives flag lists per arch: split sections off on ARM32 only', () => {
    const flags = evalJson<Record<string, string[]>>(
      withLib(
        'old',
        `builtins.mapAttrs (t: _: l.crossFlagsFor { target = t; pgmi = "/w/iserv-wrapper"; }) l.targets`
      )
    )
    for (const [name, list] of Object.entries(flags)) {
      expect(list.slice(0, 3)).toEqual([
        '--ghc-option=-fexternal-interpreter',
        '--ghc-option=-pgmi',
        '--ghc-option=/w/iserv-wrapper'
      ])
      expect(list).toContain('--ghc-option=-fPIC')
      expect(list.includes('--disable-split-sections')).toBe(name.startsWith('armv'))
    }
  })

  it('overlay: old builder on ARM32 gets the qemu-hosted iserv on every package but excluded ones', () => {
    const r = evalJson<{
      overlaid: boolean
      aeson: { configureFlags: string[]; enableDeadCodeElimination?: boolean }
      ghci: { configureFlags: string[] }
      handExcluded: { configureFlags: string[] }
      pgmi: string
      wrapperScript: string
    }>(`import ${join(STUBS, 'overlay-check.nix')} { target = "armv7l-linux"; }`)
    expect(r.overlaid).toBe(true)
    expect(r.aeson.configureFlags).toEqual(
      expect.arrayContaining(['--own-flag', `--ghc-option=${r.pgmi}`])
    )
    expect(r.aeson.enableDeadCodeElimination).toBe(false)
    expect(r.ghci.configureFlags).toEqual(['--own-flag'])
    expect(r.handExcluded.configureFlags).toEqual(['--own-flag'])
    expect(r.wrapperScript).toContain(
      `exec '/stub/bin/qemu-arm' '/stub/static-cross-iserv/bin/static-cross-iserv' "$@"`
    )
  })

  it('overlay: leaves a set alone when nixpkgs already proxies TH; i686 needs no qemu', () => {
    const modern = evalJson<{ overlaid: boolean; aeson: { configureFlags: string[] } }>(
      `import ${join(STUBS, 'overlay-check.nix')} { target = "aarch64-linux"; builder = "new"; ghcVersion = "9.12.2"; }`
    )
    expect(modern.overlaid).toBe(false)
    expect(modern.aeson.configureFlags).toEqual(['--own-flag'])
    const i686 = evalJson<{ wrapperScript: string }>(
      `import ${join(STUBS, 'overlay-check.nix')} { target = "i686-linux"; }`
    )
    expect(i686.wrapperScript).toContain(
      `exec '/stub/static-cross-iserv/bin/static-cross-iserv' "$@"`
    )
  })

  it('fromExpression hands a PostgREST-shaped function pkgsCross.<attr>, so its pkgsStatic is the cross set', () => {
    const out = evalJson<string>(
      withLib(
        'new',
        `l.fromExpression { file = ${join(STUBS, 'static.nix')}; target = "armv6l-linux"; src = ${STUBS}; args = { compiler = "ghc9122"; name = "postgrest"; }; }`
      )
    )
    expect(out).toMatch(
      /^stub:pkgsCross\.raspberryPi\.pkgsStatic:pkgsCross\.raspberryPi\.pkgsStatic\/native-bignum\/ghc9122:postgrest:/
    )
  })

  it('the TypeScript argv drives nix/build.nix with --argstr only (expression and package modes)', () => {
    const libraryDir = shippedLibraryDir()
    expect(libraryDir).toBe(LIB)
    const target = findTarget('s390x-linux')!
    const evalArgv = (argv: string[]): string[] => [
      'eval',
      '--impure',
      ...argv.slice(1).filter((a) => a !== '--no-link' && a !== '-L')
    ]
    const expression = nixBuildInvocation({
      mode: {
        kind: 'expression',
        file: 'static.nix',
        args: { compiler: 'ghc9122', name: 'a"b${x}' },
        nixpkgs: { path: 'nixpkgs' }
      },
      target,
      projectDir: STUBS,
      libraryDir,
      printBuildLogs: false
    })
    const viaCli = JSON.parse(
      run('nix', ['--offline', ...evalArgv(expression.argv)], { env, cwd: expression.cwd })
    ) as string
    // The hostile-looking name arrives as data, not as Nix code.
    expect(viaCli).toMatch(/^stub:pkgsCross\.s390x\.pkgsStatic:.*:a"b\$\{x\}:/)
    // The build log says how Template Haskell runs for the target.
    const traced = spawnSync('nix', ['--offline', ...evalArgv(expression.argv)], {
      env,
      cwd: expression.cwd,
      encoding: 'utf8'
    })
    expect(traced.stderr).toMatch(
      /trace: static-cross: Template Haskell for s390x-linux: [a-z-]+ \(.+\)/
    )

    const pkg = nixBuildInvocation({
      mode: {
        kind: 'package',
        name: 'my-app',
        ghc: 'ghc928',
        nixpkgs: { path: join(STUBS, 'nixpkgs') }
      },
      target: findTarget('x86_64-linux')!,
      projectDir: STUBS,
      libraryDir,
      printBuildLogs: false
    })
    const built = JSON.parse(run('nix', ['--offline', ...evalArgv(pkg.argv)], { env })) as Record<
      string,
      unknown
    >
    expect(built).toMatchObject({
      stub: 'callCabal2nix',
      name: 'my-app',
      static: true,
      tag: 'pkgsStatic/ghc928'
    })
  })
})
