/**
 * The post step: save what this run built into the binary cache, undo machine changes
 * (binfmt registrations) and take the GitHub token off the disk. It never turns a green build red unless cache-strict asks for it.
 */
import * as core from '@actions/core'
import { saveBinaryCache, type SaveBinaryCacheResult } from '../cache/save.js'
import { restoreBinfmt, type BinfmtRegistration } from '../nix/binfmt.js'
import { removeAccessTokens, userConfFilePath } from '../nix/config.js'
import { runnerTemp } from '../paths.js'
import { formatBytes } from '../report/results-report.js'
import { State } from '../state.js'
import type { BinaryCacheState } from './setup-stage.js'
import { needsSudo } from './setup-stage.js'

function readState<T>(name: State): T | null {
  const text = core.getState(name)
  return text === '' ? null : (JSON.parse(text) as T)
}

function addCacheSummary(state: BinaryCacheState, result: SaveBinaryCacheResult): void {
  const outcome = result.saved ? 'saved' : `not saved (${result.skipped ?? 'unknown'})`
  core.summary.addHeading('static-cross: binary cache', 3)
  core.summary.addTable([
    [
      { data: 'Restore', header: true },
      { data: 'Save', header: true },
      { data: 'New paths', header: true },
      { data: 'Added', header: true },
      { data: 'Dropped', header: true },
      { data: 'Cache size', header: true },
      { data: 'Copy', header: true },
      { data: 'Upload', header: true }
    ],
    [
      state.cacheHit,
      outcome,
      String(result.newPaths),
      formatBytes(result.addedBytes),
      `${result.prunedEntries} (${formatBytes(result.prunedBytes)})`,
      formatBytes(result.cacheSizeBytes),
      `${result.seconds.copy.toFixed(1)} s`,
      `${result.seconds.upload.toFixed(1)} s`
    ]
  ])
}

async function saveCache(): Promise<void> {
  const state = readState<BinaryCacheState>(State.BinaryCache)
  if (!state) return
  const result = await saveBinaryCache(state)
  try {
    addCacheSummary(state, result)
    await core.summary.write()
  } catch (error) {
    core.warning(`could not write the cache summary: ${(error as Error).message}`)
  }
}

async function undoBinfmt(): Promise<void> {
  const registration = readState<BinfmtRegistration>(State.Binfmt)
  if (!registration) return
  try {
    await restoreBinfmt(registration, { sudo: needsSudo() })
    core.info('binfmt_misc: restored as it was before this job')
  } catch (error) {
    core.warning(`binfmt_misc could not be restored: ${(error as Error).message}`)
  }
}

export async function runPost(): Promise<void> {
  if (core.getState(State.Planned) !== 'true') {
    core.info('static-cross: main stopped before building; nothing to save or undo')
    return
  }
  try {
    await saveCache()
  } catch (error) {
    // saveBinaryCache warns on its own; it throws only when cache-strict asked for a failure.
    core.setFailed(error instanceof Error ? error.message : String(error))
  } finally {
    await undoBinfmt()
    await forgetGithubToken()
  }
}

async function forgetGithubToken(): Promise<void> {
  try {
    if (await removeAccessTokens(userConfFilePath(runnerTemp()))) {
      core.info("removed the GitHub token from the action's nix.conf")
    }
  } catch (error) {
    core.warning(
      `could not remove the GitHub token from the action's nix.conf: ${(error as Error).message}`
    )
  }
}
