import { execFile } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { promisify } from 'node:util'

import { findTarget, type TargetSpec } from '../../../src/targets.js'
import {
  checkElf,
  ElfParseError,
  parseElf,
  readElfFile,
  type ElfFacts
} from '../../../src/verify/elf.js'
import {
  buildFixtures,
  FIXTURE_NAMES,
  type FixtureName,
  type Fixtures
} from '../../../test-support/fixtures/c/build.js'

const run = promisify(execFile)

function target(name: string): TargetSpec {
  const t = findTarget(name)
  if (!t) throw new Error(`no target ${name}`)
  return t
}

/** What `readelf -W -h -l -d` says about a file, parsed just enough to compare. */
interface ReadelfView {
  class: number
  endian: string
  type: string
  machine: string
  flags: number
  flagsText: string
  entry: bigint
  programHeaders: {
    type: string
    offset: number
    vaddr: bigint
    paddr: bigint
    filesz: number
    memsz: bigint
    flags: string
    align: bigint
  }[]
  interpreter: string | null
  dynamicTags: bigint[]
  needed: string[]
  pieFlag: boolean
}

/** readelf's Machine: spellings for the machines of the fixtures. */
const READELF_MACHINES: Record<string, number> = {
  'Advanced Micro Devices X86-64': 62,
  AArch64: 183,
  ARM: 40,
  'RISC-V': 243
}

async function readelf(path: string): Promise<ReadelfView> {
  const { stdout } = await run('readelf', ['-W', '-h', '-l', '-d', path], {
    env: { ...process.env, LC_ALL: 'C' }
  })
  const field = (label: string): string => {
    const m = new RegExp(`^\\s+${label}:\\s+(.*)$`, 'm').exec(stdout)
    if (!m) throw new Error(`readelf printed no ${label}`)
    return (m[1] ?? '').trim()
  }
  const flagsField = field('Flags')
  const programHeaders: ReadelfView['programHeaders'] = []
  const phRe =
    /^\s+(\S+)\s+(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) ([RWE ]{3}) (0x[0-9a-f]+)$/gm
  for (let m = phRe.exec(stdout); m; m = phRe.exec(stdout)) {
    programHeaders.push({
      type: m[1]!,
      offset: Number(m[2]),
      vaddr: BigInt(m[3]!),
      paddr: BigInt(m[4]!),
      filesz: Number(m[5]),
      memsz: BigInt(m[6]!),
      flags: m[7]!,
      align: BigInt(m[8]!)
    })
  }
  const dynRe = /^\s+(0x[0-9a-f]+) \((\w+)\)\s+(.*)$/gm
  const dynamicTags: bigint[] = []
  const needed: string[] = []
  let pieFlag = false
  for (let m = dynRe.exec(stdout); m; m = dynRe.exec(stdout)) {
    dynamicTags.push(BigInt(m[1]!))
    if (m[2] === 'NEEDED') needed.push(/\[(.*)\]/.exec(m[3]!)![1]!)
    if (m[2] === 'FLAGS_1' && /\bPIE\b/.test(m[3]!)) pieFlag = true
  }
  return {
    class: field('Class') === 'ELF64' ? 64 : 32,
    endian: /little endian/.test(field('Data')) ? 'little' : 'big',
    type: field('Type').split(' ')[0]!,
    machine: field('Machine'),
    flags: Number(flagsField.split(',')[0]),
    flagsText: flagsField,
    entry: BigInt(field('Entry point address')),
    programHeaders,
    interpreter: /\[Requesting program interpreter: (.*)\]/.exec(stdout)?.[1] ?? null,
    dynamicTags,
    needed,
    pieFlag
  }
}

function flagLetters(flags: number): string {
  return (flags & 4 ? 'R' : ' ') + (flags & 2 ? 'W' : ' ') + (flags & 1 ? 'E' : ' ')
}

let fixtures: Fixtures
let dir: string

