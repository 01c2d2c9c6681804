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

interface StubOptions {
  builder: 'new' | 'old'
  /** Lowest GHC version the new builder proxies. */
  proxyFrom?: string
  emulatorAvailable?: boolean
}

const stubArgs = (o: StubOptions): string =>
  `{ builder = "${o.builder}"; proxyFrom = "${o.proxyFrom ?? '9.6'}"; emulatorAvailable = ${o.emulatorAvailable ?? true}; }`

const withLib = (builder: 'new' | 'old' | StubOptions, body: string): string =>
  `let l = import ${LIB} { pkgs = import ${join(STUBS, 'nixpkgs')} ${stubArgs(
    typeof builder === 'string' ? { builder } : builder
  )}; }; in ${body}`

interface ThStrategy {
  path: string
  nixpkgsProxiesTH: boolean
  needsOverlay: boolean
  builderProxiesTH: boolean
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

  const th = (stub: 'new' | 'old' | StubOptions, target: string, ghc: string | null): ThStrategy =>
    evalJson<ThStrategy>(
      withLib(
        stub,
        `l.thStrategy { target = "${target}"; ghc = ${ghc === null ? 'null' : `"${ghc}"`}; }`
      )
    )

  it('asks nixpkgs whether it proxies TH (new vs old generic builder, GHC version)', () => {
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
    expect(th('old', 'x86_64-linux', null).path).toBe('native')
    expect(th('old', 'armv7l-linux', null).splitSections).toBe(false)
    expect(th('old', 'aarch64-linux', null).splitSections).toBe(true)
  })

  it('GHC 9.6 proxied by nixpkgs is proxied, not unsupported; version rules only for builders that cannot be asked', () => {
    // The merged builder proxies from 9.6 on: the plan follows nixpkgs, not a version table.
    const proxied = th('new', 'armv7l-linux', 'ghc966')
    expect(proxied).toMatchObject({ path: 'nixpkgs-iserv-proxy', ghcVersion: '9.6.6' })
    expect(proxied.reason).toMatch(/accepts a probe derivation with enableExternalInterpreter/)
    // A builder revision that proxies only from 9.8 says no for 9.6: the Stage1 rule applies.
    const refused = th({ builder: 'new', proxyFrom: '9.8' }, 'armv7l-linux', 'ghc966')
    expect(refused.path).toBe('unsupported')
    expect(refused.reason).toMatch(/nixpkgs does not proxy TH for this set.*Stage1/)
    expect(th({ builder: 'new', proxyFrom: '9.8' }, 'armv7l-linux', 'ghc984').path).toBe(
      'nixpkgs-iserv-proxy'
    )
    // An old builder cannot be asked: GHC 9.6 falls back to the version rule.
    const old = th('old', 'armv7l-linux', 'ghc966')
    expect(old.path).toBe('unsupported')
    expect(old.builderProxiesTH).toBe(false)
    expect(th('new', 'aarch64-linux', 'ghc948').path).toBe('unsupported')
    // No emulator: nixpkgs refuses, and the library cannot do it either.
    const noEmulator = th({ builder: 'new', emulatorAvailable: false }, 'aarch64-linux', null)
    expect(noEmulator.path).toBe('unsupported')
    expect(noEmulator.reason).toMatch(/no emulator/)
  })

  it('the answer matches what the builder really does with its defaults (flags in the configure phase)', () => {
    const stubs: StubOptions[] = [
      { builder: 'new' },
      { builder: 'new', proxyFrom: '9.8' },
      { builder: 'new', emulatorAvailable: false },
      { builder: 'old' }
    ]
    const rows = stubs.flatMap((stub) =>
      evalJson<Array<{ set: string; proxied: boolean; flagged: boolean }>>(
        withLib(
          stub,
          `map (ghc: let set = l.haskellSetFor (l.crossPkgsFor "aarch64-linux" l.pkgs) ghc; in {
             set = ghc;
             proxied = (l.thStrategy { target = "aarch64-linux"; inherit ghc; }).nixpkgsProxiesTH;
             flagged = builtins.match ".*-fexternal-interpreter.*"
               (set.mkDerivation { pname = "app"; }).setupCompilerEnvironmentPhase != null;
           }) [ "ghc9122" "ghc984" "ghc966" "ghc948" "ghc928" ]`
        )
      ).map((row) => ({ ...row, stub: JSON.stringify(stub) }))
    )
    for (const row of rows) expect({ ...row, proxied: row.flagged }).toEqual(row)
    // Both answers occur, so the comparison is not vacuous.
    expect(new Set(rows.map((r) => r.proxied))).toEqual(new Set([true, false]))
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
    const modern = evalJson<{
      overlaid: boolean
      nixpkgsProxies: boolean
      decision: string
      aeson: { configureFlags: string[] }
    }>(
      `import ${join(STUBS, 'overlay-check.nix')} { target = "aarch64-linux"; builder = "new"; ghcVersion = "9.12.2"; }`
    )
    expect(modern).toMatchObject({
      overlaid: false,
      nixpkgsProxies: true,
      decision: 'nixpkgs-iserv-proxy'
    })
    expect(modern.aeson.configureFlags).toEqual(['--own-flag'])
    const i686 = evalJson<{ wrapperScript: string }>(
      `import ${join(STUBS, 'overlay-check.nix')} { target = "i686-linux"; }`
    )
    expect(i686.wrapperScript).toContain(
      `exec '/stub/static-cross-iserv/bin/static-cross-iserv' "$@"`
    )
  })

  it('overlay: asks the builder inside the package set (no recursion) and steps in exactly when nixpkgs says no', () => {
    const check = (builder: string, ghcVersion: string, proxyFrom = '9.6') =>
      evalJson<{ overlaid: boolean; nixpkgsProxies: boolean; decision: string }>(
        `import ${join(STUBS, 'overlay-check.nix')} { target = "aarch64-linux"; builder = "${builder}"; ghcVersion = "${ghcVersion}"; proxyFrom = "${proxyFrom}"; }`
      )
    // GHC 9.6 with the merged builder: nixpkgs proxies, the library stays out.
    expect(check('new', '9.6.6')).toMatchObject({
      overlaid: false,
      nixpkgsProxies: true,
      decision: 'nixpkgs-iserv-proxy'
    })
    // GHC 9.2: nixpkgs refuses; the library's qemu iserv takes over.
    expect(check('new', '9.2.8')).toMatchObject({
      overlaid: true,
      nixpkgsProxies: false,
      decision: 'library-qemu-iserv'
    })
    // Never both, never neither (unless unsupported).
    for (const [builder, ghc, from] of [
      ['new', '9.12.2', '9.6'],
      ['new', '9.8.4', '9.8'],
      ['old', '9.12.2', '9.6'],
      ['old', '9.2.8', '9.6']
    ] as const) {
      const r = check(builder, ghc, from)
      expect([r.overlaid, r.nixpkgsProxies].filter(Boolean)).toHaveLength(1)
    }
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
