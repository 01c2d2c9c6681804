/**
 * Verifying one built executable: the ELF facts must match the target table and the file must be
 * static; then it must run (natively or under qemu-user) and pass its smoke command.
 */
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'

import type { TargetSpec } from '../targets.js'
import { checkElf, ElfParseError, readElfFile, type ElfCheck, type ElfFacts } from './elf.js'
import { runSmoke, type SmokeResult } from './smoke.js'

export { checkElf, ElfParseError, parseElf, readElfFile } from './elf.js'
export type { ElfFacts, ElfProblem } from './elf.js'
export { findQemu, hostSystem, runSmoke } from './smoke.js'
export type { SmokeOptions, SmokeResult } from './smoke.js'

export interface SmokeSpec {
  args: readonly string[]
  /** Regular expression the output must match. */
  expect?: RegExp | string | null
  timeoutSec: number
  emptyEnv?: boolean
}

export interface VerifyOptions {
  path: string
  target: TargetSpec
  /** null: no smoke run (ELF checks only). */
  smoke: SmokeSpec | null
  /** Passed through to the smoke run; defaults suit a runner. */
  hostSystem?: string
  searchPath?: string
  maxOutputBytes?: number
}

export type VerifyCheck = ElfCheck | 'file' | 'elf' | 'smoke'

export interface VerifyProblem {
  check: VerifyCheck
  message: string
}

export interface VerifyResult {
  ok: boolean
  /** Parsed ELF facts, or null when the file is missing or not an ELF. */
  elf: ElfFacts | null
  /** No PT_INTERP and no DT_NEEDED (static-pie counts as static). */
  static: boolean
  problems: VerifyProblem[]
  /** null when no smoke command was asked for, or when the ELF checks already ruled it out. */
  smoke: SmokeResult | null
  /** Why the smoke run was skipped, when it was. */
  smokeSkipped: string | null
}

/** Checks after which running the file would only add a confusing second error. */
const BLOCKS_SMOKE: ReadonlySet<VerifyCheck> = new Set([
  'file',
  'elf',
  'class',
  'endian',
  'machine',
  'type'
])

export async function verifyExecutable(options: VerifyOptions): Promise<VerifyResult> {
  const problems: VerifyProblem[] = []
  let elf: ElfFacts | null = null

  try {
    const st = await stat(options.path)
    if (!st.isFile()) {
      problems.push({ check: 'file', message: `${options.path} is not a regular file` })
    } else if ((st.mode & 0o111) === 0) {
      problems.push({
        check: 'file',
        message: `${options.path} is not executable (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`
      })
    }
  } catch (e) {
    problems.push({
      check: 'file',
      message: `cannot read ${options.path}: ${(e as Error).message}`
    })
  }

  if (problems.length === 0) {
    try {
      elf = await readElfFile(options.path)
      for (const p of checkElf(elf, options.target))
        problems.push({ check: p.check, message: p.message })
    } catch (e) {
      const message =
        e instanceof ElfParseError ? e.message : `cannot read ELF: ${(e as Error).message}`
      problems.push({ check: 'elf', message })
    }
  }

  let smoke: SmokeResult | null = null
  let smokeSkipped: string | null = null
  if (options.smoke !== null) {
    const blocker = problems.find((p) => BLOCKS_SMOKE.has(p.check))
    if (blocker) {
      smokeSkipped = `not run: ${blocker.message}`
    } else {
      smoke = await runSmoke({
        path: options.path,
        target: options.target,
        args: options.smoke.args,
        expect: options.smoke.expect ?? null,
        timeoutSec: options.smoke.timeoutSec,
        emptyEnv: options.smoke.emptyEnv,
        hostSystem: options.hostSystem,
        searchPath: options.searchPath,
        maxOutputBytes: options.maxOutputBytes
      })
      if (!smoke.ok) {
        const shown = [basename(options.path), ...options.smoke.args].join(' ')
        problems.push({
          check: 'smoke',
          message: `smoke run \`${shown}\` failed: ${smoke.problem}`
        })
      }
    }
  }

  return {
    ok: problems.length === 0,
    elf,
    static: elf?.isStatic ?? false,
    problems,
    smoke,
    smokeSkipped
  }
}