beforeAll(async () => {
  const built = await buildFixtures(FIXTURE_NAMES)
  fixtures = built.paths
  dir = built.dir
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('ELF parser agrees with readelf -h -l -d', () => {
  test.each(FIXTURE_NAMES)('%s', async (name) => {
    const path = fixtures[name]
    const [ours, theirs] = await Promise.all([readElfFile(path), readelf(path)])

    expect(ours.class).toBe(theirs.class)
    expect(ours.endian).toBe(theirs.endian)
    expect(ours.typeName).toBe(theirs.type)
    expect(ours.machine).toBe(READELF_MACHINES[theirs.machine])
    expect(ours.flags).toBe(theirs.flags)
    expect(ours.entry).toBe(theirs.entry)
    if (ours.arm) {
      expect(theirs.flagsText).toContain(`Version${ours.arm.eabiVersion} EABI`)
      expect(theirs.flagsText).toContain(`${ours.arm.floatAbi}-float ABI`)
    }
    if (ours.riscv) {
      expect(theirs.flagsText).toContain(`${ours.riscv.floatAbi}-float ABI`)
      expect(theirs.flagsText.includes('RVC')).toBe(ours.riscv.rvc)
    }

    expect(ours.programHeaders).toHaveLength(theirs.programHeaders.length)
    ours.programHeaders.forEach((p, i) => {
      const r = theirs.programHeaders[i]!
      // readelf cuts long names to 14 characters (RISCV_ATTRIBUT).
      expect(p.typeName.slice(0, 14)).toBe(r.type)
      expect({
        offset: p.offset,
        vaddr: p.vaddr,
        paddr: p.paddr,
        filesz: p.filesz,
        memsz: p.memsz,
        align: p.align
      }).toEqual({
        offset: r.offset,
        vaddr: r.vaddr,
        paddr: r.paddr,
        filesz: r.filesz,
        memsz: r.memsz,
        align: r.align
      })
      expect(flagLetters(p.flags)).toBe(r.flags)
    })

    expect(ours.interpreter).toBe(theirs.interpreter)
    // readelf lists the terminating DT_NULL too.
    const ourTags = ours.dynamic.map((d) => BigInt.asUintN(64, d.tag))
    expect(ours.hasDynamic ? [...ourTags, 0n] : []).toEqual(theirs.dynamicTags)
    expect(ours.needed).toEqual(theirs.needed)
    expect(ours.flags1 !== null && (ours.flags1 & 0x08000000) !== 0).toBe(theirs.pieFlag)
  })

  test('parseElf on bytes in memory gives the same facts as readElfFile', async () => {
    for (const name of FIXTURE_NAMES) {
      expect(parseElf(await readFile(fixtures[name]))).toEqual(await readElfFile(fixtures[name]))
    }
  })
})

describe('ELF facts of the fixtures', () => {
  test('static executables are static, with the ABI bits of their target', async () => {
    const arm = await readElfFile(fixtures['armv7l-static'])
    expect(arm).toMatchObject({
      class: 32,
      machine: 40,
      arm: { eabiVersion: 5, floatAbi: 'hard' },
      isStatic: true
    })
    const rv = await readElfFile(fixtures['riscv64-static'])
    expect(rv).toMatchObject({
      class: 64,
      machine: 243,
      riscv: { floatAbi: 'double', rvc: true },
      isStatic: true
    })
  })

  test('a dynamic executable has an interpreter and DT_NEEDED names', async () => {
    const f = await readElfFile(fixtures['aarch64-dynamic'])
    expect(f).toMatchObject({
      interpreter: '/lib/ld-linux-aarch64.so.1',
      needed: ['libc.so.6'],
      isStatic: false,
      staticPie: false
    })
  })

  test('a static-pie is ET_DYN without interpreter, flagged PIE, and static', async () => {
    const f = await readElfFile(fixtures['x86_64-static-pie'])
    expect(f).toMatchObject({
      typeName: 'DYN',
      interpreter: null,
      needed: [],
      staticPie: true,
      isStatic: true
    })
  })
})

describe('checkElf against the target table', () => {
  const cases: [string, FixtureName][] = [
    ['x86_64-linux', 'x86_64-static'],
    ['x86_64-linux', 'x86_64-static-pie'],
    ['aarch64-linux', 'aarch64-static'],
    ['armv7l-linux', 'armv7l-static'],
    ['riscv64-linux', 'riscv64-static']
  ]
  test.each(cases)('%s accepts %s', async (t, name) => {
    expect(checkElf(await readElfFile(fixtures[name]), target(t))).toEqual([])
  })

  test('wrong machine says what was found and what was expected', async () => {
    const problems = checkElf(await readElfFile(fixtures['x86_64-static']), target('aarch64-linux'))
    expect(problems).toEqual([
      {
        check: 'machine',
        found: 'x86-64 (62)',
        expected: 'AArch64 (183)',
        message: 'machine is x86-64 (62), expected AArch64 (183)'
      }
    ])
  })

  test('wrong class and machine are both reported', async () => {
    const problems = checkElf(await readElfFile(fixtures['armv7l-static']), target('aarch64-linux'))
    expect(problems.map((p) => p.message)).toEqual([
      'ELF class is ELFCLASS32, expected ELFCLASS64',
      'machine is ARM (40), expected AArch64 (183)'
    ])
  })

  test('a dynamic executable is not static', async () => {
    const problems = checkElf(
      await readElfFile(fixtures['aarch64-dynamic']),
      target('aarch64-linux')
    )
    expect(problems.map((p) => p.message)).toEqual([
      'dynamically linked: PT_INTERP /lib/ld-linux-aarch64.so.1, needs libc.so.6'
    ])
  })

  test('an object file is not an executable', async () => {
    const problems = checkElf(await readElfFile(fixtures['x86_64-object']), target('x86_64-linux'))
    expect(problems.map((p) => p.check)).toEqual(['type'])
    expect(problems[0]?.message).toBe(
      'file type is REL (relocatable object), expected an executable (EXEC, or DYN as static-pie)'
    )
  })

  test('ARM soft-float and unmarked float ABI are rejected for a hard-float target', async () => {
    const bytes = await readFile(fixtures['armv7l-static'])
    const soft = Buffer.from(bytes)
    soft.writeUInt32LE(0x05000200, 36) // e_flags of ELF32
    expect(checkElf(parseElf(soft), target('armv7l-linux')).map((p) => p.message)).toEqual([
      'ARM float ABI is soft-float (e_flags 0x5000200), expected hard-float'
    ])
    const unmarked = Buffer.from(bytes)
    unmarked.writeUInt32LE(0x05000000, 36)
    expect(checkElf(parseElf(unmarked), target('armv7l-linux')).map((p) => p.message)).toEqual([
      'ARM float ABI is unmarked (e_flags 0x5000000), expected hard-float'
    ])
  })

  test('RISC-V soft-float is rejected for the lp64d target', async () => {
    const bytes = Buffer.from(await readFile(fixtures['riscv64-static']))
    bytes.writeUInt32LE(0x1, 48) // e_flags of ELF64: RVC, soft-float
    const facts = parseElf(bytes)
    expect(facts.riscv).toEqual({ floatAbi: 'soft', rvc: true })
    expect(checkElf(facts, target('riscv64-linux')).map((p) => p.message)).toEqual([
      'RISC-V float ABI is soft-float (e_flags 0x1), expected double-float'
    ])
  })
})

/** A minimal big-endian ELF64 executable for s390x: header and one PT_LOAD, no code. */
function bigEndianElf(): Buffer {
  const b = Buffer.alloc(64 + 56 + 16)
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 2, 1, 0], 0)
  b.writeUInt16BE(2, 16) // ET_EXEC
  b.writeUInt16BE(22, 18) // EM_S390
  b.writeUInt32BE(1, 20)
  b.writeBigUInt64BE(0x1000078n, 24) // entry
  b.writeBigUInt64BE(64n, 32) // phoff
  b.writeUInt16BE(64, 52)
  b.writeUInt16BE(56, 54)
  b.writeUInt16BE(1, 56)
  b.writeUInt32BE(1, 64) // PT_LOAD
  b.writeUInt32BE(5, 68) // R E
  b.writeBigUInt64BE(0n, 72)
  b.writeBigUInt64BE(0x1000000n, 80)
  b.writeBigUInt64BE(0x1000000n, 88)
  b.writeBigUInt64BE(BigInt(b.length), 96)
  b.writeBigUInt64BE(BigInt(b.length), 104)
  b.writeBigUInt64BE(0x1000n, 112)
  return b
}

