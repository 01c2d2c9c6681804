/**
 * A small ELF reader, enough to tell whether a build produced what the target table promises:
 * class, byte order, file type, machine, the ABI bits of e_flags, the program headers, the
 * requested interpreter and the DT_NEEDED libraries. No dependency, no section headers (a
 * stripped executable may not have useful ones; the loader only looks at program headers, and so
 * do we).
 *
 * Every read is bounds-checked, so a truncated or garbage file gives an ElfParseError that says
 * what was being read and where, never a RangeError from deep inside a DataView.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

import type { ExpectedElf, TargetSpec } from '../targets.js'

export class ElfParseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ElfParseError'
  }
}

export const ET_NONE = 0
export const ET_REL = 1
export const ET_EXEC = 2
export const ET_DYN = 3
export const ET_CORE = 4

export const PT_NULL = 0
export const PT_LOAD = 1
export const PT_DYNAMIC = 2
export const PT_INTERP = 3

export const DT_NULL = 0
export const DT_NEEDED = 1
export const DT_STRTAB = 5
export const DT_STRSZ = 10
export const DT_SONAME = 14
export const DT_RPATH = 15
export const DT_RUNPATH = 29
export const DT_FLAGS = 30
export const DT_FLAGS_1 = 0x6ffffffb
export const DF_1_PIE = 0x08000000

export const EF_ARM_EABIMASK = 0xff000000
export const EF_ARM_ABI_FLOAT_SOFT = 0x200
export const EF_ARM_ABI_FLOAT_HARD = 0x400
export const EF_RISCV_RVC = 0x1
export const EF_RISCV_FLOAT_ABI = 0x6

export const EM_386 = 3
export const EM_PPC = 20
export const EM_PPC64 = 21
export const EM_S390 = 22
export const EM_ARM = 40
export const EM_X86_64 = 62
export const EM_AARCH64 = 183
export const EM_RISCV = 243

/** Short machine names, spelled like nix/targets.json's `machineName`. */
const MACHINE_NAMES: Readonly<Record<number, string>> = {
  2: 'SPARC',
  [EM_386]: 'Intel 80386',
  8: 'MIPS R3000',
  [EM_PPC]: 'PowerPC',
  [EM_PPC64]: 'PowerPC64',
  [EM_S390]: 'IBM S/390',
  [EM_ARM]: 'ARM',
  43: 'SPARC v9',
  [EM_X86_64]: 'x86-64',
  [EM_AARCH64]: 'AArch64',
  [EM_RISCV]: 'RISC-V',
  258: 'LoongArch'
}

export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `unknown machine ${machine}`
}

export type ElfTypeName = 'NONE' | 'REL' | 'EXEC' | 'DYN' | 'CORE' | 'OTHER'

const TYPE_NAMES: Readonly<Record<number, ElfTypeName>> = {
  [ET_NONE]: 'NONE',
  [ET_REL]: 'REL',
  [ET_EXEC]: 'EXEC',
  [ET_DYN]: 'DYN',
  [ET_CORE]: 'CORE'
}

const PROGRAM_HEADER_NAMES: Readonly<Record<number, string>> = {
  [PT_NULL]: 'NULL',
  [PT_LOAD]: 'LOAD',
  [PT_DYNAMIC]: 'DYNAMIC',
  [PT_INTERP]: 'INTERP',
  4: 'NOTE',
  5: 'SHLIB',
  6: 'PHDR',
  7: 'TLS',
  0x6474e550: 'GNU_EH_FRAME',
  0x6474e551: 'GNU_STACK',
  0x6474e552: 'GNU_RELRO',
  0x6474e553: 'GNU_PROPERTY',
  0x70000000: 'PROC_0x70000000',
  0x70000001: 'EXIDX',
  0x70000003: 'RISCV_ATTRIBUTES'
}

export function programHeaderTypeName(type: number): string {
  return PROGRAM_HEADER_NAMES[type] ?? `0x${type.toString(16)}`
}

export interface ElfProgramHeader {
  type: number
  /** readelf's spelling: LOAD, INTERP, DYNAMIC, GNU_STACK, ... or hex. */
  typeName: string
  offset: number
  vaddr: bigint
  paddr: bigint
  filesz: number
  memsz: bigint
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number
  align: bigint
}

