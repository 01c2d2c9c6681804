/** Fixed places the action uses on the runner, all outside the workspace. */
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function runnerTemp(): string {
  return process.env.RUNNER_TEMP || tmpdir()
}

/** The action's own folder under RUNNER_TEMP: everything it writes lives below it. */
export function actionTemp(): string {
  return join(runnerTemp(), 'static-cross')
}

export function artifactsDir(): string {
  return join(actionTemp(), 'artifacts')
}
