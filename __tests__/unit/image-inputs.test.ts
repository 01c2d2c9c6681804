import { InputError, getInputs } from '../../src/inputs/index.js'
import { readerWith } from './input-defaults.js'

const ENV = { GITHUB_WORKSPACE: process.cwd(), GITHUB_SHA: 'abcdef1234567' }
const base = { targets: 'aarch64-linux', installable: '.#static-{target}', version: '2.0.0' }
const read = (overrides: Record<string, string>) =>
  getInputs(readerWith({ ...base, ...overrides }), ENV).image

describe('image inputs', () => {
  test('image is off by default and then no image-* input is read', () => {
    expect(read({ 'image-user': 'root' })).toBeNull()
  })

  test('defaults: user 1000, the executable as entrypoint, tagged with the version', () => {
    expect(read({ image: 'true' })).toEqual({
      path: null,
      user: '1000',
      entrypoint: [],
      cmd: [],
      exposedPorts: [],
      labels: {},
      tags: ['2.0.0'],
      push: [],
      pushUsername: '',
      pushPassword: ''
    })
  })

  test('a PostgREST-style image: path, ports, labels with commas, several tags', () => {
    expect(
      read({
        image: 'true',
        'image-path': '/bin/postgrest',
        'image-user': '1000:1000',
        'image-cmd': '--help',
        'image-ports': '3000, 53/udp 3000/tcp',
        'image-labels': 'org.opencontainers.image.licenses=MIT\nmaintainers = a, b',
        'image-tags': 'v12, latest',
        'image-push': 'ghcr.io/postgrest/postgrest:v12 127.0.0.1:5000/p/q:latest'
      })
    ).toEqual({
      path: '/bin/postgrest',
      user: '1000:1000',
      entrypoint: [],
      cmd: ['--help'],
      exposedPorts: ['3000/tcp', '53/udp'],
      labels: { 'org.opencontainers.image.licenses': 'MIT', maintainers: 'a, b' },
      tags: ['v12', 'latest'],
      push: [
        { registry: 'ghcr.io', repository: 'postgrest/postgrest', tag: 'v12' },
        { registry: '127.0.0.1:5000', repository: 'p/q', tag: 'latest' }
      ],
      pushUsername: '',
      pushPassword: ''
    })
  })

  test.each([
    ['image-path', 'bin/hello', /image-path.*"bin\/hello".*absolute/],
    ['image-path', '/bin/../etc/passwd', /image-path.*"\.\."/],
    ['image-user', 'root', /image-user "root" must be a numeric user id/],
    ['image-ports', '70000', /image-ports entry "70000".*1-65535/],
    ['image-ports', 'http', /image-ports entry "http"/],
    ['image-labels', 'no-equals-sign', /image-labels line "no-equals-sign" is not key=value/],
    ['image-tags', '-bad', /image-tags entry "-bad" is not a tag/],
    [
      'image-push',
      'postgrest/postgrest:v12',
      /image-push entry "postgrest\/postgrest:v12" is not a registry reference/
    ],
    ['image-push', 'ghcr.io/Upper/case:v1', /image-push entry .* lower-case repository/],
    ['image-push-username', 'someone', /image-push-username and image-push-password go together/]
  ])('%s %j is refused, naming the input and what is valid', (input, value, message) => {
    let error: unknown
    try {
      read({ image: 'true', [input]: value })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toMatch(message)
  })
})
