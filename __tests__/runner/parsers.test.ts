import { describe, expect, it } from '@jest/globals'
import {
  evaluateDefault,
  evaluatePostIf,
  inputEnvName
} from '../../test-support/runner/action-metadata.js'
import { parseKeyValueFile, parsePathFile } from '../../test-support/runner/file-commands.js'
import { makeRuntimeToken, readRuntimeToken } from '../../test-support/runner/jwt.js'
import { applyMasks, parseWorkflowCommands } from '../../test-support/runner/workflow-commands.js'

describe('file commands', () => {
  it('reads NAME=value and heredoc pairs, keeping = and blank lines inside values', () => {
    const content = 'plain=a=b\nmulti<<ghadelimiter_1\nline 1\n\nline=3\nghadelimiter_1\nempty=\n'
    expect(parseKeyValueFile(content)).toEqual({
      values: { plain: 'a=b', multi: 'line 1\n\nline=3', empty: '' },
      errors: []
    })
  })

  it('takes the form whose marker comes first on the line', () => {
    expect(parseKeyValueFile('a<<EOF=x\nv\nEOF=x\n').values).toEqual({ a: 'v' })
    expect(parseKeyValueFile('a=<<EOF\n').values).toEqual({ a: '<<EOF' })
  })

  it('reports a heredoc without its closing delimiter and lines of no known form', () => {
    expect(parseKeyValueFile('a<<EOF\nvalue\n').errors).toEqual([
      "Invalid value. Matching delimiter not found 'EOF'"
    ])
    expect(parseKeyValueFile('just text\n').errors).toEqual(["Invalid format 'just text'"])
    expect(parseKeyValueFile('=value\n').errors).toHaveLength(1)
  })

  it('accepts CRLF line endings', () => {
    expect(parseKeyValueFile('a=1\r\nb<<E\r\nx\r\nE\r\n').values).toEqual({ a: '1', b: 'x' })
  })

  it('reads GITHUB_PATH as one directory a line', () => {
    expect(parsePathFile('/a/bin\n\n/b bin\n')).toEqual(['/a/bin', '/b bin'])
  })
})

describe('workflow commands', () => {
  it('reads annotations with their escaped properties and data', () => {
    const parsed = parseWorkflowCommands(
      '::error title=A%3A B%2C C,file=src/x.ts,line=3,endLine=4,col=5,endColumn=9::50%25 done%0Anext\n' +
        '::warning::careful\n::notice::fyi\n'
    )
    expect(parsed.annotations).toEqual([
      {
        level: 'error',
        message: '50% done\nnext',
        title: 'A: B, C',
        file: 'src/x.ts',
        line: 3,
        endLine: 4,
        col: 5,
        endColumn: 9
      },
      { level: 'warning', message: 'careful' },
      { level: 'notice', message: 'fyi' }
    ])
  })

  it('collects groups, debug lines and masks, and keeps plain lines', () => {
    const parsed = parseWorkflowCommands(
      'before\n::group::Build\ninside\n::endgroup::\n::debug::dbg\n::add-mask::hunter2\n::group::open\n'
    )
    expect(parsed.groups).toEqual([
      { title: 'Build', lines: ['##[group]Build', 'inside'], closed: true },
      { title: 'open', lines: ['##[group]open'], closed: false }
    ])
    expect(parsed.debug).toEqual(['dbg'])
    expect(parsed.masks).toEqual(['hunter2'])
    expect(parsed.lines[0]).toBe('before')
  })

  it('ignores commands between stop-commands and its token', () => {
    const parsed = parseWorkflowCommands(
      '::stop-commands::tok\n::error::not one\n::tok::\n::error::real\n'
    )
    expect(parsed.annotations).toEqual([{ level: 'error', message: 'real' }])
    expect(parsed.lines).toContain('::error::not one')
  })

  it('honours the deprecated set-output and save-state with a warning', () => {
    const parsed = parseWorkflowCommands('::set-output name=a::1\n::save-state name=s::2\n')
    expect(parsed.legacyOutputs).toEqual({ a: '1' })
    expect(parsed.legacyState).toEqual({ s: '2' })
    expect(parsed.runnerMessages).toHaveLength(2)
  })

  it('masks secrets in log lines', () => {
    expect(applyMasks('token abc and abcdef', ['abc', 'abcdef'])).toBe('token *** and ***')
  })
})

describe('action metadata helpers', () => {
  it('names input variables as the runner does', () => {
    expect(inputEnvName('fail-on')).toBe('INPUT_FAIL-ON')
    expect(inputEnvName('with space')).toBe('INPUT_WITH_SPACE')
    expect(inputEnvName('smokeArgs')).toBe('INPUT_SMOKEARGS')
  })

  it('evaluates ${{ github.token }} and refuses any other expression', () => {
    expect(evaluateDefault('token', '${{ github.token }}', { githubToken: 'ghs_x' })).toBe('ghs_x')
    expect(() => evaluateDefault('ref', '${{ github.ref }}', { githubToken: 'ghs_x' })).toThrow(
      /cannot evaluate/
    )
  })

  it('evaluates post-if against the main step', () => {
    expect(evaluatePostIf('always()', 'failure')).toBe(true)
    expect(evaluatePostIf('${{ success() }}', 'failure')).toBe(false)
    expect(evaluatePostIf('failure()', 'failure')).toBe(true)
    expect(() => evaluatePostIf("github.event_name == 'push'", 'success')).toThrow(
      /cannot evaluate/
    )
  })
})

describe('runtime token', () => {
  it('carries the Actions.Results scope the clients look for', () => {
    const token = makeRuntimeToken({ runBackendId: 'run-1', jobBackendId: 'job-2' })
    expect(readRuntimeToken(token)).toEqual({ runBackendId: 'run-1', jobBackendId: 'job-2' })
    expect(readRuntimeToken('not-a-token')).toBeUndefined()
  })
})
