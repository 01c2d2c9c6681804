import { unsupportedRunnerError } from '../../src/runner-platform.js'

test.each([
  ['linux', 'x64'],
  ['linux', 'arm64']
])('a %s %s runner is accepted', (platform, arch) => {
  expect(unsupportedRunnerError(platform, arch)).toBeUndefined()
})

test.each([
  ['darwin', 'arm64', 'not on macOS on arm64'],
  ['win32', 'x64', 'not on Windows on x64'],
  ['linux', 's390x', 'not on linux on s390x']
])('a %s %s runner is refused with what to use instead', (platform, arch, named) => {
  const error = unsupportedRunnerError(platform, arch)
  expect(error).toContain(named)
  expect(error).toContain('runs-on: ubuntu-latest')
})
