/**
 * Release archives, one per target: `tar.xz` (PostgREST's format), `tar.gz`, `zip`, or `raw`
 * (the executable itself). Archives are reproducible: entries sorted by name, one fixed mtime
 * (SOURCE_DATE_EPOCH or the commit time), owner and group 0 with no names, mode 0755, and nothing
 * else — so the same executable always gives the same bytes. The tar and zip containers are
 * written here (a few hundred bytes of headers each) rather than by whatever tar the runner has;
 * xz compression uses the `xz` program single-threaded, gzip and deflate use Node's zlib.
 *
 * Every archive is written under a temporary name in the output directory and renamed into
 * place, so a half-written archive is never visible under its real name.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { chmod, readFile, rename, stat, unlink, utimes } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { constants as zlibConstants, createGzip, deflateRawSync } from 'node:zlib'

export type ArchiveFormat = 'tar.xz' | 'tar.gz' | 'zip' | 'raw'
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['tar.xz', 'tar.gz', 'zip', 'raw']

export const DEFAULT_NAME_TEMPLATE = '{name}-{version}-linux-static-{arch}'

export function archiveExtension(format: ArchiveFormat): string {
  return format === 'raw' ? '' : `.${format}`
}

// ---------------------------------------------------------------------------------------------
// Names

export class ArchiveNameError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArchiveNameError'
  }
}

const FORBIDDEN_CHARS = ['/', '\\', ':', '<', '>', '|', '*', '?', '"', '\r', '\n'] as const

function describeChar(c: string): string {
  return c === '\r' ? 'a carriage return' : c === '\n' ? 'a newline' : JSON.stringify(c)
}

/** First thing wrong with a piece of a file name, or null. */
function badPart(text: string): string | null {
  for (const c of FORBIDDEN_CHARS) if (text.includes(c)) return `contains ${describeChar(c)}`
  // Other control characters (NUL, tab, escape) have no business in a download name either.
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(text)
  if (control)
    return `contains the control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')}`
  if (text.includes('..')) return 'contains ".."'
  return null
}

/**
 * Fill a name template such as `{name}-{version}-linux-static-{arch}`. Placeholders must be keys
 * of `vars`; the result must be usable as a file name on every OS a user downloads to. Errors
 * name the placeholder and value at fault.
 */
export function renderName(template: string, vars: Readonly<Record<string, string>>): string {
  const known = Object.keys(vars)
  const segments: { text: string; from: string }[] = []
  const placeholder = /\{([^{}]*)\}/g
  let last = 0
  for (let m = placeholder.exec(template); m !== null; m = placeholder.exec(template)) {
    const key = m[1] ?? ''
    if (!Object.prototype.hasOwnProperty.call(vars, key)) {
      throw new ArchiveNameError(
        `name template ${JSON.stringify(template)} uses unknown placeholder {${key}}; known: ${known.map((k) => `{${k}}`).join(', ') || 'none'}`
      )
    }
    segments.push({
      text: template.slice(last, m.index),
      from: `template ${JSON.stringify(template)}`
    })
    const value = vars[key] ?? ''
    segments.push({ text: value, from: `{${key}} = ${JSON.stringify(value)}` })
    last = m.index + m[0].length
  }
  segments.push({ text: template.slice(last), from: `template ${JSON.stringify(template)}` })

  for (const s of segments) {
    if (s.from.startsWith('template') && (s.text.includes('{') || s.text.includes('}'))) {
      throw new ArchiveNameError(
        `name template ${JSON.stringify(template)} has an unbalanced brace`
      )
    }
    const bad = badPart(s.text)
    if (bad) throw new ArchiveNameError(`artifact name: ${s.from} ${bad}`)
  }
  const name = segments.map((s) => s.text).join('')
  if (name === '')
    throw new ArchiveNameError(`name template ${JSON.stringify(template)} renders an empty name`)
  const first = segments.find((s) => s.text !== '')
  if (name.startsWith('.') || name.startsWith('-')) {
    throw new ArchiveNameError(
      `artifact name ${JSON.stringify(name)} starts with ${JSON.stringify(name[0])} (from ${first?.from})`
    )
  }
  if (name.includes('..')) {
    throw new ArchiveNameError(`artifact name ${JSON.stringify(name)} contains ".."`)
  }
  return name
}

