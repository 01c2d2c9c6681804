/**
 * One SBOM per target: the CycloneDX document of the Nix closure behind its executable,
 * written beside its archive as `<archive name without extension>.cdx.json`.
 */
import { join } from 'node:path'
import { sha256Of } from '../publish/checksums.js'
import { writeFileWhole } from '../publish/write-whole.js'
import { queryClosure, type NixClosure } from './closure.js'
import { closureToCycloneDx, type SbomSubject } from './cyclonedx.js'
import { haskellPackagesIn, type HaskellPackage } from './haskell.js'

export const SBOM_EXTENSION = '.cdx.json'

export interface SbomFile {
  file: string
  path: string
  size: number
  sha256: string
  /** build: the whole build closure; runtime: the derivation was not in the store. */
  closure: 'build' | 'runtime'
  components: number
  /** Hackage packages listed, as name-version. */
  haskellPackages: string[]
}

/** A target's closure and the Haskell packages registered in it: read once, for SBOM and audit. */
export interface TargetClosure {
  closure: NixClosure
  haskell: Map<string, HaskellPackage[]>
}

export async function readTargetClosure(storePath: string): Promise<TargetClosure> {
  const closure = await queryClosure(storePath)
  const haskell = new Map<string, HaskellPackage[]>()
  for (const entry of closure.paths) {
    const found = await haskellPackagesIn(entry.path)
    if (found.length > 0) haskell.set(entry.path, found)
  }
  return { closure, haskell }
}

export async function sbomForTarget(options: {
  closure: TargetClosure
  outDir: string
  /** The archive's name without its extension. */
  baseName: string
  subject: SbomSubject
}): Promise<SbomFile> {
  const { closure, haskell } = options.closure
  const text = closureToCycloneDx(closure, options.subject, haskell)
  const file = `${options.baseName}${SBOM_EXTENSION}`
  const path = join(options.outDir, file)
  await writeFileWhole(path, text)
  return {
    file,
    path,
    size: Buffer.byteLength(text),
    sha256: sha256Of(text),
    closure: closure.kind,
    components: closure.paths.length,
    haskellPackages: [...haskell.values()]
      .flat()
      .map((p) => `${p.name}-${p.version}`)
      .sort()
  }
}
