/**
 * Secrets never leave the action: the GitHub token (the runner's default and a given one) and
 * a cache signing key are searched for, raw and encoded, in everything a run produced: raw
 * stdout/stderr, the masked log, outputs, summary, saved state, exported env, the workspace,
 * RUNNER_TEMP, the archives and artifacts, and the saved cache entry. Then a pull request from
 * a fork, with no secrets at all, still builds, verifies and uploads, and says what it skipped.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TargetResult } from '../../src/pipeline/results.js'
import { actionSnapshot } from '../../test-support/action-snapshot.js'
import { markedHelloProject } from '../../test-support/hello-project.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { caseRecorder } from '../../test-support/reliability.js'
import { filesUnder, findSecret, withoutMaskCommands } from '../../test-support/secret-search.js'
import {
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'

const record = caseRecorder('secrets', 'Secrets and pull requests from forks')
let services: Services
let actionDir: string
let env: Record<string, string>
let signingKey: string
const givenToken = `ghp_${Buffer.from(String(Math.random())).toString('hex').slice(0, 36)}`

/** The action's private nix.conf: where Nix reads the token from, for the job's duration. */
const NIX_CONF = join('static-cross', 'nix.conf')

async function everything(run: ActionRunResult): Promise<Record<string, Buffer | string>> {
  const places: Record<string, Buffer | string> = {}
  for (const step of [run.main, ...(run.post ? [run.post] : [])]) {
    places[`${step.stage} stdout`] = withoutMaskCommands(step.stdout)
    places[`${step.stage} stderr`] = withoutMaskCommands(step.stderr)
    places[`${step.stage} log`] = step.log.join('\n')
    places[`${step.stage} outputs`] = JSON.stringify(step.outputs)
    places[`${step.stage} summary`] = step.summary
    places[`${step.stage} state`] = JSON.stringify(step.state)
    places[`${step.stage} env`] = JSON.stringify(step.exportedEnv)
    places[`${step.stage} annotations`] = JSON.stringify(step.annotations)
  }
  Object.assign(
    places,
    filesUnder(run.workspace, (path) => path.endsWith('/.git'))
  )
  Object.assign(
    places,
    filesUnder(run.runnerTemp, (path) => path.endsWith(NIX_CONF))
  )
  const unpacked = mkdtempSync(join(tmpdir(), 'secrets-artifacts-'))
  for (const artifact of services.listArtifacts(run.run).filter((a) => a.finalized)) {
    const downloaded = await services.downloadArtifact(artifact.name, { run: run.run })
    places[`artifact ${artifact.name}`] = downloaded.bytes
    if (artifact.name.endsWith('.tar.xz')) {
      writeFileSync(join(unpacked, artifact.name), downloaded.bytes)
      places[`artifact ${artifact.name} (unpacked tar)`] = execFileSync('xz', [
        '-dc',
        join(unpacked, artifact.name)
      ])
    }
  }
  for (const entry of services.listCacheEntries()) {
    const archive = await services.readCacheArchive(entry.key, entry.version)
    places[`cache entry ${entry.key}`] = archive
    places[`cache entry ${entry.key} (unpacked tar)`] = execFileSync('zstd', ['-dc'], {
      input: archive,
      maxBuffer: 1024 ** 3
    })
  }
  return places
}

beforeAll(async () => {
  services = await startServices()
  actionDir = await actionSnapshot()
  env = { ...offlineNixEnv(), HOME: mkdtempSync(join(tmpdir(), 'sx-home-')) }
  signingKey = execFileSync(
    'nix',
    [
      '--extra-experimental-features',
      'nix-command',
      'key',
      'generate-secret',
      '--key-name',
      'test-1'
    ],
    {
      encoding: 'utf8'
    }
  ).trim()
}, 120000)
afterAll(async () => {
  record.write()
  await services?.stop()
})

