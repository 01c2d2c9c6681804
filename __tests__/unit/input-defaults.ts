/** action.yml's defaults as a reader, so unit tests see exactly what a runner would pass. */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import type { InputReader } from '../../src/inputs/index.js'

interface ActionYml {
  inputs: Record<string, { default?: string }>
}

export const ACTION_YML = parse(
  readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')
) as ActionYml

export function readerWith(overrides: Record<string, string>): InputReader {
  return (name) => {
    if (name in overrides) return (overrides[name] as string).trim()
    const input = ACTION_YML.inputs[name]
    if (!input) throw new Error(`test reads an input action.yml does not declare: ${name}`)
    const value = input.default ?? ''
    return value.startsWith('${{') ? 'ghs_test_token' : value
  }
}
