/**
 * Writing nix.conf: idempotent marked blocks, the token only in a private file outside the
 * workspace and masked, and files the real Nix reads as meant.
 */
import { jest } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  configureNix,
  replaceMarkedBlock,
  renderSystemSettings,
  userConfFilePath,
  userConfFilesValue
} from '../../src/nix/config.js'

const work = mkdtempSync(path.join(os.tmpdir(), 'sx-config-'))
const savedEnv = { ...process.env }
const token = 'ghs_' + 'T0kenValue'.repeat(3)
let stdout = ''

beforeEach(() => {
  process.env = { ...savedEnv }
  process.env.GITHUB_ENV = path.join(work, `env-${Math.random()}`)
  writeFileSync(process.env.GITHUB_ENV, '')
  delete process.env.NIX_USER_CONF_FILES
  process.env.XDG_CONFIG_HOME = path.join(work, 'xdg')
  stdout = ''
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  })
})
afterEach(() => jest.restoreAllMocks())
afterAll(() => {
  process.env = savedEnv
  rmSync(work, { recursive: true, force: true })
})

describe('marked blocks', () => {
  test('replacing a block twice leaves one block and the user lines around it', () => {
    const user = '# mine\nkeep-outputs = true\n'
    const once = replaceMarkedBlock(user, 'settings', ['max-jobs = auto'])
    const twice = replaceMarkedBlock(once, 'settings', ['max-jobs = 4'])
    expect(twice.match(/max-jobs/g)).toHaveLength(1)
    expect(twice).toContain('max-jobs = 4')
    expect(twice.startsWith(user)).toBe(true)
    expect(replaceMarkedBlock(twice, 'settings', [])).toBe(user)
  })

  test('list settings refuse values that would smuggle in another setting', () => {
    expect(() =>
      renderSystemSettings({ substituters: ['https://a\nrequire-sigs = false'] }, ['root'])
    ).toThrow(/line breaks/)
  })
})

describe('configureNix', () => {
  test('on an install the action owns: CI settings in the system file, the token only in a 0600 file, masked', async () => {
    const systemConfFile = path.join(work, 'owned', 'etc-nix', 'nix.conf')
    const userConfFile = userConfFilePath(path.join(work, 'owned', 'runner-temp'))
    const { mkdirSync } = await import('node:fs')
    mkdirSync(path.dirname(systemConfFile), { recursive: true })
    writeFileSync(systemConfFile, 'build-users-group = nixbld\n')
    const options = {
      owned: true,
      systemConfFile,
      userConfFile,
      substituters: ['https://example.cachix.org'],
      trustedPublicKeys: ['example.cachix.org-1:AAAA'],
      extraPlatforms: ['aarch64-linux'],
      githubToken: token,
      extraConfig: 'keep-going = true\n',
      trustedUsers: ['root', 'runner']
    }
    const first = await configureNix(options)
    const system1 = readFileSync(systemConfFile, 'utf8')
    const user1 = readFileSync(userConfFile, 'utf8')
    const second = await configureNix(options)
    expect(first.systemConfChanged).toBe(true)
    expect(second.systemConfChanged).toBe(false)
    expect(readFileSync(systemConfFile, 'utf8')).toBe(system1)
    expect(readFileSync(userConfFile, 'utf8')).toBe(user1)

    expect(system1.startsWith('build-users-group = nixbld\n')).toBe(true)
    for (const line of [
      'experimental-features = nix-command flakes',
      'max-jobs = auto',
      'fallback = true',
      'sandbox = true',
      'trusted-users = root runner',
      'extra-substituters = https://example.cachix.org',
      'extra-trusted-public-keys = example.cachix.org-1:AAAA',
      'extra-platforms = aarch64-linux',
      'keep-going = true'
    ]) {
      expect(system1.split('\n').filter((l) => l === line)).toHaveLength(1)
    }
    expect(system1).not.toContain(token)
    expect(user1).toContain(`access-tokens = github.com=${token}`)
    expect(statSync(userConfFile).mode & 0o777).toBe(0o600)
    expect(stdout).toContain(`::add-mask::${token}`)
    expect(stdout.replaceAll(`::add-mask::${token}`, '')).not.toContain(token)

    const exported = readFileSync(process.env.GITHUB_ENV!, 'utf8')
    expect(exported).toContain('NIX_USER_CONF_FILES')
    expect(exported).toContain(userConfFile)
    expect(process.env.NIX_USER_CONF_FILES).toBe(
      `${path.join(work, 'xdg', 'nix', 'nix.conf')}:/etc/xdg/nix/nix.conf:${userConfFile}`
    )
  })

  test('on a Nix the user brought: no system file, only extra-* settings, and the real nix reads them', async () => {
    const confDir = path.join(work, 'reuse', 'conf')
    const systemConfFile = path.join(confDir, 'nix.conf')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(confDir, { recursive: true })
    writeFileSync(systemConfFile, 'max-jobs = 7\nsubstituters =\nextra-platforms = riscv64-linux\n')
    const userConfFile = userConfFilePath(path.join(work, 'reuse', 'runner-temp'))
    const result = await configureNix({
      owned: false,
      systemConfFile,
      userConfFile,
      extraPlatforms: ['aarch64-linux'],
      maxJobs: 2
    })
    expect(result.systemConfFile).toBeUndefined()
    expect(readFileSync(systemConfFile, 'utf8')).toBe(
      'max-jobs = 7\nsubstituters =\nextra-platforms = riscv64-linux\n'
    )
    const user = readFileSync(userConfFile, 'utf8')
    expect(user).not.toMatch(/^max-jobs/m)
    expect(user).toContain('extra-extra-platforms = aarch64-linux')

    const config = execFileSync(
      'nix',
      ['--extra-experimental-features', 'nix-command', 'show-config'],
      {
        env: { ...process.env, NIX_CONF_DIR: confDir, NIX_USER_CONF_FILES: result.userConfFiles },
        encoding: 'utf8'
      }
    )
    expect(config).toMatch(/^max-jobs = 7$/m)
    expect(config).toMatch(/^extra-platforms = .*aarch64-linux/m)
    expect(config).toMatch(/^extra-platforms = .*riscv64-linux/m)
    expect(config).toMatch(/^experimental-features = .*flakes/m)
  })

  test('NIX_USER_CONF_FILES keeps a list the user set, the action file last, once', () => {
    const env = { NIX_USER_CONF_FILES: '/a/nix.conf:/tmp/ours.conf' }
    expect(userConfFilesValue('/tmp/ours.conf', env)).toBe('/a/nix.conf:/tmp/ours.conf')
  })
})