describe('secrets appear nowhere a run leaves', () => {
  let saving: ActionRunResult
  let restoring: ActionRunResult
  beforeAll(async () => {
    const project = markedHelloProject()
    const inputs = {
      targets: 'x86_64-linux, aarch64-linux',
      installable: '.#static-{target}',
      name: 'hello',
      version: '1',
      'cache-signing-key': signingKey
    }
    // The runner's default token (github-token: ${{ github.token }}); the post step saves a signed cache.
    saving = await runAction({
      services,
      actionDir,
      run: services.newRun(),
      workspace: projectWorkspace(project),
      env,
      inputs
    })
    // A given token; this job restores the signed entry.
    restoring = await runAction({
      services,
      actionDir,
      run: services.newRun(),
      workspace: projectWorkspace(project),
      env,
      inputs: { ...inputs, 'github-token': givenToken }
    })
  }, 300000)

  test('the jobs are green, the cache was saved signed and restored', () => {
    expect(saving.conclusion).toBe('success')
    expect(restoring.conclusion).toBe('success')
    expect(services.listCacheEntries()).toHaveLength(1)
    expect(restoring.main.outputs['cache-hit']).toBe('exact')
  })

  test.each([
    ['the runner default github token', () => saving.githubToken, () => saving],
    ['a given github-token', () => givenToken, () => restoring],
    ['the cache signing key (saving job)', () => signingKey, () => saving],
    ['the cache signing key (restoring job)', () => signingKey, () => restoring]
  ])('%s', async (name, secret, job) => {
    await record.check(
      `secret not leaked: ${name}`,
      'raw, base64, base64url, URL-encoded (and key bytes)',
      'found in no log, output, summary, state, env, workspace file, RUNNER_TEMP file, artifact or cache entry',
      async () => {
        const places = await everything(job())
        expect(findSecret(secret(), places)).toEqual([])
        // It was masked for the runner, so a stray print would be hidden in the log too.
        expect(job().main.masks).toContain(secret())
        return `searched ${Object.keys(places).length} places: none holds it`
      }
    )
  })

  test('the token reaches Nix only through the private, owner-only nix.conf under RUNNER_TEMP, and post removes it', async () => {
    await record.check(
      'where the token does live',
      'github-token given',
      'only RUNNER_TEMP/static-cross/nix.conf (mode 0600, outside the workspace) while the job runs; after post no file holds the token or the signing key',
      async () => {
        const conf = filesUnder(restoring.runnerTemp)
        const mode = execFileSync('stat', ['-c', '%a', join(restoring.runnerTemp, NIX_CONF)], {
          encoding: 'utf8'
        }).trim()
        expect(mode).toBe('600')
        expect(restoring.main.exportedEnv.NIX_USER_CONF_FILES).toContain(
          join(restoring.runnerTemp, NIX_CONF)
        )
        expect(findSecret(givenToken, conf)).toEqual([])
        expect(findSecret(signingKey, conf)).toEqual([])
        expect(restoring.post?.log.join('\n')).toContain(
          "removed the GitHub token from the action's nix.conf"
        )
        return `${NIX_CONF} kept mode ${mode}; after post neither secret is on disk`
      }
    )
  })
})

test('a pull request from a fork without secrets builds, verifies, uploads and says what it skipped', async () => {
  await record.check(
    'pull request from a fork, no secrets',
    'GITHUB_EVENT_NAME=pull_request, fork event, github-token empty, no cache-signing-key',
    'green; artifacts uploaded; notices for the fork, the missing token and the unsigned cache',
    async () => {
      const run = await runAction({
        services,
        actionDir,
        run: services.newRun(),
        workspace: projectWorkspace(markedHelloProject()),
        env: {
          ...env,
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_REF: 'refs/pull/7/merge',
          GITHUB_REF_NAME: '7/merge'
        },
        event: {
          pull_request: {
            number: 7,
            head: { repo: { fork: true, full_name: 'someone/example' } },
            base: { repo: { full_name: 'static-cross/example' } }
          }
        },
        inputs: {
          targets: 'x86_64-linux, aarch64-linux',
          installable: '.#static-{target}',
          name: 'hello',
          version: 'pr7',
          'github-token': ''
        }
      })
      expect(run.conclusion).toBe('success')
      const results = JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[]
      expect(results.map((r) => [r.target, r.status, r.executables[0]?.smoke?.ok])).toEqual([
        ['x86_64-linux', 'ok', true],
        ['aarch64-linux', 'ok', true]
      ])
      // Two archives, their two SBOMs and SHA256SUMS.
      expect(services.listArtifacts(run.run).filter((a) => a.finalized)).toHaveLength(5)
      const notices = run.annotations.filter((a) => a.level === 'notice').map((a) => a.message)
      expect(notices.join('\n')).toMatch(/pull request from a fork/)
      expect(notices.join('\n')).toMatch(
        /no github-token: Nix fetches from GitHub without authentication/
      )
      expect(notices.join('\n')).toMatch(/no cache-signing-key: the binary cache is saved unsigned/)
      return `green, 3 artifacts; notices: ${notices.length}`
    }
  )
})
