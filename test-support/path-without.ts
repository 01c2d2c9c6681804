/**
 * A PATH directory holding symbolic links to every program of /usr/bin, /usr/sbin and
 * /usr/local/bin except the ones a test takes away (e.g. `qemu-riscv64*` or `nix*`), for a
 * step whose PATH is replaced by it (`env: { PATH: dir }`).
 */
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const SOURCES = ['/usr/local/bin', '/usr/bin', '/usr/sbin']

export function pathWithout(removed: readonly RegExp[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'path-without-'))
  for (const source of SOURCES) {
    if (!existsSync(source)) continue
    for (const name of readdirSync(source)) {
      if (removed.some((pattern) => pattern.test(name)) || existsSync(join(dir, name))) continue
      symlinkSync(join(source, name), join(dir, name))
    }
  }
  return dir
}
