/**
 * Package stage of one target: one reproducible archive in artifacts-dir. Archives are written
 * to a temporary name and renamed, so a failure never leaves a half-written archive to publish.
 */
import { getExecOutput } from '@actions/exec'
import type { ArchiveFormat } from '../inputs/index.js'
import { ARCHIVE_EXTENSIONS, type PlannedTarget } from '../plan.js'
import { createArchive } from '../publish/archive.js'
import { sha256File } from '../publish/checksums.js'
import { failTarget, type TargetResult } from './results.js'
import type { TargetLog } from './target-log.js'

export interface PackageSettings {
  format: ArchiveFormat
  outDir: string
  /** The one mtime of every archive entry. */
  mtime: number
  /** Threads one xz may use. */
  xzThreads: number
}

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

/**
 * How many archives may be written at once: an xz archive already uses every core (and memory
 * per thread), so one at a time; the other formats compress on one core each.
 */
export function compressionSlots(format: ArchiveFormat, cores: number): number {
  return format === 'tar.xz' ? 1 : Math.max(1, cores)
}

export async function packageTarget(
  result: TargetResult,
  plan: PlannedTarget,
  settings: PackageSettings
): Promise<TargetResult> {
  if (result.status !== 'ok') return result
  const started = Date.now()
  const extension = ARCHIVE_EXTENSIONS[settings.format]
  try {
    const archive = await createArchive({
      files: result.executables.map((e) => e.path),
      outDir: settings.outDir,
      name: plan.artifactName.slice(0, plan.artifactName.length - extension.length),
      format: settings.format,
      mtime: settings.mtime,
      xzThreads: settings.xzThreads
    })
    return {
      ...result,
      archive: {
        file: archive.fileName,
        path: archive.path,
        size: archive.bytes,
        sha256: await sha256File(archive.path)
      },
      durationsMs: { ...result.durationsMs, package: Date.now() - started }
    }
  } catch (error) {
    return failTarget(
      { ...result, durationsMs: { ...result.durationsMs, package: Date.now() - started } },
      'package',
      `packaging failed: ${(error as Error).message}`
    )
  }
}

export function logPackage(result: TargetResult, log: TargetLog): void {
  const seconds = (result.durationsMs.package / 1000).toFixed(1)
  if (result.archive) {
    const line = `packaged ${result.archive.file} (${result.archive.size} bytes, sha256 ${result.archive.sha256}) in ${seconds} s`
    log.progress(line)
    log.info(line)
  } else if (result.failedStage === 'package') {
    log.progress(`package FAILED in ${seconds} s`)
    log.info(`error: ${result.error}`)
  }
}
