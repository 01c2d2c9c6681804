import { execFile } from 'node:child_process'
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile
} from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'

import {
  ArchiveNameError,
  compressWithXz,
  createArchive,
  DEFAULT_COMPRESSION_LEVELS,
  DEFAULT_NAME_TEMPLATE,
  renderName,
  resolveArchiveMtime,
  xzArguments,
  type ArchiveFormat
} from '../../../src/publish/archive.js'
import { buildFixtures } from '../../../test-support/fixtures/c/build.js'

const run = promisify(execFile)

let work: string
let exe: string
let exe2: string

beforeAll(async () => {
  const built = await buildFixtures(['aarch64-static', 'armv7l-static'])
  work = built.dir
  exe = join(work, 'postgrest')
  exe2 = join(work, 'postgrest-helper')
  await copyFile(built.paths['aarch64-static'], exe)
  await copyFile(built.paths['armv7l-static'], exe2)
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

async function freshDir(label: string): Promise<string> {
  return mkdtemp(join(work, `${label}-`))
}

const MTIME = 1700000000 // 2023-11-14T22:13:20Z

describe('renderName', () => {
  const vars = { name: 'postgrest', version: 'v12.2.3', arch: 'aarch64' }

  test('renders the PostgREST release name by default', () => {
    expect(renderName(DEFAULT_NAME_TEMPLATE, vars)).toBe('postgrest-v12.2.3-linux-static-aarch64')
    expect(renderName('{name}_{arch}', vars)).toBe('postgrest_aarch64')
  })

  test('rejects an unknown placeholder and lists the known ones', () => {
    expect(() => renderName('{name}-{os}', vars)).toThrow(
      'name template "{name}-{os}" uses unknown placeholder {os}; known: {name}, {version}, {arch}'
    )
  })

  test.each([
    ['1.0/beta', '"/"'],
    ['1.0\\beta', '"\\\\"'],
    ['c:1', '":"'],
    ['a<b', '"<"'],
    ['a>b', '">"'],
    ['a|b', '"|"'],
    ['a*', '"*"'],
    ['a?', '"?"'],
    ['say "hi"', '"\\""'],
    ['1.0\r', 'a carriage return'],
    ['1.0\nX', 'a newline'],
    ['1.0\0', 'the control character U+0000'],
    ['1..0', '".."']
  ])('a version of %j is rejected, naming the value', (version, what) => {
    expect(() => renderName(DEFAULT_NAME_TEMPLATE, { ...vars, version })).toThrow(
      `artifact name: {version} = ${JSON.stringify(version)} contains ${what}`
    )
  })

  test('rejects a leading dot or dash, and a ".." formed across placeholders', () => {
    expect(() => renderName('{name}', { name: '.hidden' })).toThrow(
      'artifact name ".hidden" starts with "." (from {name} = ".hidden")'
    )
    expect(() => renderName('-{name}', { name: 'x' })).toThrow(
      'artifact name "-x" starts with "-" (from template "-{name}")'
    )
    expect(() => renderName('{a}{b}', { a: 'x.', b: '.y' })).toThrow(
      'artifact name "x..y" contains ".."'
    )
  })

  test('rejects bad template text, unbalanced braces and empty results', () => {
    expect(() => renderName('{name}/{arch}', vars)).toThrow(
      'artifact name: template "{name}/{arch}" contains "/"'
    )
    expect(() => renderName('{name}-{arch', vars)).toThrow('has an unbalanced brace')
    expect(() => renderName('{name}', { name: '' })).toThrow('renders an empty name')
    expect(() => renderName('{name}', { name: 'x' })).not.toThrow(ArchiveNameError)
  })
})

describe('resolveArchiveMtime', () => {
  test('SOURCE_DATE_EPOCH wins, then the commit time, then 0', () => {
    expect(resolveArchiveMtime({ env: { SOURCE_DATE_EPOCH: '1234' }, commitTime: 99 })).toBe(1234)
    expect(resolveArchiveMtime({ env: {}, commitTime: new Date('2024-01-02T03:04:05Z') })).toBe(
      1704164645
    )
    expect(resolveArchiveMtime({ env: { SOURCE_DATE_EPOCH: '' }, commitTime: 99.7 })).toBe(99)
    expect(resolveArchiveMtime()).toBe(0)
    expect(() => resolveArchiveMtime({ env: { SOURCE_DATE_EPOCH: 'yesterday' } })).toThrow(
      'SOURCE_DATE_EPOCH must be a whole number of seconds, got "yesterday"'
    )
  })
})

describe('createArchive', () => {
  const formats: ArchiveFormat[] = ['tar.xz', 'tar.gz', 'zip', 'raw']

  test.each(formats)(
    '%s: the same executable gives the same bytes, whatever its path, mode or mtime',
    async (format) => {
      const a = await freshDir('a')
      const b = await freshDir('b')
      // A second copy elsewhere, with another mode and mtime, as a rebuild would produce.
      const copyDir = await freshDir('copy')
      const copy = join(copyDir, 'postgrest')
      await copyFile(exe, copy)
      await chmod(copy, 0o555)
      await utimes(copy, 1, 1)

      const first = await createArchive({
        files: [exe],
        outDir: a,
        name: 'postgrest-v1-linux-static-aarch64',
        format,
        mtime: MTIME
      })
      const second = await createArchive({
        files: [copy],
        outDir: b,
        name: 'postgrest-v1-linux-static-aarch64',
        format,
        mtime: MTIME
      })
      expect(first.fileName).toBe(
        `postgrest-v1-linux-static-aarch64${format === 'raw' ? '' : `.${format}`}`
      )
      expect(first.entries).toEqual(['postgrest'])
      expect(first.bytes).toBe((await stat(first.path)).size)
      expect((await readFile(first.path)).equals(await readFile(second.path))).toBe(true)
      // Nothing but the archive is left behind.
      expect(await readdir(a)).toEqual([first.fileName])
    }
  )

  test.each([
    ['tar.xz', ['-xpJf']],
    ['tar.gz', ['-xpzf']],
    ['zip', []]
  ] as const)(
    '%s: the default level is the documented one; another level is other bytes of the same executable, again the same on a rerun',
    async (format, tarArgs) => {
      const make = async (dir: string, level?: number) =>
        readFile(
          (
            await createArchive({
              files: [exe],
              outDir: await freshDir(dir),
              name: 'release',
              format,
              mtime: MTIME,
              level
            })
          ).path
        )
      const unset = await make(`${format}-unset`)
      const explicitDefault = await make(`${format}-default`, DEFAULT_COMPRESSION_LEVELS[format])
      const fast = await make(`${format}-fast`, 1)
      const fastAgain = await make(`${format}-fast-again`, 1)
      expect(unset.equals(explicitDefault)).toBe(true)
      expect(fast.equals(unset)).toBe(false)
      expect(fast.equals(fastAgain)).toBe(true)
      expect(fast.length).toBeGreaterThan(unset.length)

      const dir = await freshDir(`${format}-fast-out`)
      const file = join(dir, `release.${format}`)
      await writeFile(file, fast)
      if (format === 'zip') await run('unzip', ['-q', file, '-d', dir])
      else await run('tar', [...tarArgs, file, '-C', dir])
      expect((await readFile(join(dir, 'postgrest'))).equals(await readFile(exe))).toBe(true)
    }
  )

  test('tar.xz unpacks with GNU tar: one file at the root, mode 0755, owner 0/0, fixed mtime, same bytes', async () => {
    const out = await freshDir('xz')
    const archive = await createArchive({
      files: [exe],
      outDir: out,
      name: 'release',
      mtime: MTIME
    })
    expect(archive.format).toBe('tar.xz')
    await run('xz', ['-t', archive.path])

    const { stdout } = await run('tar', ['--numeric-owner', '--full-time', '-tvJf', archive.path], {
      env: { ...process.env, TZ: 'UTC' }
    })
    expect(stdout.trim()).toMatch(/^-rwxr-xr-x 0\/0 +\d+ 2023-11-14 22:13:20 postgrest$/)

    const dest = await freshDir('xz-out')
    await run('tar', ['-xpJf', archive.path, '-C', dest])
    expect(await readdir(dest)).toEqual(['postgrest'])
    const st = await stat(join(dest, 'postgrest'))
    expect(st.mode & 0o7777).toBe(0o755)
    expect(Math.round(st.mtimeMs / 1000)).toBe(MTIME)
    expect((await readFile(join(dest, 'postgrest'))).equals(await readFile(exe))).toBe(true)
  })

  test('tar.gz unpacks with GNU tar and carries no name or time in the gzip header', async () => {
    const out = await freshDir('gz')
    const archive = await createArchive({
      files: [exe],
      outDir: out,
      name: 'release',
      format: 'tar.gz',
      mtime: MTIME
    })
    const bytes = await readFile(archive.path)
    expect(bytes.readUInt32LE(4)).toBe(0) // MTIME field
    expect(bytes[3]! & 0x08).toBe(0) // no FNAME
    await run('gzip', ['-t', archive.path])
    const dest = await freshDir('gz-out')
    await run('tar', ['-xpzf', archive.path, '-C', dest])
    expect((await stat(join(dest, 'postgrest'))).mode & 0o7777).toBe(0o755)
    expect((await readFile(join(dest, 'postgrest'))).equals(await readFile(exe))).toBe(true)
  })

  test('zip unpacks with unzip keeping mode 0755 and the bytes', async () => {
    const out = await freshDir('zip')
    const archive = await createArchive({
      files: [exe, exe2],
      outDir: out,
      name: 'release',
      format: 'zip',
      mtime: MTIME
    })
    await run('unzip', ['-tq', archive.path])
    const { stdout } = await run('unzip', ['-Z', archive.path])
    expect(stdout).toMatch(/^-rwxr-xr-x .* postgrest$/m)
    const dest = await freshDir('zip-out')
    await run('unzip', ['-q', archive.path, '-d', dest])
    expect((await readdir(dest)).sort()).toEqual(['postgrest', 'postgrest-helper'])
    for (const [name, src] of [
      ['postgrest', exe],
      ['postgrest-helper', exe2]
    ] as const) {
      expect((await stat(join(dest, name))).mode & 0o7777).toBe(0o755)
      expect((await readFile(join(dest, name))).equals(await readFile(src))).toBe(true)
    }
  })

  test('tar holds one plain ustar header per file: owner 0/0 without names, no pax records', async () => {
    const out = await freshDir('ustar')
    const archive = await createArchive({
      files: [exe],
      outDir: out,
      name: 'release',
      format: 'tar.gz',
      mtime: MTIME
    })
    const tar = gunzipSync(await readFile(archive.path))
    const { size } = await stat(exe)
    // Header, data padded to 512, two zero blocks: nothing else in between.
    expect(tar.length).toBe(512 + Math.ceil(size / 512) * 512 + 1024)
    expect(tar.subarray(0, 10).toString()).toBe('postgrest\0')
    expect(tar.subarray(156, 157).toString()).toBe('0') // regular file
    expect(tar.subarray(257, 265).toString()).toBe('ustar\u000000')
    expect(tar.subarray(265, 329).every((b) => b === 0)).toBe(true) // uname, gname
  })

  test('a tar mtime past 2038 is refused rather than written wrong; zip clamps to 2107', async () => {
    const out = await freshDir('y2038')
    const later = Date.UTC(2100, 0, 1) / 1000
    await expect(
      createArchive({ files: [exe], outDir: out, name: 'late', format: 'tar.gz', mtime: later })
    ).rejects.toThrow('is past what a tar header holds')
    expect(await readdir(out)).toEqual([])
    const zip = await createArchive({
      files: [exe],
      outDir: out,
      name: 'late',
      format: 'zip',
      mtime: later
    })
    const { stdout } = await run('unzip', ['-Z', '-T', zip.path])
    expect(stdout).toMatch(/ 21000101\.000000 postgrest$/m)
  })

  test('zip and tar bytes do not depend on the time zone of the machine', async () => {
    // The time zone is read once per process, so each zone gets its own Node.
    const module = fileURLToPath(new URL('../../../src/publish/archive.ts', import.meta.url))
    const zones = ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati']
    const bytes: Buffer[][] = []
    for (const TZ of zones) {
      const out = await freshDir('tz')
      const script = `
        import { createArchive } from ${JSON.stringify(module)}
        for (const mtime of [${MTIME}, 0])
          for (const format of ['zip', 'tar.gz'])
            await createArchive({ files: [${JSON.stringify(exe)}], outDir: ${JSON.stringify(out)},
              name: format + '-' + mtime, format, mtime })`
      await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, TZ }
      })
      const names = (await readdir(out)).sort()
      expect(names).toEqual([
        'tar.gz-0.tar.gz',
        `tar.gz-${MTIME}.tar.gz`,
        'zip-0.zip',
        `zip-${MTIME}.zip`
      ])
      bytes.push(await Promise.all(names.map((n) => readFile(join(out, n)))))
      // The DOS time is the UTC time; before 1980 it is the earliest DOS time.
      const { stdout } = await run('unzip', ['-Z', '-T', join(out, `zip-${MTIME}.zip`)])
      expect(stdout).toMatch(/ 20231114\.221320 postgrest$/m)
      const early = await run('unzip', ['-Z', '-T', join(out, 'zip-0.zip')])
      expect(early.stdout).toMatch(/ 19800101\.000000 postgrest$/m)
    }
    for (const other of bytes.slice(1))
      other.forEach((b, i) => expect(b.equals(bytes[0]![i]!)).toBe(true))
  })

  test('raw is the executable itself, mode 0755, fixed mtime', async () => {
    const out = await freshDir('raw')
    const archive = await createArchive({
      files: [exe],
      outDir: out,
      name: 'postgrest-v1-linux-static-aarch64',
      format: 'raw',
      mtime: MTIME
    })
    const st = await stat(archive.path)
    expect(st.mode & 0o7777).toBe(0o755)
    expect(Math.round(st.mtimeMs / 1000)).toBe(MTIME)
    expect((await readFile(archive.path)).equals(await readFile(exe))).toBe(true)
    await expect(
      createArchive({ files: [exe, exe2], outDir: out, name: 'two', format: 'raw' })
    ).rejects.toThrow('the raw format publishes one executable, got 2')
  })

  test('several executables are stored sorted by name, whatever the order given, renamed if asked', async () => {
    const a = await freshDir('multi-a')
    const b = await freshDir('multi-b')
    const one = await createArchive({ files: [exe2, exe], outDir: a, name: 'multi', mtime: MTIME })
    const two = await createArchive({ files: [exe, exe2], outDir: b, name: 'multi', mtime: MTIME })
    expect(one.entries).toEqual(['postgrest', 'postgrest-helper'])
    expect((await readFile(one.path)).equals(await readFile(two.path))).toBe(true)
    const { stdout } = await run('tar', ['-tJf', one.path])
    expect(stdout).toBe('postgrest\npostgrest-helper\n')

    const renamed = await createArchive({
      files: [{ path: exe2, name: 'helper' }],
      outDir: a,
      name: 'renamed',
      mtime: MTIME
    })
    expect(renamed.entries).toEqual(['helper'])
    await expect(
      createArchive({ files: [exe, { path: exe2, name: 'postgrest' }], outDir: a, name: 'dup' })
    ).rejects.toThrow('two files would be stored as "postgrest"')
  })

  test('the mtime comes from SOURCE_DATE_EPOCH when none is passed', async () => {
    const out = await freshDir('sde')
    const saved = process.env.SOURCE_DATE_EPOCH
    process.env.SOURCE_DATE_EPOCH = String(MTIME)
    try {
      const archive = await createArchive({
        files: [exe],
        outDir: out,
        name: 'sde',
        format: 'tar.gz'
      })
      const { stdout } = await run('tar', ['--full-time', '-tvzf', archive.path], {
        env: { ...process.env, TZ: 'UTC' }
      })
      expect(stdout).toContain('2023-11-14 22:13:20')
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH
      else process.env.SOURCE_DATE_EPOCH = saved
    }
  })

  test('a failure leaves neither the archive nor a temporary file', async () => {
    const out = await freshDir('fail')
    await expect(
      createArchive({ files: [exe, join(work, 'absent')], outDir: out, name: 'broken' })
    ).rejects.toThrow(/ENOENT/)
    await expect(createArchive({ files: [exe], outDir: out, name: 'bad/name' })).rejects.toThrow(
      ArchiveNameError
    )
    await expect(
      createArchive({ files: [exe], outDir: out, name: 'x', level: 12 })
    ).rejects.toThrow('compression level must be 0-9')
    expect(await readdir(out)).toEqual([])
  })

  test('an existing archive is replaced whole, never seen half-written', async () => {
    const out = await freshDir('replace')
    const first = await createArchive({ files: [exe], outDir: out, name: 'same', mtime: MTIME })
    const before = await readFile(first.path)
    const second = await createArchive({ files: [exe2], outDir: out, name: 'same', mtime: MTIME })
    expect(second.path).toBe(first.path)
    expect((await readFile(second.path)).equals(before)).toBe(false)
    expect(await readdir(out)).toEqual(['same.tar.xz'])
  })

  test('rejects entry names that are not plain file names', async () => {
    const out = await freshDir('names')
    await expect(
      createArchive({ files: [{ path: exe, name: '../evil' }], outDir: out, name: 'n' })
    ).rejects.toThrow('archive entry name "../evil" contains "/"')
    await expect(createArchive({ files: [], outDir: out, name: 'n' })).rejects.toThrow(
      'an archive needs at least one file'
    )
    await mkdir(join(out, 'sub'))
    await expect(
      createArchive({ files: [join(out, 'sub')], outDir: out, name: 'n' })
    ).rejects.toThrow('is not a regular file')
  })
})

