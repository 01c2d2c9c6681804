/**
 * The demo: the bundled action (dist/) run as a GitHub runner runs it, through the local
 * runner, on examples/hello-c for four targets; then its artifacts are downloaded like a
 * release job would, and their paths printed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { runAction, startServices } from '../test-support/runner/index.js'
import { offlineNixEnv, projectWorkspace } from '../test-support/project.js'

const targets = process.argv[2] ?? 'x86_64-linux, aarch64-linux, armv7l-linux, riscv64-linux'
const outDir = resolve('demo-output')

/** The job summary's HTML tables as plain text rows, for a terminal. */
function tablesAsText(html: string): string {
  return html
    .replace(/<h3>(.*?)<\/h3>/g, '\n$1\n')
    .replace(/<\/t[hd]>/g, ' | ')
    .replace(/<tr>/g, '| ')
    .replace(/<\/tr>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
}

const services = await startServices()
try {
  console.log(`static-cross demo: building examples/hello-c for ${targets}`)
  const run = await runAction({
    services,
    workspace: projectWorkspace(resolve('examples', 'hello-c')),
    env: offlineNixEnv(),
    inputs: { targets, installable: '.#static-{target}', name: 'hello', version: '1.0.0' },
    onOutput: (_stage, _stream, text) => {
      for (const line of text.split('\n')) {
        if (/^(::debug::|::add-mask::)/.test(line)) continue
        if (line.trim() !== '') process.stdout.write(`  ${line}\n`)
      }
    }
  })
  console.log(tablesAsText(run.main.summary + (run.post?.summary ?? '')))
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  for (const artifact of services.listArtifacts(run.run)) {
    const downloaded = await services.downloadArtifact(artifact.name, { run: run.run })
    const file = join(outDir, artifact.fileName)
    writeFileSync(file, downloaded.bytes)
    console.log(
      `artifact ${artifact.name} (${downloaded.bytes.length} bytes, ${artifact.digest ?? 'no digest'}) -> ${file}`
    )
  }
  console.log(`\nmain: ${run.main.conclusion}, post: ${run.post?.conclusion ?? 'not run'}`)
  console.log(`artifacts-dir on the runner: ${run.main.outputs['artifacts-dir']}`)
  console.log(`downloaded artifacts: ${outDir}`)
  process.exitCode = run.main.conclusion === 'success' ? 0 : 1
} finally {
  await services.stop()
}
