// Bundles the main and post entries with ncc (ESM mode) into <outDir>/main and <outDir>/post.
// Usage: node scripts/build-dist.mjs <outDir>
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

const outDir = resolve(process.argv[2] ?? 'dist')
const ncc = resolve('node_modules/@vercel/ncc/dist/ncc/cli.js')
for (const entry of ['main', 'post']) {
  const target = join(outDir, entry)
  rmSync(target, { recursive: true, force: true })
  execFileSync(
    process.execPath,
    [
      ncc,
      'build',
      `src/${entry}.ts`,
      '-o',
      target,
      '--target',
      'es2023',
      '--quiet',
      '--no-source-map-register'
    ],
    { stdio: 'inherit' }
  )
}
