/** A directory tree as data (paths, types, modes, sizes, content hashes), to prove it did not change. */
import { createHash } from 'node:crypto'
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'

export type TreeSnapshot = Record<string, string>

/** Every entry under `dir` (symbolic links not followed), keyed by relative path. */
export function snapshotTree(dir: string, skip: readonly string[] = []): TreeSnapshot {
  const entries: TreeSnapshot = {}
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`
      if (skip.includes(path)) continue
      const stat = lstatSync(join(dir, path))
      const mode = (stat.mode & 0o7777).toString(8)
      if (stat.isSymbolicLink()) entries[path] = `link ${readlinkSync(join(dir, path))}`
      else if (stat.isDirectory()) {
        entries[path] = `dir ${mode}`
        walk(path)
      } else {
        const hash = createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex')
        entries[path] = `file ${mode} ${stat.size} ${hash}`
      }
    }
  }
  walk('')
  return entries
}
