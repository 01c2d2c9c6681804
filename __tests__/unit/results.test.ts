import { failTarget, stepFailure, type TargetResult } from '../../src/pipeline/results.js'

const result = (target: string, status: 'ok' | 'failed'): TargetResult => ({
  target,
  system: target,
  strategy: 'cross',
  status,
  failedStage: status === 'ok' ? null : 'build',
  error: status === 'ok' ? null : 'broken',
  storePath: null,
  executables: [],
  archive: null,
  artifact: null,
  durationsMs: { build: 0, verify: 0, package: 0, upload: 0 }
})

describe('stepFailure applies fail-on', () => {
  const mixed = [result('a', 'ok'), result('b', 'failed')]
  const allFailed = [result('a', 'failed'), result('b', 'failed')]
  const allOk = [result('a', 'ok'), result('b', 'ok')]
  test.each([
    ['any', mixed, '1 of 2 target(s) failed: b (build)'],
    ['any', allOk, null],
    ['all', mixed, null],
    ['all', allFailed, '2 of 2 target(s) failed: a (build), b (build)'],
    ['none', allFailed, null]
  ] as const)('fail-on %s', (failOn, results, expected) => {
    expect(stepFailure(results, failOn)).toBe(expected)
  })
})

test('failTarget keeps the first stage that failed', () => {
  const failed = failTarget(result('a', 'ok'), 'verify', 'not static')
  expect(failTarget(failed, 'upload', 'later')).toMatchObject({
    failedStage: 'verify',
    error: 'not static'
  })
})
