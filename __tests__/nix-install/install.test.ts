/**
 * The install path for real: a loopback HTTP server serves an installer tarball in the official
 * layout (this machine's nix plus a stand-in install script that installs into a temp HOME),
 * and the real @actions/tool-cache downloads, verifies and caches it.
 */
import { createServer, type Server } from 'node:http'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import type { AddressInfo } from 'node:net'
import { makeInstallerTarball } from '../../test-support/fixtures/nix-installer/make-tarball.js'
import { installNix, parseNixVersion, toolCacheVersion } from '../../src/nix/install.js'
import { sha256File } from '../../src/publish/checksums.js'
import {
  resolveInstallerSource,
  pinnedInstaller,
  DEFAULT_NIX_VERSION
} from '../../src/nix/installer-pins.js'

const work = mkdtempSync(path.join(os.tmpdir(), 'sx-install-'))
const savedEnv = { ...process.env }
let server: Server
let baseUrl = ''
let requests = 0
let tarball = ''
let tarballSha = ''

function freshFile(name: string): string {
  const file = path.join(work, name)
  writeFileSync(file, '')
  return file
}

beforeAll(async () => {
  process.env.RUNNER_TEMP = path.join(work, 'runner-temp')
  process.env.RUNNER_TOOL_CACHE = path.join(work, 'tool-cache')
  const built = makeInstallerTarball(path.join(work, 'fixture'), { version: '2.8.0' })
  tarball = built.file
  tarballSha = await sha256File(tarball)
  server = createServer((req, res) => {
    requests++
    if (req.url === `/nix/nix-2.8.0/${path.basename(tarball)}`) {
      res.writeHead(200, { 'content-type': 'application/x-xz' })
      res.end(readFileSync(tarball))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  process.env = savedEnv
  rmSync(work, { recursive: true, force: true })
})

beforeEach(() => {
  process.env.PATH = savedEnv.PATH
  process.env.GITHUB_PATH = freshFile(`path-${Date.now()}-${Math.random()}`)
  process.env.GITHUB_ENV = freshFile(`env-${Date.now()}-${Math.random()}`)
})

function freshHome(): string {
  return mkdtempSync(path.join(work, 'home-'))
}

function installerUrl(): string {
  return `${baseUrl}/nix/nix-2.8.0/${path.basename(tarball)}`
}

describe('installing Nix from the pinned installer tarball', () => {
  test('downloads, verifies, runs `install --no-daemon`, and puts nix on PATH for later steps', async () => {
    const home = freshHome()
    const before = requests
    const result = await installNix({
      installer: { version: '2.8.0', url: installerUrl(), sha256: tarballSha },
      searchPath: '',
      profileBinDirs: [path.join(home, '.nix-profile', 'bin')],
      system: 'x86_64-linux',
      daemon: false,
      installerEnv: { HOME: home }
    })
    expect(result).toMatchObject({
      source: 'installed',
      version: '2.8.0',
      downloaded: true,
      daemon: false
    })
    expect(result.binDir).toBe(path.join(home, '.nix-profile', 'bin'))
    expect(requests - before).toBe(1)
    expect(
      readFileSync(path.join(home, 'installer-args'), 'utf8').split('\n').filter(Boolean)
    ).toEqual(['--no-daemon', '--no-channel-add'])
    expect((await readFile(process.env.GITHUB_PATH!, 'utf8')).split('\n')).toContain(result.binDir)
    expect(process.env.PATH!.split(path.delimiter)[0]).toBe(result.binDir)
    // The installer stays in the tool cache under a version that names its hash.
    const version = toolCacheVersion({ version: '2.8.0', url: installerUrl(), sha256: tarballSha })
    expect(
      existsSync(
        path.join(process.env.RUNNER_TOOL_CACHE!, 'nix-installer', version, 'x64', 'install')
      )
    ).toBe(true)
  })

  test('a second run takes the installer from the tool cache: no second download', async () => {
    const home = freshHome()
    const before = requests
    const result = await installNix({
      installer: { version: '2.8.0', url: installerUrl(), sha256: tarballSha },
      searchPath: '',
      profileBinDirs: [path.join(home, '.nix-profile', 'bin')],
      system: 'x86_64-linux',
      daemon: false,
      installerEnv: { HOME: home }
    })
    expect(result).toMatchObject({ source: 'installed', downloaded: false, version: '2.8.0' })
    expect(requests - before).toBe(0)
  })

  test('refuses an installer whose sha256 differs, naming expected and actual, and runs nothing', async () => {
    const home = freshHome()
    const wrong = 'ab'.repeat(32)
    await expect(
      installNix({
        installer: { version: '2.8.1', url: installerUrl(), sha256: wrong },
        searchPath: '',
        profileBinDirs: [path.join(home, '.nix-profile', 'bin')],
        system: 'x86_64-linux',
        daemon: false,
        installerEnv: { HOME: home }
      })
    ).rejects.toThrow(new RegExp(`sha256 ${tarballSha}, expected ${wrong}; refusing to run it`))
    expect(existsSync(path.join(home, 'installer-args'))).toBe(false)
    expect(
      existsSync(
        path.join(
          process.env.RUNNER_TOOL_CACHE!,
          'nix-installer',
          toolCacheVersion({ version: '2.8.1', url: '', sha256: wrong })
        )
      )
    ).toBe(false)
  })

  test('an installer URL that cannot be fetched is an error naming the installer and the URL', async () => {
    const home = freshHome()
    const url = `${baseUrl}/nix/missing.tar.xz`
    await expect(
      installNix({
        installer: { version: '2.8.2', url, sha256: tarballSha },
        searchPath: '',
        profileBinDirs: [path.join(home, '.nix-profile', 'bin')],
        system: 'x86_64-linux',
        daemon: false,
        installerEnv: { HOME: home }
      })
    ).rejects.toThrow(
      `Could not download the Nix installer 2.8.2 from ${url}: Unexpected HTTP response: 404`
    )
    expect(existsSync(path.join(home, 'installer-args'))).toBe(false)
  })
})

describe('reusing the Nix that is there', () => {
  test('finds the machine nix on PATH, reports its version, adds its dir to PATH, downloads nothing', async () => {
    const before = requests
    const home = freshHome()
    const result = await installNix({
      installer: { version: '2.8.0', url: installerUrl(), sha256: tarballSha },
      profileBinDirs: [path.join(home, '.nix-profile', 'bin')],
      installerEnv: { HOME: home }
    })
    expect(result.source).toBe('existing')
    expect(result.version).toMatch(/^2\.\d+/)
    expect(existsSync(path.join(result.binDir, 'nix'))).toBe(true)
    expect(requests - before).toBe(0)
    expect(existsSync(path.join(home, 'installer-args'))).toBe(false)
    expect((await readFile(process.env.GITHUB_PATH!, 'utf8')).split('\n')).toContain(result.binDir)
  })

  test('finds nix in a profile dir that is not on PATH', async () => {
    const result = await installNix({
      searchPath: '',
      profileBinDirs: ['/nonexistent/bin', path.dirname('/usr/bin/nix')]
    })
    expect(result).toMatchObject({ source: 'existing', binDir: '/usr/bin' })
  })

  test('a runner whose architecture has no pinned installer still reuses its own Nix', async () => {
    const result = await installNix({
      system: 'aarch64-linux',
      searchPath: '/usr/bin',
      profileBinDirs: []
    })
    expect(result).toMatchObject({ source: 'existing', binDir: '/usr/bin' })
  })

  test('with install false, a missing Nix is an error that says what to do, and nothing is fetched', async () => {
    const before = requests
    await expect(
      installNix({ install: false, searchPath: '', profileBinDirs: ['/nonexistent/bin'] })
    ).rejects.toThrow(
      /install-nix is false: install Nix in an earlier step, or set install-nix: true/
    )
    expect(requests - before).toBe(0)
  })
})

describe('installer pins and overrides', () => {
  test('the default version is pinned for x86_64-linux with a 64-digit hash and an https URL', () => {
    const pin = pinnedInstaller(DEFAULT_NIX_VERSION, 'x86_64-linux')
    expect(pin.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(pin.url).toBe(
      `https://releases.nixos.org/nix/nix-${DEFAULT_NIX_VERSION}/nix-${DEFAULT_NIX_VERSION}-x86_64-linux.tar.xz`
    )
    expect(resolveInstallerSource({}, 'x86_64-linux')).toEqual(pin)
  })

  test('an override needs version, URL and hash together', () => {
    expect(() =>
      resolveInstallerSource({ url: 'https://example.test/nix.tar.xz' }, 'x86_64-linux')
    ).toThrow(/together \(got URL only\)/)
    expect(() =>
      resolveInstallerSource(
        { version: '2.30.0', url: 'https://e.test/n.tar.xz', sha256: 'zz' },
        'x86_64-linux'
      )
    ).toThrow(/64 hexadecimal/)
    expect(
      resolveInstallerSource(
        { version: '2.30.0', url: 'https://e.test/n.tar.xz', sha256: 'AB'.repeat(32) },
        'x86_64-linux'
      )
    ).toEqual({
      version: '2.30.0',
      url: 'https://e.test/n.tar.xz',
      sha256: 'ab'.repeat(32)
    })
  })

  test('an unpinned system is a clear error', () => {
    expect(() => resolveInstallerSource({}, 'aarch64-linux')).toThrow(
      /No pinned Nix installer .* aarch64-linux; pinned: 2\.34\.8 \(x86_64-linux\)/
    )
  })

  test('parses the versions that nix --version prints', () => {
    expect(parseNixVersion('nix (Nix) 2.8.0\n')).toBe('2.8.0')
    expect(parseNixVersion('nix (Determinate Nix 3.6.2) 2.29.0')).toBe('2.29.0')
    expect(parseNixVersion('nix (Nix) 2.34.0pre20260101_abcdef')).toBe('2.34.0pre20260101_abcdef')
    expect(parseNixVersion('garbage')).toBeUndefined()
  })
})
