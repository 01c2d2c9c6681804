/**
 * The SBOM document from a closure, validated with the CycloneDX library's own JSON schema
 * validator. The hashes are ones this machine's Nix printed for a real store path
 * (`nix path-info --json`, `nix hash to-base16`, `nix-store --dump | sha256sum`).
 */
import { Spec, Validation } from '@cyclonedx/cyclonedx-library'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NixClosure } from '../../../src/sbom/closure.js'
import { parseDerivations, parsePathInfo } from '../../../src/sbom/closure.js'
import { closureToCycloneDx, splitStoreName } from '../../../src/sbom/cyclonedx.js'
import { haskellPackagesIn, parsePackageConf } from '../../../src/sbom/haskell.js'
import { decodeNix32, narHashToHex } from '../../../src/sbom/nix-hash.js'

const HELLO_C_HEX = '3a05683bf2c4b823bb6f6a175dfbda4a6980ee1b98551adc5d45ce24ba24045a'

describe('NAR hashes as hex', () => {
  test('SRI and Nix base-32 forms of one hash give the same hex', () => {
    expect(narHashToHex('sha256-OgVoO/LEuCO7b2oXXfvaSmmA7huYVRrcXUXOJLokBFo=')).toBe(HELLO_C_HEX)
    expect(narHashToHex('sha256:0nh44jx29kj5bpf1lmcq3gp80saavbxms5vadyxj7f64y8xnh19s')).toBe(
      HELLO_C_HEX
    )
    expect(narHashToHex(`sha256:${HELLO_C_HEX}`)).toBe(HELLO_C_HEX)
  })

  test('what is not a SHA-256 gives null, not a wrong hash', () => {
    expect(narHashToHex('sha512-abc')).toBeNull()
    expect(narHashToHex('sha256:eeee')).toBeNull()
    expect(() => decodeNix32('0'.repeat(52).replace(/^0/, 'u'), 32)).toThrow(/Nix base-32/)
  })
})

test('store names split into name and version as nixpkgs does', () => {
  expect(splitStoreName('/nix/store/0pib3i2bc8004ck4cwsvcm37dww7xrjq-hello.c')).toEqual({
    name: 'hello.c',
    version: null
  })
  expect(splitStoreName('/nix/store/0pib3i2bc8004ck4cwsvcm37dww7xrjq-aeson-2.0.3.0')).toEqual({
    name: 'aeson',
    version: '2.0.3.0'
  })
  expect(splitStoreName('/nix/store/0pib3i2bc8004ck4cwsvcm37dww7xrjq-gcc-wrapper-12.2.0')).toEqual({
    name: 'gcc-wrapper',
    version: '12.2.0'
  })
})

test('path-info of Nix 2.8 (array) and of newer Nix (object) read the same', () => {
  const info = { narHash: 'sha256-x', narSize: 5, references: ['/nix/store/b'], deriver: null }
  const expected = [{ path: '/nix/store/a', ...info }]
  expect(parsePathInfo(JSON.stringify([{ path: '/nix/store/a', ...info }]))).toEqual(expected)
  expect(parsePathInfo(JSON.stringify({ '/nix/store/a': info }))).toEqual(expected)
})

test('derivations of show-derivation and of derivation show (nested, unprefixed) read the same', () => {
  const drv = { env: { name: 'greeting-1', pname: 'greeting', version: '1', meta: '{"a":1}' } }
  const facts = {
    name: 'greeting-1',
    pname: 'greeting',
    version: '1',
    meta: { a: 1 },
    system: null,
    src: null,
    ghcOptions: []
  }
  expect(
    parseDerivations(JSON.stringify({ '/nix/store/x.drv': drv })).get('/nix/store/x.drv')
  ).toEqual(facts)
  expect(
    parseDerivations(JSON.stringify({ version: 4, derivations: { 'x.drv': drv } })).get(
      '/nix/store/x.drv'
    )
  ).toEqual(facts)
})

test('a package database registration gives the Hackage name and version', async () => {
  const conf = 'name:                 aeson\nversion:              2.0.3.0\nid: aeson-2.0.3.0-abc\n'
  expect(parsePackageConf(conf)).toEqual({ name: 'aeson', version: '2.0.3.0' })
  const out = mkdtempSync(join(tmpdir(), 'hs-out-'))
  const db = join(out, 'lib', 'ghc-9.0.2', 'package.conf.d')
  mkdirSync(db, { recursive: true })
  writeFileSync(join(db, 'aeson-2.0.3.0-abc.conf'), conf)
  expect(await haskellPackagesIn(out)).toEqual([
    { name: 'aeson', version: '2.0.3.0', conf: join(db, 'aeson-2.0.3.0-abc.conf') }
  ])
  expect(await haskellPackagesIn(join(out, 'missing'))).toEqual([])
})

