/**
 * A fixed copy of what the action runs from (action.yml, dist/, nix/), taken once per suite.
 * Suites that run the bundle many times use it as `actionDir`, so a rebuild of dist/ while
 * they run (npm run build empties dist/ first) cannot hand a case half a bundle, and staging
 * each run copies a few files instead of the whole repository.
 */
import { cpSync, existsSync, mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './runner/index.js'

const SHIPPED = ['action.yml', 'dist', 'nix']
const ENTRIES = ['dist/main/index.js', 'dist/post/index.js']

function bundleSizes(): string | null {
  if (!ENTRIES.every((entry) => existsSync(join(REPO_ROOT, entry)))) return null
  return ENTRIES.map((entry) => statSync(join(REPO_ROOT, entry)).size).join(',')
}

/** Waits (up to a minute) for a complete, settled bundle, then copies the shipped files. */
export async function actionSnapshot(): Promise<string> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const before = bundleSizes()
    await new Promise((resolve) => setTimeout(resolve, 500))
    if (before !== null && before === bundleSizes()) break
    if (Date.now() > deadline)
      throw new Error('dist/ has no complete bundle (main and post); run npm run build')
  }
  const dir = mkdtempSync(join(tmpdir(), 'action-snapshot-'))
  for (const entry of SHIPPED) cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true })
  return dir
}
