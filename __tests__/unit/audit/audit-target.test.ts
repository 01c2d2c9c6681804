/**
 * The audit over sources as nixpkgs has them: a Hackage-style tarball (`src` of the derivation)
 * unpacked with tar, and a source directory; packages without TH are left out.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { auditTarget } from '../../../src/audit/index.js'
import type { ClosurePath, NixClosure } from '../../../src/sbom/closure.js'

function sdist(root: string, name: string, cabal: string, modules: Record<string, string>): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${name.replace(/-[\d.]+$/, '')}.cabal`), cabal)
  for (const [path, text] of Object.entries(modules)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const tarball = join(root, `${name}.tar.gz`)
  execFileSync('tar', ['-czf', tarball, '-C', root, name])
  return tarball
}

test('finds TH in a tarball cabal file and in a module pragma, and leaves plain packages out', async () => {
  const root = mkdtempSync(join(tmpdir(), 'audit-'))
  const aeson = sdist(
    root,
    'aeson-2.0.3.0',
    'name: aeson\nlibrary\n  other-extensions: TemplateHaskell\n',
    {
      'src/Data/Aeson/TH.hs': 'module Data.Aeson.TH where'
    }
  )
  const lens = sdist(root, 'lens-5.0', 'name: lens\nlibrary\n  build-depends: base\n', {
    'src/Control/Lens/Internal/TH.hs': '{-# LANGUAGE QuasiQuotes #-}\nmodule X where'
  })
  const text = sdist(root, 'text-1.2', 'name: text\nlibrary\n  other-extensions: MagicHash\n', {
    'src/Data/Text.hs': '{-# LANGUAGE MagicHash #-}\nmodule Data.Text where'
  })
  const entry = (path: string, src: string, name: string, version: string): ClosurePath => ({
    path,
    narHash: 'sha256-x',
    narSize: 0,
    references: [],
    deriver: null,
    derivation: {
      name: `${name}-${version}`,
      pname: name,
      version,
      meta: null,
      system: 'aarch64-linux',
      src,
      ghcOptions: []
    }
  })
  const paths = [
    entry('/nix/store/a-aeson-2.0.3.0', aeson, 'aeson', '2.0.3.0'),
    entry('/nix/store/b-lens-5.0', lens, 'lens', '5.0'),
    entry('/nix/store/c-text-1.2', text, 'text', '1.2')
  ]
  const closure: NixClosure = {
    kind: 'build',
    root: '/nix/store/r-app',
    rootDerivation: null,
    paths
  }
  const haskell = new Map(
    paths.map((p) => [
      p.path,
      [{ name: p.derivation!.pname!, version: p.derivation!.version!, conf: '' }]
    ])
  )
  const audit = await auditTarget(closure, haskell, 'x86_64-linux')
  expect(audit.haskellPackages).toBe(3)
  expect(audit.packages.map((p) => [p.name, p.extensions, p.evidence, p.ranIn])).toEqual([
    ['aeson', ['TemplateHaskell'], ['aeson-2.0.3.0/aeson.cabal'], 'emulated'],
    ['lens', ['QuasiQuotes'], ['lens-5.0/src/Control/Lens/Internal/TH.hs'], 'emulated']
  ])
})
