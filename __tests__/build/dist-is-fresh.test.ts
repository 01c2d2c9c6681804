/** The committed dist/ is what runners execute: it must be exactly a fresh build of src/. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

test('dist/ matches a fresh build of src/', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'dist-'))
  execFileSync(process.execPath, ['scripts/build-dist.mjs', fresh], { stdio: 'pipe' })
  expect(filesUnder('dist')).toEqual(filesUnder(fresh))
  const stale = filesUnder(fresh).filter(
    (file) => !readFileSync(join(fresh, file)).equals(readFileSync(join('dist', file)))
  )
  expect(stale).toEqual([])
}, 120000)