export interface ElfDynamicEntry {
  tag: bigint
  value: bigint
}

export interface ArmAbi {
  /** EABI version from the top byte of e_flags (5 for current toolchains, 0 for none). */
  eabiVersion: number
  /** From EF_ARM_ABI_FLOAT_HARD / _SOFT; null when neither bit is set. */
  floatAbi: 'hard' | 'soft' | null
}

export interface RiscvAbi {
  floatAbi: 'soft' | 'single' | 'double' | 'quad'
  rvc: boolean
}

export interface ElfFacts {
  class: 32 | 64
  endian: 'little' | 'big'
  osAbi: number
  type: number
  typeName: ElfTypeName
  machine: number
  machineName: string
  entry: bigint
  /** e_flags, as an unsigned 32-bit number. */
  flags: number
  arm: ArmAbi | null
  riscv: RiscvAbi | null
  programHeaders: ElfProgramHeader[]
  /** Path requested by PT_INTERP, or null when there is no PT_INTERP. */
  interpreter: string | null
  hasDynamic: boolean
  /** Entries of PT_DYNAMIC up to (not including) DT_NULL. */
  dynamic: ElfDynamicEntry[]
  needed: string[]
  soname: string | null
  /** DT_FLAGS_1, or null when absent. */
  flags1: number | null
  /** ET_DYN, no PT_INTERP and DF_1_PIE: a position-independent static executable. */
  staticPie: boolean
  /** No PT_INTERP and no DT_NEEDED. */
  isStatic: boolean
}

/** Random access to the bytes of a file, so a 100 MB executable need not be read whole. */
interface ByteSource {
  readonly size: number
  read(offset: number, length: number): Uint8Array
}

function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length)
  }
}

function fdSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(offset, length) {
      const out = Buffer.alloc(length)
      let done = 0
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done)
        if (n === 0) break
        done += n
      }
      return out.subarray(0, done)
    }
  }
}

/** Largest string we will read for PT_INTERP or a library name. */
const MAX_STRING = 4096
/** More program headers than any real executable has; guards against garbage e_phnum. */
const MAX_PROGRAM_HEADERS = 4096
const MAX_DYNAMIC_ENTRIES = 65536

class Reader {
  constructor(
    private readonly source: ByteSource,
    readonly littleEndian: boolean,
    readonly is64: boolean
  ) {}

  bytes(offset: number, length: number, what: string): DataView {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.source.size) {
      throw new ElfParseError(
        `truncated ELF: ${what} at offset ${offset} (${length} bytes) lies beyond the end of the file (${this.source.size} bytes)`
      )
    }
    const b = this.source.read(offset, length)
    if (b.length < length) {
      throw new ElfParseError(`truncated ELF: short read of ${what} at offset ${offset}`)
    }
    return new DataView(b.buffer, b.byteOffset, b.byteLength)
  }

  /** A NUL-terminated string within [offset, offset + limit). */
  cString(offset: number, limit: number, what: string): string {
    if (limit <= 0) throw new ElfParseError(`malformed ELF: ${what} at offset ${offset} is empty`)
    const max = Math.min(limit, MAX_STRING, this.source.size - offset)
    if (!Number.isSafeInteger(offset) || offset < 0 || max <= 0) {
      throw new ElfParseError(
        `truncated ELF: ${what} at offset ${offset} lies beyond the end of the file`
      )
    }
    const b = this.source.read(offset, max)
    const end = b.indexOf(0)
    if (end < 0) {
      throw new ElfParseError(`malformed ELF: ${what} at offset ${offset} is not NUL-terminated`)
    }
    return Buffer.from(b.buffer, b.byteOffset, end).toString('latin1')
  }
}

function u16(v: DataView, at: number, le: boolean): number {
  return v.getUint16(at, le)
}
function u32(v: DataView, at: number, le: boolean): number {
  return v.getUint32(at, le)
}
function u64(v: DataView, at: number, le: boolean): bigint {
  return v.getBigUint64(at, le)
}
function toOffset(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ElfParseError(
      `malformed ELF: ${what} 0x${value.toString(16)} is not a plausible file offset`
    )
  }
  return Number(value)
}

/** Parse ELF facts from bytes in memory. Throws ElfParseError on anything that is not a sane ELF. */
export function parseElf(bytes: Uint8Array): ElfFacts {
  return parseFrom(bufferSource(bytes))
}