describe('big-endian ELF', () => {
  test('s390x facts are read in big-endian order and match the s390x target', () => {
    const facts = parseElf(bigEndianElf())
    expect(facts).toMatchObject({
      class: 64,
      endian: 'big',
      machine: 22,
      machineName: 'IBM S/390',
      entry: 0x1000078n,
      isStatic: true
    })
    expect(facts.programHeaders[0]).toMatchObject({ typeName: 'LOAD', vaddr: 0x1000000n, flags: 5 })
    expect(checkElf(facts, target('s390x-linux'))).toEqual([])
    expect(checkElf(facts, target('powerpc64le-linux')).map((p) => p.message)).toEqual([
      'byte order is big-endian, expected little-endian',
      'machine is IBM S/390 (22), expected PowerPC64 (21)'
    ])
  })
})

describe('garbage and truncated input', () => {
  const parseError = (bytes: Uint8Array): string => {
    try {
      parseElf(bytes)
    } catch (e) {
      expect(e).toBeInstanceOf(ElfParseError)
      return (e as Error).message
    }
    throw new Error('expected an ElfParseError')
  }

  test('empty, short and non-ELF input give clear errors', () => {
    expect(parseError(new Uint8Array(0))).toBe(
      'not an ELF file: only 0 bytes, an ELF identification needs 16'
    )
    expect(parseError(Buffer.from('#!/bin/sh\necho hello world\n'))).toBe(
      'not an ELF file: magic is 23 21 2f 62, expected 7f 45 4c 46'
    )
    const badClass = Buffer.alloc(64)
    badClass.set([0x7f, 0x45, 0x4c, 0x46, 7, 1, 1], 0)
    expect(parseError(badClass)).toMatch(/EI_CLASS is 7/)
  })

  test('a header cut short names what lies beyond the end', async () => {
    const bytes = await readFile(fixtures['aarch64-static'])
    expect(parseError(bytes.subarray(0, 40))).toMatch(
      /truncated ELF: ELF header at offset 0 \(64 bytes\) lies beyond the end of the file \(40 bytes\)/
    )
    expect(parseError(bytes.subarray(0, 100))).toMatch(
      /truncated ELF: program header 0 at offset 64/
    )
  })

  test('every truncation of every fixture either parses or throws ElfParseError', async () => {
    for (const name of FIXTURE_NAMES) {
      const bytes = await readFile(fixtures[name])
      const cuts = [
        17,
        51,
        52,
        63,
        64,
        65,
        100,
        200,
        300,
        500,
        600,
        700,
        1000,
        2000,
        4096,
        bytes.length - 1
      ]
      for (const cut of cuts) {
        let facts: ElfFacts | null = null
        try {
          facts = parseElf(bytes.subarray(0, cut))
        } catch (e) {
          if (!(e instanceof ElfParseError)) throw new Error(`${name} cut at ${cut}: ${String(e)}`)
        }
        if (facts) expect(facts.machine).toBeGreaterThan(0)
      }
    }
  })

  test('random corruption of headers never escapes as anything but ElfParseError', async () => {
    // A fixed-seed generator, so a failure can be replayed.
    let seed = 0x5eed
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (const name of ['aarch64-dynamic', 'armv7l-static', 'x86_64-static-pie'] as const) {
      const original = await readFile(fixtures[name])
      for (let round = 0; round < 300; round++) {
        const bytes = Buffer.from(original.subarray(0, 16384))
        const flips = 1 + (next() % 8)
        for (let i = 0; i < flips; i++) bytes[16 + (next() % 1000)] = next() & 0xff
        try {
          parseElf(bytes)
        } catch (e) {
          if (!(e instanceof ElfParseError)) throw new Error(`${name} round ${round}: ${String(e)}`)
        }
      }
    }
  })

  test('readElfFile on a directory or a missing file fails clearly', async () => {
    await expect(readElfFile(dir)).rejects.toThrow(/EISDIR|not a regular file/)
    await expect(readElfFile(`${dir}/absent`)).rejects.toThrow(/ENOENT/)
  })
})
