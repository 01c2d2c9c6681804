/**
 * Upload decisions that a real artifact service cannot be made to show: a digest that differs
 * from the local file's, and the pre-upload collision check. The real client against the local
 * service is exercised end to end in __tests__/e2e.
 */
import { uploadArtifacts } from '../../src/publish/upload.js'

type Client = Parameters<typeof uploadArtifacts>[2]

function client(
  existing: string[],
  digestOf: (name: string) => string
): { client: Client; uploaded: string[] } {
  const uploaded: string[] = []
  return {
    uploaded,
    client: {
      listArtifacts: async () => ({
        artifacts: existing.map((name, id) => ({ name, id, size: 1 }))
      }),
      uploadArtifact: async (name: string) => {
        uploaded.push(name)
        return { id: uploaded.length, size: 10, digest: digestOf(name) }
      }
    } as unknown as Client
  }
}

const sha = 'a'.repeat(64)
const request = (name: string) => ({ target: name, name, file: `/tmp/${name}`, sha256: sha })
const options = { retentionDays: 0, nameSource: 'the artifact-name input "{name}-{arch}"' }

test('a name already used in the run is reported with the input that made it, and the others still upload', async () => {
  const fake = client(['app-aarch64.tar.xz'], () => sha)
  const results = await uploadArtifacts(
    [request('app-aarch64.tar.xz'), request('app-x86-64.tar.xz')],
    options,
    fake.client
  )
  expect(results.map((r) => [r.name, r.ok])).toEqual([
    ['app-aarch64.tar.xz', false],
    ['app-x86-64.tar.xz', true]
  ])
  expect(results[0]?.error).toContain(
    'already exists in this run; it was named by the artifact-name input "{name}-{arch}"'
  )
  expect(fake.uploaded).toEqual(['app-x86-64.tar.xz'])
})

test('an upload whose digest differs from the local sha256 fails that target', async () => {
  const fake = client([], (name) => (name.includes('bad') ? 'b'.repeat(64) : sha))
  const results = await uploadArtifacts(
    [request('bad.tar.xz'), request('good.tar.xz')],
    options,
    fake.client
  )
  expect(results.map((r) => r.ok)).toEqual([false, true])
  expect(results[0]?.error).toBe(
    `artifact bad.tar.xz was uploaded with digest ${'b'.repeat(64)}, but the file's sha256 is ${sha}`
  )
  expect(results[1]?.digest).toBe(`sha256:${sha}`)
})
