/**
 * One target's way through the step, top to bottom: build -> verify -> package -> upload. It
 * starts the moment a build slot is free and moves on as soon as its own build ends, while other
 * targets still build. The limits it is handed bound what runs at once across targets.
 */
import type { PlannedTarget } from '../plan.js'
import type { UploadOptions } from '../publish/upload.js'
import { buildTarget, logBuild, type TargetBuild, type TargetBuilder } from './build-stage.js'
import { logPackage, packageTarget, type PackageSettings } from './package-stage.js'
import { logUpload, uploadTarget } from './publish-stage.js'
import type { TargetResult } from './results.js'
import type { TargetLog } from './target-log.js'
import { logVerify, verifyTarget, type VerifySettings } from './verify-stage.js'

export type Limit = <T>(work: () => Promise<T>) => Promise<T>

export interface FlowSettings {
  build: TargetBuilder
  verify: VerifySettings
  package: PackageSettings
  /** null when upload is false: archives stay in artifacts-dir. */
  upload: UploadOptions | null
}

export interface FlowLimits {
  builds: Limit
  verifies: Limit
  compressions: Limit
  uploads: Limit
  /**
   * Called when this target's build has ended; the flow goes on when it resolves. Streaming
   * resolves at once; the barrier design (kept to measure against) waits for every build.
   */
  buildEnded: () => Promise<void>
}

function builtResult(planned: PlannedTarget, build: TargetBuild): TargetResult {
  return {
    target: planned.target,
    system: planned.system,
    strategy: planned.strategy,
    status: build.ok ? 'ok' : 'failed',
    failedStage: build.ok ? null : 'build',
    error: build.error,
    storePath: build.outPath,
    executables: [],
    archive: null,
    artifact: null,
    durationsMs: { build: build.durationMs, verify: 0, package: 0, upload: 0 }
  }
}

export async function runTargetFlow(
  planned: PlannedTarget,
  settings: FlowSettings,
  limits: FlowLimits,
  log: TargetLog
): Promise<TargetResult> {
  const build = await limits.builds(() => {
    log.progress('build started')
    return buildTarget(planned, settings.build)
  })
  logBuild(build, log)
  await limits.buildEnded()
  let result = builtResult(planned, build)
  if (result.status !== 'ok') return result

  result = await limits.verifies(() => verifyTarget(result, settings.verify))
  logVerify(result, log)
  if (result.status !== 'ok') return result

  result = await limits.compressions(() => packageTarget(result, planned, settings.package))
  logPackage(result, log)
  if (result.status !== 'ok' || settings.upload === null) return result

  const upload = settings.upload
  result = await limits.uploads(() => uploadTarget(result, upload))
  logUpload(result, log)
  return result
}
