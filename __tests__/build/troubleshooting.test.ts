/** docs/TROUBLESHOOTING.md explains every error message the sources can raise. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  collectErrorMessages,
  messageText,
  missingFromPage,
  pageExplains
} from '../../test-support/error-messages/index.js'

test('every error message in src/ is on the troubleshooting page', () => {
  const messages = collectErrorMessages(process.cwd())
  // The collector sees the sources' messages, input errors included.
  expect(messages.length).toBeGreaterThan(100)
  expect(messages.map(messageText)).toEqual(
    expect.arrayContaining(['targets names an unknown target …; valid targets: …'])
  )
  const page = readFileSync('docs/TROUBLESHOOTING.md', 'utf8')
  const missing = missingFromPage(process.cwd(), page)
  expect(missing.map((m) => `${m.where}: ${messageText(m)}`)).toEqual([])
})

describe('the collector', () => {
  let root: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'error-messages-'))
    mkdirSync(join(root, 'src', 'deep'), { recursive: true })
    writeFileSync(
      join(root, 'src', 'deep', 'module.ts'),
      [
        "import * as core from '@actions/core'",
        'class InputError extends Error { constructor(readonly input: string, message: string) { super(message) } }',
        'export function check(value: string, limit: number): void {',
        "  if (value === '') throw new InputError('widget', `widget ${value} is not a widget; give one of: ${limit}`)",
        "  if (limit < 0) core.setFailed('limit must be ' + 'positive, got ' + limit)",
        '  if (limit > 9) core.error(`too many: ${limit}`)',
        '  throw new Error(String(value))',
        '}',
        ''
      ].join('\n')
    )
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  test('reads literal text and marks run-time parts, whatever call raises the message', () => {
    const messages = collectErrorMessages(root)
    expect(messages.map((m) => [m.where, m.parts])).toEqual([
      ['src/deep/module.ts:4', ['widget ', null, ' is not a widget; give one of: ', null]],
      ['src/deep/module.ts:5', ['limit must be positive, got ', null]],
      ['src/deep/module.ts:6', ['too many: ', null]]
    ])
  })

  test('a page explains a message only when one line holds its text in order', () => {
    const [widget] = collectErrorMessages(root)
    if (!widget) throw new Error('no message collected')
    expect(pageExplains('- `widget … is not a widget; give one of: …`', widget)).toBe(true)
    expect(pageExplains('- `widget "x" is not a widget; give one of: a, b`', widget)).toBe(true)
    expect(pageExplains('widget … is not a widget;\ngive one of: …', widget)).toBe(false)
    expect(pageExplains('give one of: … widget … is not a widget', widget)).toBe(false)
    expect(missingFromPage(root, '# empty page').map(messageText)).toEqual([
      'widget … is not a widget; give one of: …',
      'limit must be positive, got …',
      'too many: …'
    ])
  })
})
