/**
 * On a macOS or Windows runner the bundled action stops before anything runs, with an error
 * that says which runner to use. Such a runner cannot be had here, so the one stand-in is the
 * platform Node reports (set by a module preloaded into the step's Node); the bundle, its
 * main and post steps and the runner's services are the real ones.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, startServices, type Services } from '../../test-support/runner/index.js'
import { canaryPath } from './canary.js'

let services: Services
let preloads: string

beforeAll(async () => {
  services = await startServices()
  preloads = mkdtempSync(join(tmpdir(), 'runner-platform-'))
}, 120000)
afterAll(async () => {
  await services?.stop()
  rmSync(preloads, { recursive: true, force: true })
})

/** NODE_OPTIONS that make the step's Node report `platform` and `arch`. */
function pretendRunner(platform: string, arch: string): string {
  const file = join(preloads, `${platform}-${arch}.mjs`)
  writeFileSync(
    file,
    `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} })\n` +
      `Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} })\n`
  )
  return `--import=${file}`
}

test.each([
  ['darwin', 'arm64', 'macOS on arm64'],
  ['win32', 'x64', 'Windows on x64']
])(
  'a %s %s runner is refused before inputs, Nix or services are touched',
  async (platform, arch, named) => {
    services.calls.reset()
    const canary = canaryPath()
    const run = await runAction({
      services,
      // A bad input too: the runner is refused first, since nothing else could work there.
      inputs: { targets: 'sparc-linux', package: 'hello' },
      env: { NODE_OPTIONS: pretendRunner(platform, arch) },
      pathPrepend: [canary.dir]
    })
    expect(run.main.conclusion).toBe('failure')
    const errors = run.main.annotations.filter((a) => a.level === 'error')
    expect(errors.map((e) => e.message)).toEqual([
      `static-cross runs on Linux runners only (x86_64 or arm64), not on ${named}: ` +
        'use runs-on: ubuntu-latest (or ubuntu-24.04-arm); it builds every target from there'
    ])
    expect(canary.ran()).toEqual([])
    expect(services.calls.records).toEqual([])
    expect(existsSync(join(run.runnerTemp, 'static-cross'))).toBe(false)
    expect(run.main.outputs).toEqual({})
    expect(run.post?.conclusion).toBe('success')
    expect(run.post?.annotations).toEqual([])
  }
)

test('the same bundle on this Linux runner goes on to validate its inputs', async () => {
  const run = await runAction({ services, inputs: { targets: 'sparc-linux', package: 'hello' } })
  expect(run.main.conclusion).toBe('failure')
  expect(run.main.annotations.map((a) => a.message).join('\n')).toContain(
    'targets names an unknown target "sparc-linux"'
  )
})
