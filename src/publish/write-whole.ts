/**
 * Files that readers see whole or not at all: written under a temporary name beside their
 * place and renamed into it; a failed write leaves nothing behind.
 */
import { randomBytes } from 'node:crypto'
import { rename, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** The temporary name beside `path` that a file is written under before its rename. */
export function partialPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`)
}

export async function writeFileWhole(path: string, data: string | Buffer): Promise<void> {
  const temp = partialPath(path)
  try {
    await writeFile(temp, data, { mode: 0o644 })
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
}
