/**
 * nix/nixpkgs-source.nix evaluated by the real nix: which nixpkgs `auto` and the explicit
 * sources choose for projects of different shapes, and the reason given. Nothing is fetched:
 * only the answer is evaluated, never the chosen package set.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LIB, nixEnv, privateNixConf, run } from './helpers.js'

const env = nixEnv(privateNixConf())
const LOCK = readFileSync(
  join(LIB, '..', 'test-support', 'fixtures', 'overlaid-project', 'flake.lock'),
  'utf8'
)

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nixpkgs-source-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

interface Answer {
  source: string
  reason: string
}

function answer(dir: string, nixpkgs = 'auto'): Answer {
  const out = run(
    'nix-instantiate',
    [
      '--eval',
      '--strict',
      '--json',
      '--argstr',
      'projectDir',
      dir,
      '--argstr',
      'nixpkgs',
      nixpkgs,
      '--attr',
      'info',
      join(LIB, 'nixpkgs-source.nix')
    ],
    { env }
  )
  return JSON.parse(out) as Answer
}

const EXPOSES_PKGS =
  '{ system ? builtins.currentSystem }: { pkgs = throw "not evaluated"; app = 1; }'

describe('nixpkgs source (real nix)', () => {
  it('auto takes the pkgs of default.nix before flake.lock, without evaluating that set', () => {
    const a = answer(project({ 'default.nix': EXPOSES_PKGS, 'flake.lock': LOCK }))
    expect(a.source).toBe('default-nix')
    expect(a.reason).toMatch(/auto: default\.nix exposes `pkgs`.*before flake\.lock/)
  })

  it('auto falls back to flake.lock, and says why default.nix was not taken', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /the project has no default\.nix; flake\.lock pins NixOS\/nixpkgs at 000000000000/],
      [{ 'default.nix': '{ app = 1; }' }, /default\.nix has no `pkgs` attribute/],
      [
        { 'default.nix': '{ compiler, pkgs ? null }: { inherit pkgs; }' },
        /default\.nix needs arguments without defaults \(compiler\)/
      ],
      [{ 'default.nix': 'throw "broken"' }, /default\.nix failed to evaluate/],
      [{ 'default.nix': '[ 1 2 ]' }, /default\.nix has no `pkgs` attribute/]
    ]
    for (const [files, why] of cases) {
      const a = answer(project({ ...files, 'flake.lock': LOCK }))
      expect(a).toEqual({ source: 'flake-lock', reason: expect.stringMatching(why) })
    }
  })

  it('auto uses the pinned nixpkgs when neither default.nix nor flake.lock gives one', () => {
    const a = answer(project({ 'default.nix': '{ app = 1; }' }))
    expect(a.source).toBe('pinned')
    expect(a.reason).toMatch(/no `pkgs` attribute and flake\.lock has no github nixpkgs input/)
  })

  it('explicit sources are taken as given; default-nix without pkgs is an error that says why', () => {
    const dir = project({ 'default.nix': EXPOSES_PKGS, 'flake.lock': LOCK })
    expect(answer(dir, 'flake-lock').source).toBe('flake-lock')
    expect(answer(dir, 'pinned').source).toBe('pinned')
    expect(answer(dir, 'default-nix').source).toBe('default-nix')
    expect(answer(dir, '/some/nixpkgs')).toEqual({
      source: 'path',
      reason: 'nixpkgs: the nixpkgs tree at /some/nixpkgs'
    })
    expect(() => answer(project({ 'default.nix': '{ }' }), 'default-nix')).toThrow(
      /nixpkgs: default-nix, but default\.nix has no `pkgs` attribute/
    )
  })
})