describe('the CycloneDX document', () => {
  const root = '/nix/store/743wgqjh6xyp4pb9pcs4p7cnynhlw7wv-hello-static-aarch64-linux'
  const aeson = '/nix/store/1111111111111111111111111111111a-aeson-2.0.3.0'
  const source = '/nix/store/0pib3i2bc8004ck4cwsvcm37dww7xrjq-hello.c'
  const closure: NixClosure = {
    kind: 'build',
    root,
    rootDerivation: '/nix/store/8cjbb8mfy4ikva20bnhiy43b84iwqc7p-hello-static-aarch64-linux.drv',
    paths: [
      {
        path: source,
        narHash: 'sha256-OgVoO/LEuCO7b2oXXfvaSmmA7huYVRrcXUXOJLokBFo=',
        narSize: 784,
        references: [],
        deriver: null,
        derivation: null
      },
      {
        path: aeson,
        narHash: `sha256:${'ab'.repeat(32)}`,
        narSize: 10,
        references: [],
        deriver: '/nix/store/2222222222222222222222222222222a-aeson-2.0.3.0.drv',
        derivation: {
          name: 'aeson-2.0.3.0',
          pname: 'aeson',
          version: '2.0.3.0',
          meta: { license: { spdxId: 'BSD-3-Clause' }, description: 'JSON' },
          system: 'x86_64-linux',
          src: null,
          ghcOptions: []
        }
      },
      {
        path: root,
        narHash: 'sha256-DCf5F5ZKZ8GF+lynUh9SOw0nWcnDLQ9EjXWeiU2kZt8=',
        narSize: 702992,
        references: [source],
        deriver: '/nix/store/8cjbb8mfy4ikva20bnhiy43b84iwqc7p-hello-static-aarch64-linux.drv',
        derivation: null
      }
    ]
  }
  const subject = {
    name: 'hello',
    version: '1.0.0',
    target: 'aarch64-linux',
    timestamp: 1767225600
  }
  const haskell = new Map([
    [
      aeson,
      [{ name: 'aeson', version: '2.0.3.0', conf: `${aeson}/lib/ghc-9.0.2/package.conf.d/a.conf` }]
    ]
  ])
  const text = closureToCycloneDx(closure, subject, haskell)
  const bom = JSON.parse(text) as {
    serialNumber: string
    metadata: { timestamp: string; component: { name: string; version: string } }
    components: {
      name: string
      version?: string
      type: string
      purl?: string
      hashes: { content: string }[]
      licenses?: { license: { id?: string } }[]
      properties: { name: string; value: string }[]
    }[]
    dependencies: { ref: string; dependsOn?: string[] }[]
  }

  test('is valid CycloneDX 1.6 by the library validator', async () => {
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6)
    expect(await validator.validate(text)).toBeNull()
  })

  test('lists every store path with its NAR hash, store path, license and Hackage purl', () => {
    expect(bom.metadata.component).toMatchObject({ name: 'hello', version: '1.0.0' })
    expect(bom.metadata.timestamp).toBe('2026-01-01T00:00:00.000Z')
    const byName = Object.fromEntries(bom.components.map((c) => [c.name, c]))
    expect(Object.keys(byName).sort()).toEqual(['aeson', 'hello.c'])
    expect(byName['hello.c']?.hashes[0]?.content).toBe(HELLO_C_HEX)
    expect(byName['hello.c']?.type).toBe('file')
    expect(byName.aeson).toMatchObject({
      version: '2.0.3.0',
      type: 'library',
      purl: 'pkg:hackage/aeson@2.0.3.0',
      licenses: [{ license: { id: 'BSD-3-Clause' } }]
    })
    expect(byName.aeson?.properties).toContainEqual({ name: 'nix:store-path', value: aeson })
    const rootDeps = bom.dependencies.find((d) => d.ref === root)?.dependsOn
    expect(rootDeps?.sort()).toEqual([aeson, source].sort())
  })

  test('is the same bytes for the same closure, and differs when a path changes', () => {
    expect(closureToCycloneDx(closure, subject, haskell)).toBe(text)
    const changed = {
      ...closure,
      paths: closure.paths.map((p) =>
        p.path === aeson ? { ...p, narHash: `sha256:${'cd'.repeat(32)}` } : p
      )
    }
    const other = JSON.parse(closureToCycloneDx(changed, subject, haskell)) as typeof bom
    expect(other.serialNumber).not.toBe(bom.serialNumber)
    expect(other.components.find((c) => c.name === 'aeson')?.hashes[0]?.content).toBe(
      'cd'.repeat(32)
    )
  })
})