// ---------------------------------------------------------------------------------------------
// Time stamps

/**
 * The one mtime every archive entry gets: SOURCE_DATE_EPOCH when set (the reproducible-builds
 * convention), else the commit time passed in, else 0.
 */
export function resolveArchiveMtime(
  options: {
    env?: Readonly<Record<string, string | undefined>>
    commitTime?: number | Date | null
  } = {}
): number {
  const raw = options.env?.SOURCE_DATE_EPOCH
  if (raw !== undefined && raw !== '') {
    if (!/^\d+$/.test(raw)) {
      throw new Error(
        `SOURCE_DATE_EPOCH must be a whole number of seconds, got ${JSON.stringify(raw)}`
      )
    }
    return Number(raw)
  }
  const t = options.commitTime
  if (t instanceof Date) return Math.floor(t.getTime() / 1000)
  if (typeof t === 'number') return Math.floor(t)
  return 0
}

// ---------------------------------------------------------------------------------------------
// Archives

export interface ArchiveInput {
  /** File to put in the archive. */
  path: string
  /** Name inside the archive (default: the file's base name). Always at the archive root. */
  name?: string
}

export interface CreateArchiveOptions {
  /** The executables; one for a PostgREST-style archive, several allowed. */
  files: readonly (string | ArchiveInput)[]
  outDir: string
  /** Archive base name without extension, e.g. from renderName(). */
  name: string
  format?: ArchiveFormat
  /** Seconds since the epoch for every entry (default: resolveArchiveMtime(process.env)). */
  mtime?: number
  /** xz preset 0-9 (default 6, xz's own default). */
  xzLevel?: number
}

export interface ArchiveResult {
  path: string
  fileName: string
  format: ArchiveFormat
  bytes: number
  /** Names of the entries, sorted as stored. */
  entries: string[]
}

interface Entry {
  name: string
  path: string
  size: number
}

const ENTRY_MODE = 0o755

async function collectEntries(files: readonly (string | ArchiveInput)[]): Promise<Entry[]> {
  if (files.length === 0) throw new Error('an archive needs at least one file')
  const entries: Entry[] = []
  for (const f of files) {
    const input = typeof f === 'string' ? { path: f } : f
    const name = input.name ?? basename(input.path)
    const bad = badPart(name)
    if (name === '' || name === '.' || bad) {
      throw new ArchiveNameError(
        `archive entry name ${JSON.stringify(name)} ${bad ?? 'is not a file name'}`
      )
    }
    const st = await stat(input.path)
    if (!st.isFile()) throw new Error(`${input.path} is not a regular file`)
    entries.push({ name, path: input.path, size: st.size })
  }
  // Byte order, not locale order: the same on every machine.
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]?.name === entries[i - 1]?.name) {
      throw new ArchiveNameError(`two files would be stored as ${JSON.stringify(entries[i]?.name)}`)
    }
  }
  return entries
}