describe('compressWithXz', () => {
  test('a full disk is reported as the failed write, not as the SIGPIPE that kills xz', async () => {
    const { Readable } = await import('node:stream')
    const data = Readable.from([Buffer.alloc(4 * 1024 * 1024, 7)])
    // Writing to /dev/full fails with ENOSPC, as a full RUNNER_TEMP does.
    await expect(compressWithXz(data, '/dev/full', 0)).rejects.toThrow(
      /writing \/dev\/full failed: ENOSPC/
    )
  })
})

describe('multi-threaded xz', () => {
  test('one input compressed with 1 and with 4 threads gives the same bytes, in several blocks', async () => {
    const out = await freshDir('xz-threads')
    // 20 MB of varied but compressible bytes: more than two 8 MiB blocks, so the threads share work.
    const input = join(out, 'big')
    const chunk = Buffer.alloc(1024 * 1024)
    let seed = 12345
    const parts: Buffer[] = []
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < chunk.length; j++) {
        seed = (seed * 1103515245 + 12345) >>> 0
        chunk[j] = 97 + ((seed >>> 16) % 16)
      }
      parts.push(Buffer.from(chunk))
    }
    await writeFile(input, Buffer.concat(parts))
    const oneDir = await freshDir('xz-1')
    const fourDir = await freshDir('xz-4')
    const one = await createArchive({
      files: [input],
      outDir: oneDir,
      name: 'a',
      mtime: MTIME,
      xzThreads: 1
    })
    const four = await createArchive({
      files: [input],
      outDir: fourDir,
      name: 'a',
      mtime: MTIME,
      xzThreads: 4
    })
    expect((await readFile(four.path)).equals(await readFile(one.path))).toBe(true)
    const { stdout } = await run('xz', ['--list', '--robot', one.path])
    const totals = stdout.split('\n').find((line) => line.startsWith('totals\t'))
    expect(Number(totals?.split('\t')[2])).toBeGreaterThanOrEqual(3)
  }, 120000)

  test('xz is asked for its multi-threaded encoder even with one thread, with a fixed block size', () => {
    expect(xzArguments(6, 1)).toEqual([
      '-z',
      '-c',
      '-T2',
      '--block-size=8MiB',
      '-6',
      '--check=crc64'
    ])
    expect(xzArguments(9, 8)).toContain('-T8')
  })
})
