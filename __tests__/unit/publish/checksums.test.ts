import { execFile } from 'node:child_process'
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { createArchive } from '../../../src/publish/archive.js'
import {
  formatSha256Sums,
  parseSha256Sums,
  sha256File,
  SHA256SUMS,
  writeSha256Sums
} from '../../../src/publish/checksums.js'
import { buildFixtures } from '../../../test-support/fixtures/c/build.js'

const run = promisify(execFile)

let work: string
let paths: Record<'aarch64-static' | 'riscv64-static', string>

beforeAll(async () => {
  const built = await buildFixtures(['aarch64-static', 'riscv64-static'])
  work = built.dir
  paths = built.paths
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

async function sha256sumOf(path: string): Promise<string> {
  const { stdout } = await run('sha256sum', [path])
  return stdout.split(' ')[0]!
}

describe('sha256File', () => {
  test('agrees with sha256sum on executables and on an empty file', async () => {
    const empty = join(work, 'empty')
    await writeFile(empty, '')
    for (const p of [paths['aarch64-static'], paths['riscv64-static'], empty]) {
      expect(await sha256File(p)).toBe(await sha256sumOf(p))
    }
    expect(await sha256File(empty)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    )
  })
})

describe('SHA256SUMS', () => {
  test('the formatted text is sha256sum format, sorted by name', () => {
    const a = 'a'.repeat(64)
    const b = 'b'.repeat(64)
    expect(
      formatSha256Sums([
        { name: 'z.tar.xz', sha256: a },
        { name: 'a.tar.xz', sha256: b }
      ])
    ).toBe(`${b}  a.tar.xz\n${a}  z.tar.xz\n`)
    expect(parseSha256Sums(`${b}  a.tar.xz\n${a} *z.tar.xz\n`)).toEqual([
      { name: 'a.tar.xz', sha256: b },
      { name: 'z.tar.xz', sha256: a }
    ])
  })

  test('names sha256sum would have to escape, and bad digests, are refused', () => {
    const h = 'c'.repeat(64)
    expect(() => formatSha256Sums([{ name: 'a\nb', sha256: h }])).toThrow(
      'cannot be listed in SHA256SUMS'
    )
    expect(() => formatSha256Sums([{ name: 'a\\b', sha256: h }])).toThrow(
      'cannot be listed in SHA256SUMS'
    )
    expect(() => formatSha256Sums([{ name: 'a', sha256: 'xyz' }])).toThrow(
      'not a SHA-256 hex digest for a: xyz'
    )
  })

  test('archives and their SHA256SUMS pass `sha256sum -c`, and a tampered archive fails it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'static-cross-sums-'))
    try {
      const archives = [
        await createArchive({
          files: [paths['aarch64-static']],
          outDir: out,
          name: 'hello-v1-linux-static-aarch64',
          mtime: 0
        }),
        await createArchive({
          files: [paths['riscv64-static']],
          outDir: out,
          name: 'hello-v1-linux-static-riscv64',
          format: 'zip',
          mtime: 0
        })
      ]
      await mkdir(join(out, 'raw'))
      const raw = await createArchive({
        files: [paths['riscv64-static']],
        outDir: join(out, 'raw'),
        name: 'hello-riscv64',
        format: 'raw',
        mtime: 0
      })

      const written = await writeSha256Sums([...archives.map((a) => a.path), raw.path], {
        dir: out
      })
      expect(written.path).toBe(join(out, SHA256SUMS))
      expect(written.entries.map((e) => e.name)).toEqual([
        'hello-v1-linux-static-aarch64.tar.xz',
        'hello-v1-linux-static-riscv64.zip',
        'raw/hello-riscv64'
      ])
      expect((await readdir(out)).sort()).toEqual(
        [SHA256SUMS, ...archives.map((a) => a.fileName), 'raw'].sort()
      )

      const ok = await run('sha256sum', ['-c', '--strict', SHA256SUMS], { cwd: out })
      expect(ok.stdout).toBe(
        'hello-v1-linux-static-aarch64.tar.xz: OK\nhello-v1-linux-static-riscv64.zip: OK\nraw/hello-riscv64: OK\n'
      )

      await appendFile(archives[0]!.path, 'x')
      await expect(run('sha256sum', ['-c', SHA256SUMS], { cwd: out })).rejects.toMatchObject({
        stdout: expect.stringContaining('hello-v1-linux-static-aarch64.tar.xz: FAILED')
      })
      expect(await readFile(join(out, SHA256SUMS), 'utf8')).toMatch(/^[0-9a-f]{64} {2}hello-v1/)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  test('files outside the checksum directory are refused', async () => {
    const out = await mkdtemp(join(tmpdir(), 'static-cross-sums-'))
    try {
      await expect(writeSha256Sums([paths['aarch64-static']], { dir: out })).rejects.toThrow(
        `is not inside ${out}`
      )
      expect(await readdir(out)).toEqual([])
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})