export async function createArchive(options: CreateArchiveOptions): Promise<ArchiveResult> {
  const format = options.format ?? 'tar.xz'
  if (!ARCHIVE_FORMATS.includes(format)) {
    throw new Error(
      `unknown archive format ${JSON.stringify(format)}; known: ${ARCHIVE_FORMATS.join(', ')}`
    )
  }
  const mtime = options.mtime ?? resolveArchiveMtime({ env: process.env })
  if (!Number.isSafeInteger(mtime) || mtime < 0)
    throw new Error(`archive mtime must be whole seconds >= 0, got ${mtime}`)
  const bad = badPart(options.name)
  if (options.name === '' || bad)
    throw new ArchiveNameError(`archive name ${JSON.stringify(options.name)} ${bad ?? 'is empty'}`)
  const entries = await collectEntries(options.files)
  if (format === 'raw' && entries.length !== 1) {
    throw new Error(`the raw format publishes one executable, got ${entries.length}`)
  }

  const fileName = options.name + archiveExtension(format)
  const finalPath = join(options.outDir, fileName)
  const tempPath = join(options.outDir, `.${fileName}.${randomBytes(6).toString('hex')}.partial`)
  try {
    switch (format) {
      case 'raw':
        await pipeline(
          createReadStream(entries[0]!.path),
          createWriteStream(tempPath, { mode: ENTRY_MODE })
        )
        await chmod(tempPath, ENTRY_MODE)
        await utimes(tempPath, mtime, mtime)
        break
      case 'tar.gz':
        await pipeline(
          Readable.from(tarStream(entries, mtime)),
          // Node's gzip header carries no name and a zero mtime, like `gzip -n`.
          createGzip({ level: zlibConstants.Z_BEST_COMPRESSION }),
          createWriteStream(tempPath, { mode: 0o644 })
        )
        break
      case 'tar.xz':
        await compressWithXz(
          Readable.from(tarStream(entries, mtime)),
          tempPath,
          options.xzLevel ?? 6
        )
        break
      case 'zip':
        await pipeline(
          Readable.from(zipStream(entries, mtime)),
          createWriteStream(tempPath, { mode: 0o644 })
        )
        break
    }
    await rename(tempPath, finalPath)
  } catch (e) {
    await unlink(tempPath).catch(() => undefined)
    throw e
  }
  const { size } = await stat(finalPath)
  return { path: finalPath, fileName, format, bytes: size, entries: entries.map((e) => e.name) }
}

async function compressWithXz(source: Readable, outPath: string, level: number): Promise<void> {
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw new Error(`xz level must be 0-9, got ${level}`)
  // -T1: single-threaded, so the output does not depend on the number of cores.
  const xz = spawn('xz', ['-z', '-c', '-T1', `-${level}`, '--check=crc64'], {
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const stderr: Buffer[] = []
  xz.stderr.on('data', (c: Buffer) => stderr.push(c))
  const exited = new Promise<void>((resolveExit, reject) => {
    xz.on('error', (err) => reject(new Error(`cannot run xz (install xz-utils): ${err.message}`)))
    xz.on('close', (code, signal) => {
      if (code === 0) resolveExit()
      else
        reject(
          new Error(
            `xz failed (${signal ?? `status ${code}`}): ${Buffer.concat(stderr).toString().trim()}`
          )
        )
    })
  })
  const results = await Promise.allSettled([
    exited,
    pipeline(source, xz.stdin as Writable),
    pipeline(xz.stdout, createWriteStream(outPath, { mode: 0o644 }))
  ])
  // xz's own complaint explains more than the EPIPE its early exit causes on our side.
  const failure = results.find((r) => r.status === 'rejected')
  if (failure) throw (failure as PromiseRejectedResult).reason
}

// ---------------------------------------------------------------------------------------------
// tar (ustar): a 512-byte header per file, the data padded to 512, two zero blocks at the end.

const BLOCK = 512

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as GNU tar writes them.
  const s = value.toString(8)
  if (s.length > width - 1) throw new Error(`value ${value} does not fit a ${width}-byte tar field`)
  return s.padStart(width - 1, '0') + '\0'
}

export function tarHeader(name: string, size: number, mtime: number, mode = ENTRY_MODE): Buffer {
  const h = Buffer.alloc(BLOCK, 0)
  const nameBytes = Buffer.from(name, 'utf8')
  if (nameBytes.length > 100)
    throw new ArchiveNameError(
      `archive entry name ${JSON.stringify(name)} is longer than 100 bytes`
    )
  nameBytes.copy(h, 0)
  h.write(octal(mode, 8), 100, 'ascii')
  h.write(octal(0, 8), 108, 'ascii') // uid
  h.write(octal(0, 8), 116, 'ascii') // gid
  h.write(octal(size, 12), 124, 'ascii')
  h.write(octal(mtime, 12), 136, 'ascii')
  h.write('        ', 148, 'ascii') // checksum placeholder: eight spaces
  h.write('0', 156, 'ascii') // regular file
  h.write('ustar\0', 257, 'ascii')
  h.write('00', 263, 'ascii')
  // uname/gname stay empty: numeric owner 0, no names. devmajor/devminor are unused for files.
  h.write(octal(0, 8), 329, 'ascii')
  h.write(octal(0, 8), 337, 'ascii')
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii')
  return h
}

async function* tarStream(entries: readonly Entry[], mtime: number): AsyncGenerator<Buffer> {
  for (const e of entries) {
    yield tarHeader(e.name, e.size, mtime)
    let written = 0
    for await (const chunk of createReadStream(e.path)) {
      written += (chunk as Buffer).length
      yield chunk as Buffer
    }
    if (written !== e.size) throw new Error(`${e.path} changed size while being archived`)
    const pad = (BLOCK - (e.size % BLOCK)) % BLOCK
    if (pad > 0) yield Buffer.alloc(pad, 0)
  }
  yield Buffer.alloc(2 * BLOCK, 0)
}

// ---------------------------------------------------------------------------------------------
// zip: local headers with deflated data, a central directory marking the entries as Unix files
// with mode 0755, and the end record. No extra fields, so no time stamps beyond the DOS one.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8)
  return ~c >>> 0
}

