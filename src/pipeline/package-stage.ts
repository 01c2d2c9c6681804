/**
 * Package stage: one reproducible archive per verified target in artifacts-dir, then a
 * SHA256SUMS file over them, named after the step's targets so matrix jobs never collide.
 * Archives are written to a temporary name and renamed, so a
 * failure never leaves a half-written archive to publish.
 */
import * as core from '@actions/core'
import { getExecOutput } from '@actions/exec'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { ArchiveFormat } from '../inputs/index.js'
import { ARCHIVE_EXTENSIONS, type PlannedTarget } from '../plan.js'
import { createArchive, resolveArchiveMtime } from '../publish/archive.js'
import { sha256File, writeSha256Sums } from '../publish/checksums.js'
import { failTarget, type TargetResult } from './results.js'

/** The commit time of the project, so archives of one commit are the same bytes on every run. */
export async function commitTime(cwd: string): Promise<number | null> {
  try {
    const { exitCode, stdout } = await getExecOutput('git', ['log', '-1', '--format=%ct'], {
      cwd,
      silent: true,
      ignoreReturnCode: true
    })
    return exitCode === 0 && /^\d+$/.test(stdout.trim()) ? Number(stdout.trim()) : null
  } catch {
    return null
  }
}

export async function packageTargets(
  results: readonly TargetResult[],
  planned: readonly PlannedTarget[],
  options: { format: ArchiveFormat; outDir: string; projectDir: string; checksumsFile: string }
): Promise<{ results: TargetResult[]; checksumsFile: string | null }> {
  await mkdir(options.outDir, { recursive: true })
  const mtime = resolveArchiveMtime({
    env: process.env,
    commitTime: await commitTime(options.projectDir)
  })
  const extension = ARCHIVE_EXTENSIONS[options.format]
  const packaged: TargetResult[] = []
  for (const result of results) {
    const plan = planned.find((p) => p.target === result.target)
    if (result.status !== 'ok' || !plan) {
      packaged.push(result)
      continue
    }
    const started = Date.now()
    try {
      const archive = await createArchive({
        files: result.executables.map((e) => e.path),
        outDir: options.outDir,
        name: plan.artifactName.slice(0, plan.artifactName.length - extension.length),
        format: options.format,
        mtime
      })
      packaged.push({
        ...result,
        archive: {
          file: archive.fileName,
          path: archive.path,
          size: archive.bytes,
          sha256: await sha256File(archive.path)
        },
        durationsMs: { ...result.durationsMs, package: Date.now() - started }
      })
    } catch (error) {
      packaged.push(failTarget(result, 'package', `packaging failed: ${(error as Error).message}`))
    }
  }
  const archives = packaged.flatMap((r) => (r.archive ? [r.archive.path] : []))
  if (archives.length === 0) return { results: packaged, checksumsFile: null }
  const sums = await writeSha256Sums(archives, {
    outPath: join(options.outDir, options.checksumsFile)
  })
  core.info(`wrote ${sums.path} for ${archives.length} archive(s) (mtime ${mtime})`)
  return { results: packaged, checksumsFile: sums.path }
}
