/**
 * Pure parsers for action inputs. Each names the input and the offending value in its error,
 * and says what would be valid; none has side effects.
 */

/** Reads one input's raw value; `core.getInput` on a runner, a record in tests. */
export type InputReader = (name: string) => string

/** Longest value any input may have; beyond this a value is a mistake or an attack. */
export const MAX_INPUT_LENGTH = 16 * 1024

export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(message)
    this.name = 'InputError'
  }
}

/** Quote a value for an error message: visible control characters, bounded length. */
export function show(value: string): string {
  const shown = JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value)
  return shown
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/

export function checkCommon(input: string, value: string, multiline: boolean): string {
  if (value.length > MAX_INPUT_LENGTH) {
    throw new InputError(
      input,
      `${input} is ${value.length} characters long; at most ${MAX_INPUT_LENGTH} are accepted`
    )
  }
  if (CONTROL.test(value) || (!multiline && /[\r\n]/.test(value))) {
    throw new InputError(
      input,
      `${input} contains a control character or line break: ${show(value)}`
    )
  }
  return value
}

/** Lists accept commas and newlines (and, where `spaces` is set, spaces) between items. */
export function parseList(
  input: string,
  value: string,
  options: { spaces?: boolean } = {}
): string[] {
  checkCommon(input, value, true)
  const separator = options.spaces ? /[,\s]+/ : /[,\r\n]+/
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

/** Booleans are strict: the YAML 1.2 core spellings, as `core.getBooleanInput` accepts them. */
export function parseBoolean(input: string, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(input, `${input} must be true or false, got ${show(value)}`)
}

export function parseInteger(input: string, value: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(value)) {
    throw new InputError(
      input,
      `${input} must be a whole number from ${min} to ${max}, got ${show(value)}`
    )
  }
  const number = Number(value)
  if (number < min || number > max) {
    throw new InputError(input, `${input} must be from ${min} to ${max}, got ${number}`)
  }
  return number
}

const SIZE_UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }

/** Sizes like `500M` or `2G` (binary units); returns bytes. */
export function parseSize(input: string, value: string, min: number, max: number): number {
  const match = /^(\d{1,6})([KMG])?i?B?$/i.exec(value)
  if (!match) {
    throw new InputError(input, `${input} must be a size such as 500M or 2G, got ${show(value)}`)
  }
  const unit = SIZE_UNITS[(match[2] ?? '').toUpperCase()] ?? 1
  const bytes = Number(match[1]) * unit
  if (bytes < min || bytes > max) {
    throw new InputError(
      input,
      `${input} must be from ${formatSize(min)} to ${formatSize(max)}, got ${show(value)}`
    )
  }
  return bytes
}

export function formatSize(bytes: number): string {
  for (const unit of ['G', 'M', 'K'] as const) {
    const size = SIZE_UNITS[unit] as number
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return `${bytes}B`
}

export function parseChoice<T extends string>(
  input: string,
  value: string,
  choices: readonly T[]
): T {
  if ((choices as readonly string[]).includes(value)) return value as T
  throw new InputError(input, `${input} must be one of ${choices.join(', ')}; got ${show(value)}`)
}

/** A relative path that stays inside its base directory (no absolute path, no `..` escape). */
export function parseRelativePath(input: string, value: string): string {
  checkCommon(input, value, false)
  if (value.startsWith('/') || value.startsWith('~')) {
    throw new InputError(
      input,
      `${input} must be a path relative to the workspace, got ${show(value)}`
    )
  }
  const parts = value.split('/').filter((part) => part !== '' && part !== '.')
  let depth = 0
  for (const part of parts) {
    depth += part === '..' ? -1 : 1
    if (depth < 0) {
      throw new InputError(input, `${input} leaves the workspace: ${show(value)}`)
    }
  }
  if (parts.some((part) => part.startsWith('-'))) {
    throw new InputError(input, `${input} has a path part starting with '-': ${show(value)}`)
  }
  return parts.length === 0 ? '.' : parts.join('/')
}

/** A template's placeholders must all be known; returns the names it uses. */
export function checkPlaceholders(
  input: string,
  template: string,
  known: readonly string[]
): string[] {
  const used: string[] = []
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    const name = match[1] as string
    if (!known.includes(name)) {
      throw new InputError(
        input,
        `${input} uses an unknown placeholder {${name}} in ${show(template)}; known: ${known.map((k) => `{${k}}`).join(', ')}`
      )
    }
    used.push(name)
  }
  if (/[{}]/.test(template.replace(/\{[^{}]*\}/g, ''))) {
    throw new InputError(input, `${input} has an unmatched brace in ${show(template)}`)
  }
  return used
}

export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^{}]*)\}/g, (_, name: string) => values[name] ?? `{${name}}`)
}
