/**
 * Package stage of one target: one reproducible archive in artifacts-dir, a CycloneDX SBOM of
 * its Nix closure beside it, and the Template Haskell audit of that closure. Archives are
 * written to a temporary name and renamed; the archive and the SBOM are made side by side, and
 * when either fails the other is removed, so a failure never leaves a half-shipped target to
 * publish.
 */
import * as core from '@actions/core'
import { getExecOutput } from '@actions/exec'
import { rm } from 'node:fs/promises'
import { auditTarget } from '../audit/index.js'
import type { ArchiveFormat } from '../inputs/index.js'
import { ARCHIVE_EXTENSIONS, HOST_SYSTEM, type PlannedTarget } from '../plan.js'
import { createArchive } from '../publish/archive.js'
import { sha256File } from '../publish/checksums.js'
import { readTargetClosure, sbomForTarget } from '../sbom/index.js'
import { failTarget, type TargetResult } from './results.js'
import type { TargetLog } from './target-log.js'

export interface PackageSettings {
  format: ArchiveFormat
  /** The compression level; undefined for the format's default. */
  level?: number
  outDir: string
  /** The one mtime of every archive entry. */
  mtime: number
  /** Threads one xz may use. */
  xzThreads: number
  /**
   * The project's name and version, for the SBOM's main component; null writes no SBOM and no
   * Template Haskell audit (both read the output's Nix closure, so it must be a store path).
   */
  sbomProject: { name: string; version: string } | null
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

/** The SBOM written beside the archive and the Template Haskell audit, from the Nix closure. */
async function describeClosure(
  result: TargetResult,
  project: { name: string; version: string },
  settings: PackageSettings,
  baseName: string
): Promise<Pick<TargetResult, 'sbom' | 'templateHaskell'>> {
  const closure = await readTargetClosure(result.storePath ?? '').catch((error: Error) => {
    throw new Error(`reading the Nix closure for the SBOM failed: ${error.message}`)
  })
  const sbom = await sbomForTarget({
    closure,
    outDir: settings.outDir,
    baseName,
    subject: { ...project, target: result.target, timestamp: settings.mtime }
  }).catch((error: Error) => {
    throw new Error(`writing the SBOM failed: ${error.message}`)
  })
  // The audit informs; a gap in it never stops a verified executable from shipping.
  const templateHaskell = await auditTarget(closure.closure, closure.haskell, HOST_SYSTEM).catch(
    (error: Error) => {
      core.warning(`${result.target}: the Template Haskell audit failed: ${error.message}`)
      return null
    }
  )
  return { sbom: { ...sbom, artifact: null }, templateHaskell }
}

export async function packageTarget(
  result: TargetResult,
  plan: PlannedTarget,
  settings: PackageSettings
): Promise<TargetResult> {
  if (result.status !== 'ok') return result
  const started = Date.now()
  const extension = ARCHIVE_EXTENSIONS[settings.format]
  const baseName = plan.artifactName.slice(0, plan.artifactName.length - extension.length)
  // The archive (xz on every core) and the SBOM and audit (Nix queries, mostly waiting on Nix)
  // are independent: run them side by side, so the closure queries add nothing to the target's time.
  const [archived, described] = await Promise.allSettled([
    createArchive({
      files: result.executables.map((e) => e.path),
      outDir: settings.outDir,
      name: baseName,
      format: settings.format,
      level: settings.level,
      mtime: settings.mtime,
      xzThreads: settings.xzThreads
    }),
    settings.sbomProject
      ? describeClosure(result, settings.sbomProject, settings, baseName)
      : Promise.resolve({} as Pick<TargetResult, 'sbom' | 'templateHaskell'>)
  ])
  try {
    if (archived.status === 'rejected') throw archived.reason
    if (described.status === 'rejected') throw described.reason
    const archive = archived.value
    return {
      ...result,
      archive: {
        file: archive.fileName,
        path: archive.path,
        size: archive.bytes,
        sha256: await sha256File(archive.path)
      },
      ...described.value,
      durationsMs: { ...result.durationsMs, package: Date.now() - started }
    }
  } catch (error) {
    // Nothing half-shipped: whichever of the two was written goes when the other failed.
    if (archived.status === 'fulfilled')
      await rm(archived.value.path, { force: true }).catch(() => undefined)
    if (described.status === 'fulfilled' && described.value.sbom)
      await rm(described.value.sbom.path, { force: true }).catch(() => undefined)
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
    if (result.sbom)
      log.info(
        `${result.sbom.file} lists ${result.sbom.components} store path(s) of the ${result.sbom.closure} closure`
      )
  } else if (result.failedStage === 'package') {
    log.progress(`package FAILED in ${seconds} s`)
    log.info(`error: ${result.error}`)
  }
}