/** DOS date and time (2-second resolution, 1980-2107), from UTC so the time zone cannot leak in. */
function dosDateTime(mtime: number): { date: number; time: number } {
  const d = new Date(Math.max(mtime, 315532800) * 1000) // not before 1980-01-01
  const year = Math.min(d.getUTCFullYear(), 2107)
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2)
  }
}

const ZIP_LIMIT = 0xffffffff

async function* zipStream(entries: readonly Entry[], mtime: number): AsyncGenerator<Buffer> {
  const { date, time } = dosDateTime(mtime)
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const data = await readFile(e.path)
    const compressed = deflateRawSync(data, { level: zlibConstants.Z_BEST_COMPRESSION })
    if (data.length >= ZIP_LIMIT || offset + compressed.length >= ZIP_LIMIT) {
      throw new Error(`${e.path} is too large for a zip without Zip64; use tar.xz`)
    }
    const crc = crc32(data)
    const name = Buffer.from(e.name, 'utf8')
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6) // flags: UTF-8 names
    local.writeUInt16LE(8, 8) // deflate
    local.writeUInt16LE(time, 10)
    local.writeUInt16LE(date, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(compressed.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28) // no extra field
    yield local
    yield name
    yield compressed

    const cd = Buffer.alloc(46)
    cd.writeUInt32LE(0x02014b50, 0)
    cd.writeUInt16LE((3 << 8) | 20, 4) // made by: Unix, spec 2.0 — so unzip honours the mode
    cd.writeUInt16LE(20, 6)
    cd.writeUInt16LE(0x0800, 8)
    cd.writeUInt16LE(8, 10)
    cd.writeUInt16LE(time, 12)
    cd.writeUInt16LE(date, 14)
    cd.writeUInt32LE(crc, 16)
    cd.writeUInt32LE(compressed.length, 20)
    cd.writeUInt32LE(data.length, 24)
    cd.writeUInt16LE(name.length, 28)
    // extra length, comment length, disk number start, internal attributes: all 0
    cd.writeUInt32LE(((0o100000 | ENTRY_MODE) << 16) >>> 0, 38) // regular file, rwxr-xr-x
    cd.writeUInt32LE(offset, 42)
    central.push(cd, name)
    offset += local.length + name.length + compressed.length
  }
  const dir = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(dir.length, 12)
  end.writeUInt32LE(offset, 16)
  yield dir
  yield end
}
