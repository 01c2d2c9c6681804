/**
 * Which store paths are Haskell packages, from the package database nixpkgs' Haskell builder
 * installs in each library's output (`$out/lib/ghc-<version>/package.conf.d/<id>.conf`, or
 * `.../lib/ghc-<version>/lib/package.conf.d` in newer layouts): the registered name and
 * version, not a guess from the store path's name.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface HaskellPackage {
  name: string
  version: string
  /** The registration file it was read from. */
  conf: string
}

/** The `name:` and `version:` fields of a ghc-pkg registration (InstalledPackageInfo). */
export function parsePackageConf(text: string): { name: string; version: string } | null {
  const field = (key: string): string | null => {
    const m = new RegExp(`^${key}:[ \\t]*(\\S+)`, 'm').exec(text)
    return m ? (m[1] ?? null) : null
  }
  const name = field('name')
  const version = field('version')
  return name !== null && version !== null ? { name, version } : null
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch {
    return []
  }
}

/** The Haskell packages a store path registers (usually one; none for other paths). */
export async function haskellPackagesIn(storePath: string): Promise<HaskellPackage[]> {
  const found: HaskellPackage[] = []
  const lib = join(storePath, 'lib')
  for (const compiler of await entries(lib)) {
    if (!compiler.startsWith('ghc-')) continue
    for (const db of [
      join(lib, compiler, 'package.conf.d'),
      join(lib, compiler, 'lib', 'package.conf.d')
    ]) {
      for (const file of (await entries(db)).sort()) {
        if (!file.endsWith('.conf')) continue
        const conf = join(db, file)
        const parsed = parsePackageConf(await readFile(conf, 'utf8'))
        if (parsed) found.push({ ...parsed, conf })
      }
    }
  }
  return found
}
