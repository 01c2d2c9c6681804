import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isForkPullRequest, skippedFeatures } from '../../src/pipeline/skipped-features.js'

function event(body: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'event-')), 'event.json')
  writeFileSync(file, JSON.stringify(body))
  return file
}
const fork = event({
  pull_request: {
    head: { repo: { fork: true, full_name: 'someone/postgrest' } },
    base: { repo: { full_name: 'PostgREST/postgrest' } }
  }
})
const same = event({
  pull_request: {
    head: { repo: { fork: false, full_name: 'PostgREST/postgrest' } },
    base: { repo: { full_name: 'PostgREST/postgrest' } }
  }
})

test('a pull request from a fork is told from one of the same repository and from a push', () => {
  expect(isForkPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: fork })).toBe(
    true
  )
  expect(isForkPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: same })).toBe(
    false
  )
  expect(isForkPullRequest({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: fork })).toBe(false)
})

test('a run without token and signing key says what it goes without', () => {
  const skipped = skippedFeatures(
    { githubToken: '', cache: true, cacheSigningKey: '' },
    { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: fork }
  )
  expect(skipped).toHaveLength(3)
  expect(skipped.join('\n')).toMatch(/fork.*\n.*no github-token.*\n.*no cache-signing-key/)
  expect(
    skippedFeatures({ githubToken: 'ghs_x', cache: true, cacheSigningKey: 'k:v' }, {})
  ).toEqual([])
  expect(skippedFeatures({ githubToken: 'ghs_x', cache: false, cacheSigningKey: '' }, {})).toEqual(
    []
  )
})
