/**
 * The runner's file commands: GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE share one
 * format (`NAME=value` or a `NAME<<DELIMITER` heredoc); GITHUB_PATH is one directory
 * a line. A malformed file fails the step on a runner, so errors are collected.
 */

export interface KeyValueFile {
  values: Record<string, string>
  errors: string[]
}

export function parseKeyValueFile(content: string): KeyValueFile {
  const values: Record<string, string> = {}
  const errors: string[] = []
  const lines = content.split(/\r?\n/)
  // A trailing newline leaves one empty last element that is not a line.
  if (lines[lines.length - 1] === '') lines.pop()

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? ''
    if (line === '') continue
    const equalsIndex = line.indexOf('=')
    const heredocIndex = line.indexOf('<<')

    if (equalsIndex >= 0 && (heredocIndex < 0 || equalsIndex < heredocIndex)) {
      const name = line.slice(0, equalsIndex)
      if (name === '') {
        errors.push(`Invalid format '${line}'. Name must not be empty`)
        continue
      }
      values[name] = line.slice(equalsIndex + 1)
    } else if (heredocIndex >= 0 && (equalsIndex < 0 || heredocIndex < equalsIndex)) {
      const name = line.slice(0, heredocIndex)
      const delimiter = line.slice(heredocIndex + 2)
      if (name === '' || delimiter === '') {
        errors.push(`Invalid format '${line}'. Name and delimiter must not be empty`)
        continue
      }
      const valueLines: string[] = []
      let closed = false
      while (++index < lines.length) {
        const valueLine = lines[index] ?? ''
        if (valueLine === delimiter) {
          closed = true
          break
        }
        valueLines.push(valueLine)
      }
      if (!closed) {
        errors.push(`Invalid value. Matching delimiter not found '${delimiter}'`)
        break
      }
      values[name] = valueLines.join('\n')
    } else {
      errors.push(`Invalid format '${line}'`)
    }
  }
  return { values, errors }
}

export function parsePathFile(content: string): string[] {
  return content.split(/\r?\n/).filter((line) => line !== '')
}

/** The runner refuses a step summary larger than this and uploads nothing. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024
