/**
 * Prints text the action did not write (build logs, smoke output) so that lines in it which
 * look like workflow commands (`::error::`, `::add-mask::`, `::stop-commands::`) are shown, not
 * obeyed: the runner ignores commands between `::stop-commands::<token>` and `::<token>::`.
 */
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'

export function printUntrusted(text: string, linePrefix = ''): void {
  if (text === '') return
  const token = randomBytes(16).toString('hex')
  core.info(`::stop-commands::${token}`)
  try {
    core.info(
      linePrefix === ''
        ? text
        : text
            .split('\n')
            .map((line) => linePrefix + line)
            .join('\n')
    )
  } finally {
    core.info(`::${token}::`)
  }
}