/** Parse an ELF file, reading only the parts it needs. */
export async function readElfFile(path: string): Promise<ElfFacts> {
  const fd = openSync(path, 'r')
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new ElfParseError(`${path} is not a regular file`)
    return parseFrom(fdSource(fd, st.size))
  } finally {
    closeSync(fd)
  }
}

function parseFrom(source: ByteSource): ElfFacts {
  if (source.size < 16) {
    throw new ElfParseError(
      `not an ELF file: only ${source.size} bytes, an ELF identification needs 16`
    )
  }
  const ident = source.read(0, 16)
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    const magic = [...ident.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    throw new ElfParseError(`not an ELF file: magic is ${magic}, expected 7f 45 4c 46`)
  }
  const eiClass = ident[4]
  const eiData = ident[5]
  if (eiClass !== 1 && eiClass !== 2) {
    throw new ElfParseError(
      `malformed ELF: EI_CLASS is ${eiClass}, expected 1 (ELFCLASS32) or 2 (ELFCLASS64)`
    )
  }
  if (eiData !== 1 && eiData !== 2) {
    throw new ElfParseError(
      `malformed ELF: EI_DATA is ${eiData}, expected 1 (little-endian) or 2 (big-endian)`
    )
  }
  const is64 = eiClass === 2
  const le = eiData === 1
  const r = new Reader(source, le, is64)

  const ehsize = is64 ? 64 : 52
  const h = r.bytes(0, ehsize, 'ELF header')
  const type = u16(h, 16, le)
  const machine = u16(h, 18, le)
  let entry: bigint
  let phoff: number
  let flags: number
  let phentsize: number
  let phnum: number
  if (is64) {
    entry = u64(h, 24, le)
    phoff = toOffset(u64(h, 32, le), 'e_phoff')
    flags = u32(h, 48, le)
    phentsize = u16(h, 54, le)
    phnum = u16(h, 56, le)
  } else {
    entry = BigInt(u32(h, 24, le))
    phoff = u32(h, 28, le)
    flags = u32(h, 36, le)
    phentsize = u16(h, 42, le)
    phnum = u16(h, 44, le)
  }
  const minPhent = is64 ? 56 : 32
  if (phnum > 0 && phentsize < minPhent) {
    throw new ElfParseError(
      `malformed ELF: e_phentsize is ${phentsize}, expected at least ${minPhent}`
    )
  }
  if (phnum === 0xffff || phnum > MAX_PROGRAM_HEADERS) {
    // PN_XNUM (count in section 0's sh_info) never happens for executables.
    throw new ElfParseError(`malformed ELF: e_phnum is ${phnum}`)
  }

  const programHeaders: ElfProgramHeader[] = []
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    const p = r.bytes(at, minPhent, `program header ${i}`)
    if (is64) {
      programHeaders.push({
        type: u32(p, 0, le),
        typeName: programHeaderTypeName(u32(p, 0, le)),
        flags: u32(p, 4, le),
        offset: toOffset(u64(p, 8, le), `p_offset of program header ${i}`),
        vaddr: u64(p, 16, le),
        paddr: u64(p, 24, le),
        filesz: toOffset(u64(p, 32, le), `p_filesz of program header ${i}`),
        memsz: u64(p, 40, le),
        align: u64(p, 48, le)
      })
    } else {
      programHeaders.push({
        type: u32(p, 0, le),
        typeName: programHeaderTypeName(u32(p, 0, le)),
        offset: u32(p, 4, le),
        vaddr: BigInt(u32(p, 8, le)),
        paddr: BigInt(u32(p, 12, le)),
        filesz: u32(p, 16, le),
        memsz: BigInt(u32(p, 20, le)),
        flags: u32(p, 24, le),
        align: BigInt(u32(p, 28, le))
      })
    }
  }

  const interpHeader = programHeaders.find((p) => p.type === PT_INTERP)
  const interpreter = interpHeader
    ? r.cString(interpHeader.offset, interpHeader.filesz, 'PT_INTERP path')
    : null

  const dynHeader = programHeaders.find((p) => p.type === PT_DYNAMIC)
  const dynamic = dynHeader ? readDynamic(r, dynHeader) : []

  const strtabAddr = dynamic.find((d) => d.tag === BigInt(DT_STRTAB))?.value
  const strsz = dynamic.find((d) => d.tag === BigInt(DT_STRSZ))?.value
  const nameAt = (d: ElfDynamicEntry, what: string): string => {
    if (strtabAddr === undefined) {
      throw new ElfParseError(`malformed ELF: ${what} entry but no DT_STRTAB to resolve its name`)
    }
    const base = addressToOffset(programHeaders, strtabAddr, 'DT_STRTAB')
    const size = strsz === undefined ? MAX_STRING : toOffset(strsz, 'DT_STRSZ')
    if (d.value >= BigInt(size)) {
      throw new ElfParseError(
        `malformed ELF: ${what} name offset ${d.value} is outside the string table (${size} bytes)`
      )
    }
    const at = Number(d.value)
    return r.cString(base + at, size - at, `${what} name`)
  }
  const needed = dynamic
    .filter((d) => d.tag === BigInt(DT_NEEDED))
    .map((d) => nameAt(d, 'DT_NEEDED'))
  const sonameEntry = dynamic.find((d) => d.tag === BigInt(DT_SONAME))
  const soname = sonameEntry ? nameAt(sonameEntry, 'DT_SONAME') : null
  const flags1Entry = dynamic.find((d) => d.tag === BigInt(DT_FLAGS_1))
  const flags1 = flags1Entry ? Number(flags1Entry.value & 0xffffffffn) : null

  const staticPie =
    type === ET_DYN && interpreter === null && flags1 !== null && (flags1 & DF_1_PIE) !== 0

  return {
    class: is64 ? 64 : 32,
    endian: le ? 'little' : 'big',
    osAbi: ident[7] ?? 0,
    type,
    typeName: TYPE_NAMES[type] ?? 'OTHER',
    machine,
    machineName: machineName(machine),
    entry,
    flags,
    arm: machine === EM_ARM ? armAbi(flags) : null,
    riscv: machine === EM_RISCV ? riscvAbi(flags) : null,
    programHeaders,
    interpreter,
    hasDynamic: dynHeader !== undefined,
    dynamic,
    needed,
    soname,
    flags1,
    staticPie,
    isStatic: interpreter === null && needed.length === 0
  }
}

