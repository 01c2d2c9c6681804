import {
  cabalExtensions,
  pragmaExtensions,
  runsSplices,
  thExtensions
} from '../../../src/audit/cabal.js'
import { spliceRunner } from '../../../src/audit/index.js'
import { ghcOptionsOf } from '../../../src/sbom/closure.js'

const CABAL = `cabal-version:      2.4
name:               greet-th
version:            0.1.0
-- other-extensions: QuasiQuotes (a comment is not a declaration)

library
  exposed-modules:  Greet
  default-extensions: OverloadedStrings
  Other-Extensions:
      TemplateHaskell,
      DeriveGeneric
  build-depends:    base, template-haskell

executable tool
  main-is: Main.hs
  other-extensions: TemplateHaskellQuotes
`

test('default- and other-extensions of every stanza, across continuation lines and case', () => {
  expect(cabalExtensions(CABAL).sort()).toEqual([
    'DeriveGeneric',
    'OverloadedStrings',
    'TemplateHaskell',
    'TemplateHaskellQuotes'
  ])
  expect(thExtensions(cabalExtensions(CABAL))).toEqual(['TemplateHaskell', 'TemplateHaskellQuotes'])
})

test('LANGUAGE pragmas, several per pragma and per file', () => {
  const module =
    '{-# LANGUAGE QuasiQuotes, OverloadedStrings #-}\n{-# language TemplateHaskell #-}\nmodule M where'
  expect(thExtensions(pragmaExtensions(module))).toEqual(['QuasiQuotes', 'TemplateHaskell'])
  expect(pragmaExtensions('module M where -- LANGUAGE TemplateHaskell')).toEqual([])
})

test('quotes alone run no splices', () => {
  expect(runsSplices(['TemplateHaskellQuotes'])).toBe(false)
  expect(runsSplices(['QuasiQuotes'])).toBe(true)
})

describe('where splices ran, from the derivation', () => {
  const drv = (system: string, configureFlags: string) => ({
    name: 'x',
    pname: 'x',
    version: '1',
    meta: null,
    system,
    src: null,
    ghcOptions: ghcOptionsOf({ configureFlags })
  })

  test('-fexternal-interpreter with -pgmi: the wrapper under qemu', () => {
    const flags =
      '--prefix=/out --ghc-option=-fexternal-interpreter --ghc-option=-pgmi --ghc-option=/nix/store/abc-iserv-wrapper/bin/iserv-wrapper'
    expect(spliceRunner(drv('x86_64-linux', flags), 'x86_64-linux', '')).toEqual({
      ranIn: 'qemu-iserv',
      interpreter: '/nix/store/abc-iserv-wrapper/bin/iserv-wrapper'
    })
  })

  test('a derivation for another system ran GHC emulated; the runner system natively', () => {
    expect(spliceRunner(drv('aarch64-linux', ''), 'x86_64-linux', '').ranIn).toBe('emulated')
    expect(spliceRunner(drv('x86_64-linux', '--enable-shared'), 'x86_64-linux', '').ranIn).toBe(
      'native'
    )
    expect(spliceRunner(null, 'x86_64-linux', '').ranIn).toBe('unknown')
  })

  test('the build log counts as evidence of the external interpreter', () => {
    const log = 'configureFlags: --verbose --ghc-option=-fexternal-interpreter\n'
    expect(spliceRunner(drv('x86_64-linux', ''), 'x86_64-linux', log).ranIn).toBe('qemu-iserv')
  })
})
