/** The smoke test's arguments and the pattern its output must match. */
import { InputError, checkCommon, show } from './parse.js'

export function parseSmokeArgs(value: string): string[] {
  checkCommon('smoke-args', value, false)
  return value.split(/\s+/).filter((arg) => arg !== '')
}

export function parseSmokeExpect(value: string): RegExp | null {
  if (value === '') return null
  checkCommon('smoke-expect', value, false)
  if (value.length > 1000)
    throw new InputError('smoke-expect', 'smoke-expect is longer than 1000 characters')
  try {
    return new RegExp(value)
  } catch (error) {
    throw new InputError(
      'smoke-expect',
      `smoke-expect ${show(value)} is not a valid regular expression: ${(error as Error).message}`
    )
  }
}