function readDynamic(r: Reader, ph: ElfProgramHeader): ElfDynamicEntry[] {
  const le = r.littleEndian
  const entsize = r.is64 ? 16 : 8
  const count = Math.min(Math.floor(ph.filesz / entsize), MAX_DYNAMIC_ENTRIES)
  const v = r.bytes(ph.offset, count * entsize, 'PT_DYNAMIC segment')
  const out: ElfDynamicEntry[] = []
  for (let i = 0; i < count; i++) {
    const at = i * entsize
    const tag = r.is64 ? v.getBigInt64(at, le) : BigInt(v.getInt32(at, le))
    const value = r.is64 ? v.getBigUint64(at + 8, le) : BigInt(v.getUint32(at + 4, le))
    if (tag === BigInt(DT_NULL)) break
    out.push({ tag, value })
  }
  return out
}

/** Map a virtual address to a file offset through the PT_LOAD segment that holds it. */
function addressToOffset(phs: readonly ElfProgramHeader[], addr: bigint, what: string): number {
  for (const p of phs) {
    if (p.type !== PT_LOAD) continue
    if (addr >= p.vaddr && addr < p.vaddr + BigInt(p.filesz)) {
      return p.offset + Number(addr - p.vaddr)
    }
  }
  throw new ElfParseError(
    `malformed ELF: ${what} address 0x${addr.toString(16)} is in no PT_LOAD segment`
  )
}

export function armAbi(flags: number): ArmAbi {
  const eabiVersion = (flags >>> 24) & 0xff
  const floatAbi =
    (flags & EF_ARM_ABI_FLOAT_HARD) !== 0
      ? 'hard'
      : (flags & EF_ARM_ABI_FLOAT_SOFT) !== 0
        ? 'soft'
        : null
  return { eabiVersion, floatAbi }
}

export function riscvAbi(flags: number): RiscvAbi {
  const abi =
    (['soft', 'single', 'double', 'quad'] as const)[(flags & EF_RISCV_FLOAT_ABI) >>> 1] ?? 'soft'
  return { floatAbi: abi, rvc: (flags & EF_RISCV_RVC) !== 0 }
}

