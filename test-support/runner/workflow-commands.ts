/**
 * Workflow commands in a step's output (`::error file=a,line=1::message` ...), read the
 * way the runner reads them: annotations with their properties, groups, masks, debug
 * lines, deprecated set-output/save-state, and stop-commands.
 */

export type AnnotationLevel = 'error' | 'warning' | 'notice'

export interface Annotation {
  level: AnnotationLevel
  message: string
  title?: string
  file?: string
  line?: number
  endLine?: number
  col?: number
  endColumn?: number
}

export interface LogGroup {
  title: string
  lines: string[]
  /** False when the step ended with the group still open. */
  closed: boolean
}

export interface ParsedCommands {
  annotations: Annotation[]
  groups: LogGroup[]
  debug: string[]
  masks: string[]
  /** Values from the deprecated `::set-output` / `::save-state` commands. */
  legacyOutputs: Record<string, string>
  legacyState: Record<string, string>
  /** What the runner itself would warn or complain about. */
  runnerMessages: string[]
  /** Output lines as the log shows them: commands rendered, masks not yet applied. */
  lines: string[]
}

const COMMAND = /^::([A-Za-z0-9_-]+)(?: ([^]*?))?::([^]*)$/

function unescapeData(value: string): string {
  return value.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%')
}

function unescapeProperty(value: string): string {
  return value
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%')
}

function parseProperties(text: string | undefined): Record<string, string> {
  const properties: Record<string, string> = {}
  if (!text) return properties
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=')
    if (equals <= 0) continue
    properties[pair.slice(0, equals).trim()] = unescapeProperty(pair.slice(equals + 1))
  }
  return properties
}

function optionalInt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number.parseInt(value, 10)
  return Number.isNaN(parsed) ? undefined : parsed
}

function toAnnotation(
  level: AnnotationLevel,
  props: Record<string, string>,
  message: string
): Annotation {
  const annotation: Annotation = { level, message }
  if (props['title'] !== undefined) annotation.title = props['title']
  if (props['file'] !== undefined) annotation.file = props['file']
  const line = optionalInt(props['line'])
  if (line !== undefined) annotation.line = line
  const endLine = optionalInt(props['endLine'])
  if (endLine !== undefined) annotation.endLine = endLine
  const col = optionalInt(props['col'])
  if (col !== undefined) annotation.col = col
  const endColumn = optionalInt(props['endColumn'])
  if (endColumn !== undefined) annotation.endColumn = endColumn
  return annotation
}

export function parseWorkflowCommands(output: string): ParsedCommands {
  const result: ParsedCommands = {
    annotations: [],
    groups: [],
    debug: [],
    masks: [],
    legacyOutputs: {},
    legacyState: {},
    runnerMessages: [],
    lines: []
  }
  let openGroup: LogGroup | undefined
  let stopToken: string | undefined
  const emit = (line: string): void => {
    result.lines.push(line)
    openGroup?.lines.push(line)
  }

  const lines = output.split(/\r?\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  for (const rawLine of lines) {
    const match = COMMAND.exec(rawLine.trimStart())
    if (!match) {
      emit(rawLine)
      continue
    }
    const [, command = '', propertyText, rawData = ''] = match
    if (stopToken !== undefined) {
      if (command === stopToken) stopToken = undefined
      else emit(rawLine)
      continue
    }
    const props = parseProperties(propertyText)
    const data = unescapeData(rawData)
    switch (command) {
      case 'error':
      case 'warning':
      case 'notice':
        result.annotations.push(toAnnotation(command, props, data))
        emit(`##[${command}]${data}`)
        break
      case 'debug':
        result.debug.push(data)
        emit(`##[debug]${data}`)
        break
      case 'group':
        if (openGroup) result.groups.push({ ...openGroup, closed: false })
        openGroup = { title: data, lines: [], closed: false }
        emit(`##[group]${data}`)
        break
      case 'endgroup':
        if (openGroup) {
          openGroup.closed = true
          result.groups.push(openGroup)
          openGroup = undefined
        }
        emit('##[endgroup]')
        break
      case 'add-mask':
        if (data.trim() !== '') result.masks.push(data)
        break
      case 'stop-commands':
        stopToken = data
        break
      case 'set-output':
        if (props['name']) result.legacyOutputs[props['name']] = data
        result.runnerMessages.push(
          'The `set-output` command is deprecated and will be disabled soon.'
        )
        break
      case 'save-state':
        if (props['name']) result.legacyState[props['name']] = data
        result.runnerMessages.push(
          'The `save-state` command is deprecated and will be disabled soon.'
        )
        break
      case 'set-env':
      case 'add-path':
        result.runnerMessages.push(`The \`${command}\` command is disabled.`)
        break
      case 'echo':
        break
      default:
        // Unknown commands are printed as ordinary text by the runner.
        emit(rawLine)
    }
  }
  if (openGroup) result.groups.push(openGroup)
  return result
}

/** Replaces every registered secret with *** as the runner's log does. */
export function applyMasks(line: string, masks: readonly string[]): string {
  let masked = line
  for (const secret of [...masks].sort((a, b) => b.length - a.length)) {
    if (secret !== '') masked = masked.split(secret).join('***')
  }
  return masked
}
