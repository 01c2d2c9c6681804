/**
 * The post step: save what this run built into the binary cache, and undo machine changes.
 * It never turns a green build red unless cache-strict asks for it.
 */
import * as core from '@actions/core'
import { State } from '../state.js'

export async function runPost(): Promise<void> {
  try {
    if (core.getState(State.Planned) !== 'true') {
      core.info('static-cross: main stopped before building; nothing to save or undo')
      return
    }
  } catch (error) {
    core.warning(`static-cross post step: ${error instanceof Error ? error.message : String(error)}`)
  }
}