// ---------------------------------------------------------------------------------------------
// Comparing with the target table

export type ElfCheck =
  'class' | 'endian' | 'machine' | 'type' | 'arm-float-abi' | 'riscv-float-abi' | 'static'

export interface ElfProblem {
  check: ElfCheck
  /** One sentence: what was found and what was expected. */
  message: string
  found: string
  expected: string
}

const TYPE_DESCRIPTIONS: Readonly<Record<ElfTypeName, string>> = {
  NONE: 'no file type',
  REL: 'relocatable object',
  EXEC: 'executable',
  DYN: 'shared object',
  CORE: 'core dump',
  OTHER: 'unknown type'
}

function hex(n: number): string {
  return `0x${n.toString(16)}`
}

/**
 * Compare parsed facts with a target's expected ELF facts. An empty list means the file is a
 * static executable for that target. "Static" means no PT_INTERP and no DT_NEEDED; a static-pie
 * (ET_DYN with DF_1_PIE and no interpreter) is allowed.
 */
export function checkElf(facts: ElfFacts, spec: TargetSpec | ExpectedElf): ElfProblem[] {
  const want: ExpectedElf = 'elf' in spec ? spec.elf : spec
  const problems: ElfProblem[] = []
  const add = (check: ElfCheck, found: string, expected: string, message: string): void => {
    problems.push({ check, found, expected, message })
  }

  if (facts.class !== want.class) {
    add(
      'class',
      `ELFCLASS${facts.class}`,
      `ELFCLASS${want.class}`,
      `ELF class is ELFCLASS${facts.class}, expected ELFCLASS${want.class}`
    )
  }
  if (facts.endian !== want.endian) {
    add(
      'endian',
      facts.endian,
      want.endian,
      `byte order is ${facts.endian}-endian, expected ${want.endian}-endian`
    )
  }
  if (facts.machine !== want.machine) {
    const found = `${facts.machineName} (${facts.machine})`
    const expected = `${want.machineName} (${want.machine})`
    add('machine', found, expected, `machine is ${found}, expected ${expected}`)
  }

  const executable =
    facts.type === ET_EXEC ||
    (facts.type === ET_DYN && (facts.interpreter !== null || facts.staticPie))
  if (!executable) {
    const found =
      facts.type === ET_DYN
        ? 'DYN without interpreter or PIE flag (a shared library?)'
        : `${facts.typeName} (${TYPE_DESCRIPTIONS[facts.typeName]})`
    add(
      'type',
      found,
      'EXEC, or DYN as static-pie',
      `file type is ${found}, expected an executable (EXEC, or DYN as static-pie)`
    )
  }

  if (want.armFloatAbi !== undefined) {
    const got = facts.arm?.floatAbi ?? null
    if (got !== want.armFloatAbi) {
      const found =
        got === null
          ? `unmarked (e_flags ${hex(facts.flags)})`
          : `${got}-float (e_flags ${hex(facts.flags)})`
      add(
        'arm-float-abi',
        found,
        `${want.armFloatAbi}-float`,
        `ARM float ABI is ${found}, expected ${want.armFloatAbi}-float`
      )
    }
  }
  if (want.riscvFloatAbi !== undefined) {
    const got = facts.riscv?.floatAbi ?? null
    if (got !== want.riscvFloatAbi) {
      const found =
        got === null
          ? `not RISC-V (e_flags ${hex(facts.flags)})`
          : `${got}-float (e_flags ${hex(facts.flags)})`
      add(
        'riscv-float-abi',
        found,
        `${want.riscvFloatAbi}-float`,
        `RISC-V float ABI is ${found}, expected ${want.riscvFloatAbi}-float`
      )
    }
  }

  if (!facts.isStatic) {
    const parts: string[] = []
    if (facts.interpreter !== null) parts.push(`PT_INTERP ${facts.interpreter}`)
    if (facts.needed.length > 0) parts.push(`needs ${facts.needed.join(', ')}`)
    const found = parts.join(', ')
    add('static', found, 'no PT_INTERP and no DT_NEEDED', `dynamically linked: ${found}`)
  }
  return problems
}
