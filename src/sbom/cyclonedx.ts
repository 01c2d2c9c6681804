/**
 * A CycloneDX document of a target's Nix closure, with @cyclonedx/cyclonedx-library. Each store
 * path is a component: name and version from its derivation (pname/version) or its store name,
 * the SHA-256 of its NAR (what `nix-store --dump <path> | sha256sum` prints), the store path and
 * Nix's hash as properties, licenses from meta where recorded, and Haskell packages with their
 * Hackage purl. Deterministic: the same closure gives the same bytes. Pure.
 */
// Subpath imports: the package's main entry also loads its schema files from disk by
// __dirname (for the validator), which a bundled ES module cannot do.
import * as Enums from '@cyclonedx/cyclonedx-library/Enums'
import * as Models from '@cyclonedx/cyclonedx-library/Models'
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX'
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize'
import * as Spec from '@cyclonedx/cyclonedx-library/Spec'
import { createHash } from 'node:crypto'
import { PackageURL } from 'packageurl-js'
import type { ClosurePath, NixClosure } from './closure.js'
import type { HaskellPackage } from './haskell.js'
import { narHashToHex } from './nix-hash.js'

export const SBOM_SPEC_VERSION = '1.6'

export interface SbomSubject {
  /** The project's name and version, as the archives carry them. */
  name: string
  version: string
  target: string
  /** Seconds since the epoch: the archives' mtime, so the document is reproducible. */
  timestamp: number
}

/** `hello-2.12.1` -> { hello, 2.12.1 }: the version starts at the first dash before a digit. */
export function splitStoreName(storePath: string): { name: string; version: string | null } {
  const base = storePath.replace(/^.*\//, '').replace(/^[0-9a-z]{32}-/, '')
  const m = /^(.+?)-(\d.*)$/.exec(base)
  return m ? { name: m[1] ?? base, version: m[2] ?? null } : { name: base, version: null }
}

function licenseOf(meta: Record<string, unknown> | null): Models.License[] {
  const raw = meta?.license
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return list.flatMap((license): Models.License[] => {
    if (typeof license === 'string')
      return [
        SPDX.isSupportedSpdxId(license)
          ? new Models.SpdxLicense(license)
          : new Models.NamedLicense(license)
      ]
    if (typeof license !== 'object' || license === null) return []
    const { spdxId, fullName, shortName } = license as Record<string, unknown>
    if (typeof spdxId === 'string' && SPDX.isSupportedSpdxId(spdxId))
      return [new Models.SpdxLicense(spdxId)]
    const name = [fullName, spdxId, shortName].find((n) => typeof n === 'string')
    return typeof name === 'string' ? [new Models.NamedLicense(name)] : []
  })
}

function component(
  entry: ClosurePath,
  haskell: readonly HaskellPackage[],
  type: Enums.ComponentType
): Models.Component {
  const fromStore = splitStoreName(entry.path)
  const hackage = haskell[0]
  const name = hackage?.name ?? entry.derivation?.pname ?? fromStore.name
  const version = hackage?.version ?? entry.derivation?.version ?? fromStore.version ?? undefined
  const hex = narHashToHex(entry.narHash)
  const properties = [
    new Models.Property('nix:store-path', entry.path),
    new Models.Property('nix:nar-hash', entry.narHash),
    new Models.Property('nix:nar-size', String(entry.narSize)),
    ...(entry.deriver ? [new Models.Property('nix:deriver', entry.deriver)] : []),
    ...haskell.map((p) => new Models.Property('ghc:package-conf', p.conf))
  ]
  return new Models.Component(type, name, {
    bomRef: entry.path,
    version,
    purl: hackage
      ? new PackageURL(
          'hackage',
          undefined,
          hackage.name,
          hackage.version,
          undefined,
          undefined
        ).toString()
      : undefined,
    hashes: hex ? new Models.HashDictionary([[Enums.HashAlgorithm['SHA-256'], hex]]) : undefined,
    licenses: new Models.LicenseRepository(licenseOf(entry.derivation?.meta ?? null)),
    description:
      typeof entry.derivation?.meta?.description === 'string'
        ? entry.derivation.meta.description
        : undefined,
    properties: new Models.PropertyRepository(properties)
  })
}

/** The CycloneDX JSON text for one target's closure. */
export function closureToCycloneDx(
  closure: NixClosure,
  subject: SbomSubject,
  haskell: ReadonlyMap<string, readonly HaskellPackage[]>
): string {
  const byPath = new Map<string, Models.Component>()
  for (const entry of closure.paths) {
    const isRoot = entry.path === closure.root
    const type = isRoot
      ? Enums.ComponentType.Application
      : entry.deriver === null
        ? Enums.ComponentType.File
        : Enums.ComponentType.Library
    byPath.set(entry.path, component(entry, haskell.get(entry.path) ?? [], type))
  }
  for (const entry of closure.paths) {
    const from = byPath.get(entry.path)
    for (const ref of entry.references) {
      const to = byPath.get(ref)
      if (from && to && to !== from) from.dependencies.add(to.bomRef)
    }
  }
  const root = byPath.get(closure.root)
  if (!root) throw new Error(`${closure.root} is not in its own closure`)
  byPath.delete(closure.root)
  // The build used everything in a build closure; what the output references is runtime.
  if (closure.kind === 'build') for (const c of byPath.values()) root.dependencies.add(c.bomRef)
  root.name = subject.name
  root.version = subject.version
  root.properties.add(new Models.Property('static-cross:target', subject.target))
  root.properties.add(new Models.Property('static-cross:closure', closure.kind))
  if (closure.rootDerivation)
    root.properties.add(new Models.Property('nix:derivation', closure.rootDerivation))
  const digest = createHash('sha256')
    .update(JSON.stringify([subject, closure.paths.map((p) => [p.path, p.narHash])]))
    .digest('hex')
  const bom = new Models.Bom({
    serialNumber: `urn:uuid:${digest.slice(0, 8)}-${digest.slice(8, 12)}-5${digest.slice(13, 16)}-a${digest.slice(17, 20)}-${digest.slice(20, 32)}`,
    metadata: new Models.Metadata({
      timestamp: new Date(subject.timestamp * 1000),
      component: root,
      properties: new Models.PropertyRepository([
        new Models.Property('static-cross:closure', closure.kind)
      ])
    }),
    components: new Models.ComponentRepository(byPath.values())
  })
  const serializer = new Serialize.JsonSerializer(
    new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6)
  )
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`
}
