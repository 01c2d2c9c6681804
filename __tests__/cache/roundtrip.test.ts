/**
 * The binary cache end to end, with the real Nix and the real @actions/cache talking to the
 * local runner's loopback cache service: a cold run saves what it built, a warm run builds
 * nothing, a changed source rebuilds only its derivation, tampered entries of a signed cache
 * are refused and rebuilt, service faults are warnings, and the key never reaches the log.
 */
import { jest } from '@jest/globals'
import { execFile, execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { randomUUID } from 'node:crypto'
import { startServices, type Services } from '../../test-support/runner/index.js'
import { cacheKey } from '../../src/cache/key.js'
import {
  restoreBinaryCache,
  UNSIGNED_TRUST_NOTE,
  type RestoreBinaryCacheResult
} from '../../src/cache/restore.js'
import { saveBinaryCache } from '../../src/cache/save.js'
import { storePathHash } from '../../src/cache/store.js'
import { writeSigningKeyFile } from '../../src/cache/signing.js'
import { userConfFilePath } from '../../src/nix/config.js'
import {
  buildFixture,
  copyFixture,
  deleteOwnPaths,
  dryRun,
  flakeSourcePath,
  nix,
  usePrivateNixConfig
} from './nix-fixture.js'

const work = mkdtempSync(path.join(os.tmpdir(), 'sx-cache-'))
const savedEnv = { ...process.env }
const runnerTemp = path.join(work, 'runner-temp')
const cacheDir = path.join(work, 'binary-cache')
const userConfFile = userConfFilePath(runnerTemp)
const flakeDir = path.join(work, 'flake')
const created = new Set<string>()
let services: Services
let signingKey = ''
let log = ''
/** The app output of the current sources (after the source change). */
let currentApp = ''

const keyParts = {
  runnerOs: 'Linux',
  runnerArch: 'X64',
  targets: ['x86_64-linux'],
  strategy: 'cross',
  actionVersion: `test-${randomUUID().slice(0, 8)}`
}
const key1 = cacheKey({ ...keyParts, lockHash: 'lock1' })
const key2 = cacheKey({ ...keyParts, lockHash: 'lock2' })

function restore(
  keys: { key: string; restoreKeys: string[] },
  extra: { signingKey?: string; strict?: boolean } = {}
): Promise<RestoreBinaryCacheResult> {
  return restoreBinaryCache({
    cacheDir,
    ...keys,
    userConfFile,
    tempDir: runnerTemp,
    signingKey: signingKey || undefined,
    ...extra
  })
}

async function build(attr: string): Promise<Awaited<ReturnType<typeof buildFixture>>> {
  const result = await buildFixture(flakeDir, attr)
  // The whole closures (lib's output and .drv too): all of them are this test's own paths.
  for (const root of [result.outPath, result.drvPath]) {
    // nix-store, not `nix path-info`: given a .drv, Nix 2.8 answers for its outputs.
    const closure = await new Promise<string>((resolve, reject) =>
      execFile('nix-store', ['--query', '--requisites', root], (error, stdout) =>
        error ? reject(error) : resolve(stdout)
      )
    )
    for (const p of closure.split('\n').filter((l) => l.startsWith('/nix/store/'))) created.add(p)
  }
  return result
}

/** Remove the fixture's outputs from the store, so the next build must substitute or build. */
async function forgetOutputs(): Promise<void> {
  await deleteOwnPaths([...created].filter((p) => !p.endsWith('.drv') && !p.endsWith('-source')))
}

function narinfoOf(storePath: string): string {
  return path.join(cacheDir, `${storePathHash(storePath)}.narinfo`)
}

beforeAll(async () => {
  mkdirSync(runnerTemp, { recursive: true })
  services = await startServices({ tempRoot: work })
  const { token } = services.newJobToken(services.defaultRun)
  Object.assign(process.env, {
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: path.join(work, 'workspace'),
    GITHUB_SERVER_URL: 'https://github.com',
    ACTIONS_RUNTIME_TOKEN: token,
    ACTIONS_RESULTS_URL: services.resultsUrl,
    ACTIONS_RUNTIME_URL: services.resultsUrl,
    ACTIONS_CACHE_SERVICE_V2: 'True',
    NO_PROXY: '127.0.0.1,localhost'
  })
  mkdirSync(process.env.GITHUB_WORKSPACE!, { recursive: true })
  usePrivateNixConfig(work, userConfFile)
  signingKey = (
    await nix(['key', 'generate-secret', '--key-name', 'static-cross-test-1'])
  ).stdout.trim()
  copyFixture(flakeDir, randomUUID())
  created.add(await flakeSourcePath(flakeDir))
}, 120_000)

beforeEach(() => {
  const capture = (chunk: string | Uint8Array): boolean => {
    log += chunk.toString()
    return true
  }
  jest.spyOn(process.stdout, 'write').mockImplementation(capture)
  jest.spyOn(process.stderr, 'write').mockImplementation(capture)
})

afterEach(() => {
  jest.restoreAllMocks()
  services.faults.clear()
})

afterAll(async () => {
  try {
    await deleteOwnPaths(created)
  } finally {
    await services?.stop()
    process.env = savedEnv
    rmSync(work, { recursive: true, force: true })
  }
}, 120_000)

describe('a signed binary cache carried across runs', () => {
  test('a cold run misses, builds both derivations, and saves them signed', async () => {
    const restored = await restore(key1)
    expect(restored.cacheHit).toBe('miss')
    expect(restored.substituter).toBeUndefined()
    expect(statSync(restored.signingKeyFile!).mode & 0o777).toBe(0o600)
    expect(restored.signingKeyFile!.startsWith(runnerTemp)).toBe(true)

    const first = await build('app')
    expect(first.built.sort()).toEqual(['static-cross-fixture-app', 'static-cross-fixture-lib'])

    const saved = await saveBinaryCache({
      cacheDir,
      key: key1.key,
      cacheHit: restored.cacheHit,
      snapshotFile: restored.snapshotFile,
      signingKeyFile: restored.signingKeyFile
    })
    // At least the fixture's two paths: tests running beside this one build paths of their own,
    // and the save takes everything built on the machine since the restore.
    expect(saved.saved).toBe(true)
    expect(saved.newPaths).toBeGreaterThanOrEqual(2)
    expect(saved.addedBytes).toBeGreaterThan(0)
    expect(existsSync(restored.signingKeyFile!)).toBe(false)
    expect(readFileSync(narinfoOf(first.outPath), 'utf8')).toMatch(/^Sig: static-cross-test-1:/m)
    expect(readFileSync(narinfoOf(first.outPath), 'utf8')).toMatch(/^Compression: zstd$/m)
    expect(services.listCacheEntries().map((e) => e.key)).toContain(key1.key)
  })

  test('a warm run with the same key substitutes everything and builds nothing', async () => {
    await forgetOutputs()
    const restored = await restore(key1)
    expect(restored).toMatchObject({
      cacheHit: 'exact',
      matchedKey: key1.key,
      substituter: `file://${cacheDir}?priority=10`
    })
    expect(readFileSync(userConfFile, 'utf8')).toContain(
      `extra-trusted-public-keys = ${restored.publicKey}`
    )

    const plan = await dryRun(flakeDir, 'app')
    expect(plan.willBuild).toEqual([])
    expect(plan.willFetch.some((p) => p.endsWith('-static-cross-fixture-app'))).toBe(true)

    const second = await build('app')
    expect(second.built).toEqual([])
    expect(second.substituted.some((p) => p.endsWith('-static-cross-fixture-app'))).toBe(true)

    const saved = await saveBinaryCache({
      cacheDir,
      key: key1.key,
      cacheHit: restored.cacheHit,
      snapshotFile: restored.snapshotFile,
      signingKeyFile: restored.signingKeyFile
    })
    expect(saved).toMatchObject({ saved: false, skipped: 'exact-hit' })
    expect(existsSync(restored.signingKeyFile!)).toBe(false)
  })

  test('a changed source (new key, partial hit) rebuilds only its derivation and saves only that', async () => {
    await forgetOutputs()
    writeFileSync(path.join(flakeDir, 'app.txt'), `app changed ${randomUUID()}\n`)
    created.add(await flakeSourcePath(flakeDir))
    const restored = await restore(key2)
    expect(restored).toMatchObject({ cacheHit: 'partial', matchedKey: key1.key })

    const third = await build('app')
    expect(third.built).toEqual(['static-cross-fixture-app'])
    currentApp = third.outPath
    expect(third.substituted.some((p) => p.endsWith('-static-cross-fixture-lib'))).toBe(true)

    const saved = await saveBinaryCache({
      cacheDir,
      key: key2.key,
      cacheHit: restored.cacheHit,
      snapshotFile: restored.snapshotFile,
      signingKeyFile: restored.signingKeyFile
    })
    expect(saved.saved).toBe(true)
    expect(saved.newPaths).toBeGreaterThanOrEqual(1)
    expect(existsSync(narinfoOf(third.outPath))).toBe(true)
  })

  test('a tampered NAR in the signed cache is refused by Nix and rebuilt', async () => {
    await forgetOutputs()
    const restored = await restore(key2)
    expect(restored.cacheHit).toBe('exact')
    const appOut = currentApp
    const narFile = path.join(
      cacheDir,
      /^URL: (.+)$/m.exec(readFileSync(narinfoOf(appOut), 'utf8'))![1]!
    )
    // Same length, other bytes: the NAR still unpacks, only its hash gives it away.
    const nar = execFileSync('zstd', ['-dc', narFile])
    const text = nar.toString('latin1').replace('app changed', 'app CHANGED')
    writeFileSync(path.join(work, 'tampered.nar'), Buffer.from(text, 'latin1'))
    execFileSync('zstd', ['-qf', path.join(work, 'tampered.nar'), '-o', narFile])

    const rebuilt = await build('app')
    expect(rebuilt.log).toMatch(/hash mismatch/)
    expect(rebuilt.built).toEqual(['static-cross-fixture-app'])
    expect(readFileSync(rebuilt.outPath, 'utf8')).toContain('app changed')
    await saveBinaryCache({
      cacheDir,
      key: key2.key,
      cacheHit: restored.cacheHit,
      snapshotFile: restored.snapshotFile,
      signingKeyFile: restored.signingKeyFile
    })
  })

  test('a tampered narinfo in the signed cache is refused by Nix and rebuilt', async () => {
    await forgetOutputs()
    const restored = await restore(key2)
    expect(restored.cacheHit).toBe('exact')
    const appOut = currentApp
    expect(readFileSync(narinfoOf(appOut), 'utf8')).toMatch(/^Sig: /m)
    const info = readFileSync(narinfoOf(appOut), 'utf8')
    // Claim a different NAR size: the signature no longer matches what the narinfo says.
    writeFileSync(
      narinfoOf(appOut),
      info.replace(/^NarSize: (\d+)$/m, (_, n: string) => `NarSize: ${Number(n) + 8}`)
    )

    const rebuilt = await build('app')
    expect(rebuilt.log).toMatch(/not signed by any of the keys/)
    expect(rebuilt.built).toEqual(['static-cross-fixture-app'])
    await saveBinaryCache({
      cacheDir,
      key: key2.key,
      cacheHit: restored.cacheHit,
      snapshotFile: restored.snapshotFile,
      signingKeyFile: restored.signingKeyFile
    })
  })

  test('without a key the trust is logged and the cache is taken as trusted, for itself only', async () => {
    await forgetOutputs()
    const restored = await restoreBinaryCache({
      cacheDir,
      ...key2,
      userConfFile,
      tempDir: runnerTemp
    })
    expect(restored).toMatchObject({
      cacheHit: 'exact',
      substituter: `file://${cacheDir}?priority=10&trusted=1`,
      publicKey: undefined,
      signingKeyFile: undefined
    })
    expect(log).toContain(UNSIGNED_TRUST_NOTE)
    const conf = readFileSync(userConfFile, 'utf8')
    expect(conf).not.toMatch(/require-sigs = false/)
    const again = await build('app')
    expect(again.built).toEqual([])
  })
})

describe('faults of the cache service are warnings and a cold build', () => {
  test('429 on lookup: a miss with a warning; with strict, an error', async () => {
    services.faults.add({
      service: 'cache',
      method: 'GetCacheEntryDownloadURL',
      status: 429,
      times: 1
    })
    const restored = await restore(key2)
    expect(restored.cacheHit).toBe('miss')
    expect(restored.warning).toMatch(/building without it/)
    expect(readdirSync(cacheDir)).toEqual([])
    services.faults.add({
      service: 'cache',
      method: 'GetCacheEntryDownloadURL',
      status: 429,
      times: 1
    })
    await expect(restore(key2, { strict: true })).rejects.toThrow(/Binary cache not restored/)
  })

  test('a corrupt download: a miss with a warning, the half-unpacked directory emptied', async () => {
    services.faults.add({
      service: 'blob',
      method: 'GET',
      blobKind: 'cache',
      corruptBody: true,
      times: 1
    })
    const restored = await restore(key2)
    expect(restored).toMatchObject({ cacheHit: 'miss', substituter: undefined })
    expect(restored.warning).toMatch(/could not be downloaded or unpacked/)
    expect(readdirSync(cacheDir)).toEqual([])
    expect(readFileSync(userConfFile, 'utf8')).not.toContain('extra-substituters')
  })

  test('429 on save: not saved, a warning, the key file still removed; with strict, an error', async () => {
    await forgetOutputs()
    writeFileSync(path.join(flakeDir, 'lib.txt'), `lib again ${randomUUID()}\n`)
    created.add(await flakeSourcePath(flakeDir))
    const key3 = cacheKey({ ...keyParts, lockHash: 'lock3' })
    const restored = await restore(key3)
    await build('app')
    services.faults.add({ service: 'cache', method: 'CreateCacheEntry', status: 429 })
    const saved = await saveBinaryCache({
      cacheDir,
      key: key3.key,
      cacheHit: restored.cacheHit,
      snapshotFile: restored.snapshotFile,
      signingKeyFile: restored.signingKeyFile
    })
    expect(saved).toMatchObject({ saved: false, skipped: 'failed' })
    expect(saved.newPaths).toBeGreaterThanOrEqual(2)
    expect(existsSync(restored.signingKeyFile!)).toBe(false)
    // The same post step again, strict this time (the fault stays).
    const keyFile = await writeSigningKeyFile(signingKey, runnerTemp)
    await expect(
      saveBinaryCache({
        cacheDir,
        key: key3.key,
        cacheHit: restored.cacheHit,
        snapshotFile: restored.snapshotFile,
        signingKeyFile: keyFile,
        strict: true
      })
    ).rejects.toThrow(/Binary cache not saved/)
    expect(existsSync(keyFile)).toBe(false)
  })
})

describe('the signing key', () => {
  test('never appears in the log except in the masking command', () => {
    const secret = signingKey.slice(signingKey.indexOf(':') + 1)
    expect(log.length).toBeGreaterThan(0)
    expect(log).toContain(`::add-mask::${secret}`)
    const withoutMasks = log
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    expect(withoutMasks).not.toContain(secret)
    expect(readFileSync(userConfFile, 'utf8')).not.toContain(secret)
  })
})
