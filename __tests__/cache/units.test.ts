/** The pure parts of the binary cache: key, lock-file digest, pruning choice, parsing, trust lines. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  cacheKey,
  hashLockFiles,
  isLockFile,
  listLockFiles,
  lockFilesDigest
} from '../../src/cache/key.js'
import { choosePrunes, type CacheEntry } from '../../src/cache/prune.js'
import { parsePathInfoJson, storePathHash } from '../../src/cache/store.js'
import {
  BINARY_CACHE_PATH,
  binaryCacheDir,
  cachePathFor,
  substituterConfigLines,
  substituterUrl,
  withArchiveRoot
} from '../../src/cache/restore.js'
import { parseSecretKey, publicKeyOf } from '../../src/cache/signing.js'

const parts = {
  runnerOs: 'Linux',
  runnerArch: 'X64',
  lockHash: 'abc123',
  targets: ['x86_64-linux', 'aarch64-linux'],
  strategy: 'cross',
  actionVersion: '1.2.0'
}

describe('cacheKey', () => {
  test('names OS, arch, action version, strategy, targets and lock hash; restore keys drop the most specific part first', () => {
    const { key, restoreKeys } = cacheKey(parts)
    expect(key).toMatch(/^static-cross-nix-Linux-X64-v1\.2\.0-cross-t[0-9a-f]{12}-abc123$/)
    expect(restoreKeys).toHaveLength(2)
    expect(key.startsWith(restoreKeys[0]!)).toBe(true)
    expect(restoreKeys[0]!.startsWith(restoreKeys[1]!)).toBe(true)
    expect(restoreKeys[0]).toMatch(/-t[0-9a-f]{12}-$/)
    expect(restoreKeys[1]).toBe('static-cross-nix-Linux-X64-v1.2.0-cross-')
  })

  test('is pure: target order and duplicates do not matter; each part changes the key', () => {
    expect(
      cacheKey({ ...parts, targets: ['aarch64-linux', 'x86_64-linux', 'aarch64-linux'] })
    ).toEqual(cacheKey(parts))
    const base = cacheKey(parts).key
    for (const change of [
      { runnerArch: 'ARM64' },
      { lockHash: 'def' },
      { targets: ['x86_64-linux'] },
      { strategy: 'emulated' },
      { actionVersion: '1.3.0' }
    ]) {
      expect(cacheKey({ ...parts, ...change }).key).not.toBe(base)
    }
  })

  test('never contains a comma or a space, which the cache service would split on', () => {
    const { key, restoreKeys } = cacheKey({
      ...parts,
      strategy: 'cross, emulated',
      actionVersion: '1 2'
    })
    for (const k of [key, ...restoreKeys]) expect(k).not.toMatch(/[, ]/)
  })
})

describe('lock files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sx-lock-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  test('counts flake.lock, flake.nix, default.nix, cabal.project*, *.cabal and nix/**; nothing else', () => {
    for (const f of [
      'flake.lock',
      'flake.nix',
      'default.nix',
      'sub/default.nix',
      'cabal.project',
      'cabal.project.freeze',
      'postgrest.cabal',
      'sub/pkg.cabal',
      'nix/static.nix',
      'nix/overlays/a.nix',
      'src/Main.hs',
      'README.md',
      'dist-newstyle/x.cabal',
      'sub/cabal.project'
    ]) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true })
      writeFileSync(path.join(dir, f), f)
    }
    expect(isLockFile('src/nix/a.nix')).toBe(false)
    return listLockFiles(dir).then((files) =>
      expect(files).toEqual([
        'cabal.project',
        'cabal.project.freeze',
        'default.nix',
        'flake.lock',
        'flake.nix',
        'nix/overlays/a.nix',
        'nix/static.nix',
        'postgrest.cabal',
        'sub/pkg.cabal'
      ])
    )
  })

  test('the digest follows contents and names, not order; source edits do not change it', async () => {
    const h1 = await hashLockFiles(dir)
    writeFileSync(path.join(dir, 'src/Main.hs'), 'changed')
    expect(await hashLockFiles(dir)).toBe(h1)
    writeFileSync(path.join(dir, 'flake.lock'), 'changed')
    expect(await hashLockFiles(dir)).not.toBe(h1)
    const a = { path: 'a', content: '1' }
    const b = { path: 'b', content: '2' }
    expect(lockFilesDigest([a, b])).toBe(lockFilesDigest([b, a]))
    expect(
      lockFilesDigest([
        { path: 'a', content: '2' },
        { path: 'b', content: '1' }
      ])
    ).not.toBe(lockFilesDigest([a, b]))
  })
})

describe('choosePrunes', () => {
  const entry = (hash: string, bytes: number, mtimeMs: number): CacheEntry => ({
    hash,
    narinfoFile: `${hash}.narinfo`,
    bytes,
    mtimeMs
  })
  const entries = [
    entry('old', 40, 1),
    entry('used', 50, 0),
    entry('mid', 30, 2),
    entry('new', 20, 3)
  ]

  test('drops only unused entries, oldest first, no more than needed', () => {
    expect(choosePrunes(entries, new Set(['used']), 140, 100).map((e) => e.hash)).toEqual(['old'])
    expect(choosePrunes(entries, new Set(['used']), 140, 60).map((e) => e.hash)).toEqual([
      'old',
      'mid',
      'new'
    ])
  })
  test('drops nothing under the cap, and never what was used', () => {
    expect(choosePrunes(entries, new Set(), 140, 140)).toEqual([])
    expect(choosePrunes(entries, new Set(['old', 'used', 'mid', 'new']), 140, 10)).toEqual([])
  })
})

describe('nix path-info --json of old and new Nix', () => {
  test('reads the array form (2.18 and older) and the object form (2.19 on)', () => {
    const old =
      '[{"path":"/nix/store/aaa-x","narSize":8,"ultimate":true,"references":[]},{"path":"/nix/store/bbb-y","signatures":["k:s"],"references":["/nix/store/aaa-x"]}]'
    const modern =
      '{"/nix/store/aaa-x":{"narSize":8,"ultimate":true,"references":[]},"/nix/store/bbb-y":{"signatures":["k:s"],"references":["/nix/store/aaa-x"]},"/nix/store/ccc-z":null}'
    for (const json of [old, modern]) {
      expect(parsePathInfoJson(json)).toEqual([
        { path: '/nix/store/aaa-x', narSize: 8, ultimate: true, signatures: [], references: [] },
        {
          path: '/nix/store/bbb-y',
          narSize: undefined,
          ultimate: false,
          signatures: ['k:s'],
          references: ['/nix/store/aaa-x']
        }
      ])
    }
    expect(storePathHash('/nix/store/zl0xkarx0bbbffv4lb6r61b43lr7ynck-sx-b')).toBe(
      'zl0xkarx0bbbffv4lb6r61b43lr7ynck'
    )
  })
})

describe('trust', () => {
  test('with a key: the substituter is checked against it; without: trusted explicitly, for this cache only', () => {
    expect(substituterUrl('/c', true)).toBe('file:///c?priority=10')
    expect(substituterUrl('/c', false)).toBe('file:///c?priority=10&trusted=1')
    expect(substituterConfigLines('/c', 'k-1:PUB')).toEqual([
      'extra-substituters = file:///c?priority=10',
      'extra-trusted-public-keys = k-1:PUB',
      'require-sigs = true',
      'fallback = true'
    ])
    expect(substituterConfigLines('/c', undefined).join('\n')).not.toMatch(/require-sigs = false/)
  })

  test('the public key derived from a secret key is the one nix derives', () => {
    const secret = execFileSync(
      'nix',
      [
        '--extra-experimental-features',
        'nix-command',
        'key',
        'generate-secret',
        '--key-name',
        'sx-test-1'
      ],
      { encoding: 'utf8' }
    )
    const expected = execFileSync(
      'nix',
      ['--extra-experimental-features', 'nix-command', 'key', 'convert-secret-to-public'],
      { input: secret, encoding: 'utf8' }
    )
    expect(publicKeyOf(secret)).toBe(expected.trim())
  })

  test('a malformed key is refused without repeating it', () => {
    const bad = 'name:' + Buffer.alloc(10, 7).toString('base64')
    expect(() => parseSecretKey(bad)).toThrow(/not a Nix secret key/)
    try {
      parseSecretKey(bad)
    } catch (error) {
      expect((error as Error).message).not.toContain(bad.slice(5))
    }
  })
})

describe('binary cache location', () => {
  test('@actions/cache gets one spelling, whatever the home directory', () => {
    expect(BINARY_CACHE_PATH).toMatch(/^~\//)
    for (const home of ['/home/runner', '/github/home', '/var/lib/gh-runner'])
      expect(binaryCacheDir(home)).toBe(`${home}/.cache/static-cross/nix-binary-cache`)
    expect(cachePathFor(binaryCacheDir(), BINARY_CACHE_PATH)).toBe(BINARY_CACHE_PATH)
    expect(cachePathFor('/abs/cache', undefined)).toBe('/abs/cache')
  })

  test('a spelling that means another directory is refused', () => {
    expect(() => cachePathFor('/elsewhere/cache', BINARY_CACHE_PATH)).toThrow(
      /the binary cache path ~\/\.cache\/static-cross\/nix-binary-cache means .*, not \/elsewhere\/cache/
    )
  })

  test('archive paths are taken relative to the given root only during the call', async () => {
    const before = process.env.GITHUB_WORKSPACE
    const seen = await withArchiveRoot('/some/home', async () => process.env.GITHUB_WORKSPACE)
    expect(seen).toBe('/some/home')
    expect(process.env.GITHUB_WORKSPACE).toBe(before)
    await expect(
      withArchiveRoot('/some/home', () => Promise.reject(new Error('boom')))
    ).rejects.toThrow('boom')
    expect(process.env.GITHUB_WORKSPACE).toBe(before)
  })
})
