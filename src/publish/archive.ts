/**
 * Release archives, one per target: `tar.xz` (PostgREST's format), `tar.gz`, `zip`, or `raw`
 * (the executable itself). Archives are reproducible: entries sorted by name, one fixed mtime
 * (SOURCE_DATE_EPOCH or the commit time), owner and group 0 with no names, mode 0755, and nothing
 * else — so the same executable always gives the same bytes. tar-stream and yazl write the
 * containers rather than whatever tar or zip the runner has; xz compression uses the `xz` program
 * multi-threaded with a fixed block size (see compressWithXz), gzip uses Node's zlib.
 *
 * Every archive is written under a temporary name in the output directory and renamed into
 * place, so a half-written archive is never visible under its real name.
 */
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { chmod, rename, stat, unlink, utimes } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { basename, join } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { constants as zlibConstants, createGzip } from 'node:zlib'
import { partialPath } from './write-whole.js'

import { pack as packTar } from 'tar-stream'
import { ZipFile } from 'yazl'

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
  /**
   * Compression level 0-9: xz's preset for tar.xz (default 6, xz's and `tar -cJf`'s own), the
   * deflate level for tar.gz and zip (default 9). Not used by raw.
   */
  level?: number
  /** Threads xz may use (default: the cores Node sees); the bytes do not depend on it. */
  xzThreads?: number
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

/**
 * Each format's level when none is given: xz's own default preset (what `tar -cJf` writes), and
 * deflate's best for tar.gz and zip. Changing one changes every archive's bytes.
 */
export const DEFAULT_COMPRESSION_LEVELS: Readonly<Record<ArchiveFormat, number>> = {
  'tar.xz': 6,
  'tar.gz': zlibConstants.Z_BEST_COMPRESSION,
  zip: zlibConstants.Z_BEST_COMPRESSION,
  raw: 0
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
  const level = options.level ?? DEFAULT_COMPRESSION_LEVELS[format]
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw new Error(`compression level must be 0-9, got ${level}`)
  const bad = badPart(options.name)
  if (options.name === '' || bad)
    throw new ArchiveNameError(`archive name ${JSON.stringify(options.name)} ${bad ?? 'is empty'}`)
  const entries = await collectEntries(options.files)
  if (format === 'raw' && entries.length !== 1) {
    throw new Error(`the raw format publishes one executable, got ${entries.length}`)
  }

  const fileName = options.name + archiveExtension(format)
  const finalPath = join(options.outDir, fileName)
  const tempPath = partialPath(finalPath)
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
          tarStream(entries, mtime),
          // Node's gzip header carries no name and a zero mtime, like `gzip -n`.
          createGzip({ level }),
          createWriteStream(tempPath, { mode: 0o644 })
        )
        break
      case 'tar.xz':
        await compressWithXz(tarStream(entries, mtime), tempPath, level, options.xzThreads)
        break
      case 'zip':
        await pipeline(
          zipStream(entries, mtime, level),
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

/**
 * xz's multi-threaded encoder cuts its input into blocks and compresses them independently, so
 * its output depends on the block size and not on the thread count; a fixed block size gives
 * the same bytes on any number of cores. 8 MiB (the preset-6 dictionary) lets a 50 MB
 * executable keep several threads busy, for about 1 % more bytes than one block.
 */
export const XZ_BLOCK_SIZE = '8MiB'

/** xz arguments for reproducible multi-threaded compression. */
export function xzArguments(level: number, threads: number): string[] {
  // At least 2: xz switches to its single-threaded encoder at -T1, which writes other bytes
  // (5.4 knows -T+1 for this, older releases do not).
  const mtThreads = Math.max(2, Math.floor(threads))
  return [
    '-z',
    '-c',
    `-T${mtThreads}`,
    `--block-size=${XZ_BLOCK_SIZE}`,
    `-${level}`,
    '--check=crc64'
  ]
}

export async function compressWithXz(
  source: Readable,
  outPath: string,
  level: number,
  threads: number = availableParallelism()
): Promise<void> {
  const xz = spawn('xz', xzArguments(level, threads), {
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
  // A failed write of the archive (a full disk) is the cause when it happens: xz then dies of
  // SIGPIPE, which says nothing. Otherwise xz's own complaint explains more than the EPIPE its
  // early exit causes on our side.
  const output = results[2]
  if (output.status === 'rejected')
    throw new Error(`writing ${outPath} failed: ${(output.reason as Error).message}`)
  const failure = results.find((r) => r.status === 'rejected')
  if (failure) throw (failure as PromiseRejectedResult).reason
}

// ---------------------------------------------------------------------------------------------
// Containers

/** tar-stream writes the mtime as a signed 32-bit count of seconds; later times come out wrong. */
const TAR_MTIME_LIMIT = 0x7fffffff

function tarStream(entries: readonly Entry[], mtime: number): Readable {
  if (mtime > TAR_MTIME_LIMIT)
    throw new Error(`archive mtime ${mtime} is past what a tar header holds (2038-01-19)`)
  const date = new Date(mtime * 1000)
  const pack = packTar()
  const fill = async (): Promise<void> => {
    for (const e of entries) {
      // No uname/gname: numeric owner 0 only. tar-stream fails the entry if the file's size
      // changes while it is read.
      const header = { name: e.name, size: e.size, mode: ENTRY_MODE, uid: 0, gid: 0, mtime: date }
      await pipeline(createReadStream(e.path), pack.entry({ ...header, type: 'file' }))
    }
    pack.finalize()
  }
  fill().catch((err: unknown) => pack.destroy(err as Error))
  return Readable.from(pack)
}

/**
 * yazl takes the DOS date and time from a Date's local-time fields, which would put the runner's
 * time zone into the bytes; this Date answers them in UTC. yazl clamps to the DOS range (1980 to
 * 2107) by comparing with local-time bounds, so times within a day of either end are moved well
 * past it first: every zone then clamps them alike.
 */
class UtcFieldsDate extends Date {
  override getFullYear(): number {
    return this.getUTCFullYear()
  }
  override getMonth(): number {
    return this.getUTCMonth()
  }
  override getDate(): number {
    return this.getUTCDate()
  }
  override getHours(): number {
    return this.getUTCHours()
  }
  override getMinutes(): number {
    return this.getUTCMinutes()
  }
  override getSeconds(): number {
    return this.getUTCSeconds()
  }
}

const DOS_FIRST = Date.UTC(1980, 0, 2) / 1000
const DOS_LAST = Date.UTC(2107, 11, 30) / 1000

function zipStream(entries: readonly Entry[], mtime: number, level: number): Readable {
  const seconds = mtime < DOS_FIRST ? 0 : mtime > DOS_LAST ? Date.UTC(2200, 0) / 1000 : mtime
  const zip = new ZipFile()
  const out = zip.outputStream as Readable
  // yazl reports a failed read on the ZipFile, not on the stream being consumed.
  zip.on('error', (err: Error) => out.destroy(err))
  for (const e of entries) {
    zip.addFile(e.path, e.name, {
      mtime: new UtcFieldsDate(seconds * 1000),
      // Regular file, rwxr-xr-x; yazl marks entries "made by Unix" so unzip applies it.
      mode: 0o100000 | ENTRY_MODE,
      compressionLevel: level,
      // The DOS time alone, without the Info-ZIP "UT" field: one fixed time is all an entry needs.
      forceDosTimestamp: true
    })
  }
  zip.end()
  return out
}
