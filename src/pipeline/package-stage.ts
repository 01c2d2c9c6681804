/**
 * Package stage: one reproducible archive per verified target in artifacts-dir, then a
 * CycloneDX SBOM of its Nix closure beside it, then a SHA256SUMS file over both, named after
 * the step's targets so matrix jobs never collide.
 * Archives are written to a temporary name and renamed, so a
 * failure never leaves a half-written archive to publish.
 */
import * as core from '@actions/core'
import { getExecOutput } from '@actions/exec'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ArchiveFormat } from '../inputs/index.js'
import { ARCHIVE_EXTENSIONS, HOST_SYSTEM, type PlannedTarget } from '../plan.js'
import { createArchive, resolveArchiveMtime } from '../publish/archive.js'
import { sha256File, writeSha256Sums } from '../publish/checksums.js'
import { auditTarget } from '../audit/index.js'
import { readTargetClosure, sbomForTarget } from '../sbom/index.js'
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
  options: {
    format: ArchiveFormat
    outDir: string
    projectDir: string
    checksumsFile: string
    /** The project's name and version, for the SBOM's main component. */
    project: { name: string; version: string }
  }
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
    const baseName = plan.artifactName.slice(0, plan.artifactName.length - extension.length)
    try {
      const archive = await createArchive({
        files: result.executables.map((e) => e.path),
        outDir: options.outDir,
        name: baseName,
        format: options.format,
        mtime
      })
      const closure = await readTargetClosure(result.storePath ?? '').catch((error: Error) => {
        throw new Error(`reading the Nix closure for the SBOM failed: ${error.message}`)
      })
      const sbom = await sbomForTarget({
        closure,
        outDir: options.outDir,
        baseName,
        subject: { ...options.project, target: result.target, timestamp: mtime }
      }).catch((error: Error) => {
        throw new Error(`writing the SBOM failed: ${error.message}`)
      })
      // The audit informs; a gap in it never stops a verified executable from shipping.
      const templateHaskell = await auditTarget(
        closure.closure,
        closure.haskell,
        HOST_SYSTEM
      ).catch((error: Error) => {
        core.warning(`${result.target}: the Template Haskell audit failed: ${error.message}`)
        return null
      })
      core.info(
        `${result.target}: ${sbom.file} lists ${sbom.components} store path(s) of the ${sbom.closure} closure`
      )
      packaged.push({
        ...result,
        archive: {
          file: archive.fileName,
          path: archive.path,
          size: archive.bytes,
          sha256: await sha256File(archive.path)
        },
        sbom: { ...sbom, artifact: null },
        templateHaskell,
        durationsMs: { ...result.durationsMs, package: Date.now() - started }
      })
    } catch (error) {
      // Nothing half-shipped: an archive without its SBOM is not left for SHA256SUMS or upload.
      await rm(join(options.outDir, plan.artifactName), { force: true }).catch(() => undefined)
      packaged.push(failTarget(result, 'package', `packaging failed: ${(error as Error).message}`))
    }
  }
  const archives = packaged.flatMap((r) => [
    ...(r.archive ? [r.archive.path] : []),
    ...(r.sbom ? [r.sbom.path] : [])
  ])
  if (archives.length === 0) return { results: packaged, checksumsFile: null }
  const sums = await writeSha256Sums(archives, {
    outPath: join(options.outDir, options.checksumsFile)
  })
  core.info(`wrote ${sums.path} for ${archives.length} archive(s) (mtime ${mtime})`)
  return { results: packaged, checksumsFile: sums.path }
}
