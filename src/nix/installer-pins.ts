/**
 * The Nix installer tarballs the action may download, each with the sha256 it must have.
 * Nothing is fetched whose hash is not written here (or given by the user together with its
 * URL and version), so a compromised mirror cannot hand us a different installer.
 *
 * To bump: fetch `nix-<ver>-<system>.tar.xz` and its published `.sha256` from the Nix release
 * page, compare them with each other and with an independent download, and change the
 * version, URL and hash in one commit.
 */

/** Nix system strings the official installer is published for on Linux runners. */
export type InstallerSystem = 'x86_64-linux' | 'aarch64-linux'

/** Where an installer tarball comes from and what it must hash to. All three go together. */
export interface InstallerSource {
  version: string
  url: string
  /** Lower-case hex sha256 of the tarball. */
  sha256: string
}

export const DEFAULT_NIX_VERSION = '2.34.8'

const PINS: Readonly<
  Record<string, Readonly<Partial<Record<InstallerSystem, Omit<InstallerSource, 'version'>>>>>
> = {
  '2.34.8': {
    'x86_64-linux': {
      url: 'https://releases.nixos.org/nix/nix-2.34.8/nix-2.34.8-x86_64-linux.tar.xz',
      sha256: '2c2e146b80834fe0ca201b51deeb939405b4f18e8d2071bf80b10f8123c50464'
    }
    // aarch64-linux: not pinned yet; ARM64 runners pass installer-url/-sha256/-version
    // together, or bring their own Nix (which the action then reuses).
  }
}

export const PINNED_VERSIONS: readonly string[] = Object.keys(PINS)

/** The pinned installer for `version` on `system`, or a clear error naming what is pinned. */
export function pinnedInstaller(version: string, system: InstallerSystem): InstallerSource {
  const pin = PINS[version]?.[system]
  if (!pin) {
    const known = Object.entries(PINS)
      .flatMap(([v, systems]) => Object.keys(systems).map((s) => `${v} (${s})`))
      .join(', ')
    throw new Error(
      `No pinned Nix installer for version ${version} on ${system}; pinned: ${known}. ` +
        'Give the installer version, URL and sha256 together to use another one.'
    )
  }
  return { version, ...pin }
}

const SHA256_HEX = /^[0-9a-f]{64}$/
const VERSION = /^\d+\.\d+(\.\d+)?([-+.][0-9A-Za-z.-]+)?$/

/**
 * Resolve the installer from optional overrides: all three of version, URL and hash, or none
 * (then the pin for `defaultVersion`). A URL without its hash would run unverified code, and a
 * hash without its URL is a pin for nothing, so a partial override is refused.
 */
export function resolveInstallerSource(
  overrides: { version?: string; url?: string; sha256?: string },
  system: InstallerSystem,
  defaultVersion: string = DEFAULT_NIX_VERSION
): InstallerSource {
  const given = [overrides.version, overrides.url, overrides.sha256].map((v) => (v ?? '').trim())
  const [version, url, sha256] = given as [string, string, string]
  const count = given.filter((v) => v !== '').length
  if (count === 0) return pinnedInstaller(defaultVersion, system)
  if (count !== 3) {
    throw new Error(
      'The Nix installer override needs its version, URL and sha256 together ' +
        `(got ${['version', 'URL', 'sha256'].filter((_, i) => given[i] !== '').join(', ')} only).`
    )
  }
  if (!VERSION.test(version))
    throw new Error(`Nix installer version ${JSON.stringify(version)} is not a version number.`)
  if (!/^https?:\/\//.test(url)) throw new Error(`Nix installer URL must be http(s): ${url}`)
  const hash = sha256.toLowerCase()
  if (!SHA256_HEX.test(hash)) throw new Error('Nix installer sha256 must be 64 hexadecimal digits.')
  return { version, url, sha256: hash }
}

/** The installer system for a Node `process.arch`, or an error for runners the installer lacks. */
export function installerSystemFor(arch: string = process.arch): InstallerSystem {
  if (arch === 'x64') return 'x86_64-linux'
  if (arch === 'arm64') return 'aarch64-linux'
  throw new Error(
    `No Nix installer for the ${arch} architecture; use an x86_64 or arm64 Linux runner.`
  )
}
