/**
 * The emulated strategy's host set-up: qemu-user registered with binfmt_misc so the kernel runs
 * foreign executables (and Nix can build derivations whose `system` is the target), plus the
 * `extra-platforms` value that lets Nix accept those derivations.
 *
 * Everything done is recorded in a `BinfmtRegistration` so the post step can put a self-hosted
 * runner back as it was; hosted runners are thrown away anyway.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TargetSpec } from '../targets.js'
import { runCommand, type NixRunResult } from './run.js'

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc'

/** Systems an x86_64 kernel executes without an emulator. */
const NATIVE_ON: Readonly<Record<string, readonly string[]>> = {
  'x86_64-linux': ['x86_64-linux', 'i686-linux'],
  'aarch64-linux': ['aarch64-linux']
}

/** The binfmt_misc entry name used for a target (Debian's and qemu's own spelling). */
export function binfmtEntryName(target: TargetSpec): string {
  return target.qemu
}

/** True when the host kernel cannot run the target's executables by itself. */
export function needsEmulation(target: TargetSpec, hostSystem = 'x86_64-linux'): boolean {
  return !(NATIVE_ON[hostSystem] ?? [hostSystem]).includes(target.system)
}

/**
 * nix.conf `extra-platforms` for building these targets' derivations on this host: every
 * target system the host is not (i686-linux included: the kernel runs it, but Nix still has to
 * be told it may). Space separated, sorted, no duplicates; empty when nothing is foreign.
 */
export function extraPlatformsValue(
  targets: readonly TargetSpec[],
  hostSystem = 'x86_64-linux'
): string {
  const systems = new Set(targets.map((t) => t.system).filter((s) => s !== hostSystem))
  return [...systems].sort().join(' ')
}

function hexBytes(bytes: readonly number[]): string {
  return bytes.map((b) => '\\x' + b.toString(16).padStart(2, '0')).join('')
}

/**
 * The line written to `<binfmt_misc>/register` for a target, derived from the registry's ELF
 * facts: magic is the ELF identification (class, data, version) and e_type/e_machine; the mask
 * ignores the OS ABI byte and accepts ET_EXEC and ET_DYN (0xfffe on e_type), as qemu's
 * scripts/qemu-binfmt-conf.sh does. Flag F opens the interpreter now, so it also works inside
 * the Nix build sandbox where `interpreter` is not visible.
 */
export function binfmtRegisterLine(target: TargetSpec, interpreter: string, flags = 'F'): string {
  if (/[:\n]/.test(interpreter))
    throw new Error(`binfmt interpreter path cannot contain ':' or newlines: ${interpreter}`)
  const { elf } = target
  const big = elf.endian === 'big'
  const u16 = (v: number): number[] =>
    big ? [(v >> 8) & 0xff, v & 0xff] : [v & 0xff, (v >> 8) & 0xff]
  const ident = [
    0x7f,
    0x45,
    0x4c,
    0x46,
    elf.class === 64 ? 2 : 1,
    big ? 2 : 1,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0
  ]
  const magic = [...ident, ...u16(2), ...u16(elf.machine)]
  const identMask = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
  ]
  const mask = [...identMask, ...u16(0xfffe), 0xff, 0xff]
  return `:${binfmtEntryName(target)}:M::${hexBytes(magic)}:${hexBytes(mask)}:${interpreter}:${flags}`
}

/** What one binfmt entry looked like before we touched it. */
export type EntryBefore = 'absent' | 'enabled' | 'disabled'

export interface BinfmtChange {
  entry: string
  before: EntryBefore
  /** How it was turned on: Debian's update-binfmts, or a line written to `register`. */
  via: 'update-binfmts' | 'register'
}

export interface BinfmtRegistration {
  binfmtDir: string
  /** True when binfmt_misc was not mounted and we mounted it. */
  mounted: boolean
  changes: BinfmtChange[]
  /** Entries that were already enabled and left alone. */
  alreadyEnabled: string[]
  /** Targets the kernel runs natively (nothing registered). */
  native: string[]
}

export interface BinfmtOptions {
  binfmtDir?: string
  hostSystem?: string
  /** Directory of `qemu-<arch>-static` (Debian) or `qemu-<arch>` programs. */
  qemuDir?: string
  /** Prefix privileged commands with sudo (a hosted runner's `runner` user). */
  sudo?: boolean
  /** Prefer Debian's update-binfmts when it knows the entry (default true). */
  useUpdateBinfmts?: boolean
  /** Where update-binfmts keeps its formats. */
  binfmtsShareDir?: string
}

async function privileged(
  command: string,
  args: readonly string[],
  options: BinfmtOptions,
  input?: string
): Promise<NixRunResult> {
  const [cmd, argv] = options.sudo ? ['sudo', [command, ...args]] : [command, args]
  const result = await runCommand(cmd, argv, { echo: false, input })
  if (result.exitCode !== 0) {
    throw new Error(
      `${[cmd, ...argv].join(' ')} failed (${result.exitCode}): ${result.stderr.trim()}`
    )
  }
  return result
}

async function writeProcFile(path: string, line: string, options: BinfmtOptions): Promise<void> {
  // tee rather than a shell redirection: the path and line stay arguments and input.
  await privileged('tee', [path], options, line + '\n')
}

export async function entryState(binfmtDir: string, entry: string): Promise<EntryBefore> {
  const path = join(binfmtDir, entry)
  if (!existsSync(path)) return 'absent'
  const text = await readFile(path, 'utf8')
  return text.split('\n')[0]?.trim() === 'enabled' ? 'enabled' : 'disabled'
}

function qemuProgram(target: TargetSpec, qemuDir: string): string {
  const debian = join(qemuDir, `${target.qemu}-static`)
  return existsSync(debian) ? debian : join(qemuDir, target.qemu)
}

/** Mount binfmt_misc when needed and make every foreign target runnable through qemu. */
export async function registerQemu(
  targets: readonly TargetSpec[],
  options: BinfmtOptions = {}
): Promise<BinfmtRegistration> {
  const binfmtDir = options.binfmtDir ?? BINFMT_DIR
  const hostSystem = options.hostSystem ?? 'x86_64-linux'
  const qemuDir = options.qemuDir ?? '/usr/bin'
  const shareDir = options.binfmtsShareDir ?? '/usr/share/binfmts'
  const registration: BinfmtRegistration = {
    binfmtDir,
    mounted: false,
    changes: [],
    alreadyEnabled: [],
    native: []
  }

  if (!existsSync(join(binfmtDir, 'register'))) {
    await privileged('mount', ['-t', 'binfmt_misc', 'binfmt_misc', binfmtDir], options)
    registration.mounted = true
  }

  const seen = new Set<string>()
  for (const target of targets) {
    if (!needsEmulation(target, hostSystem)) {
      registration.native.push(target.name)
      continue
    }
    const entry = binfmtEntryName(target)
    if (seen.has(entry)) continue // armv6l and armv7l share qemu-arm
    seen.add(entry)
    const before = await entryState(binfmtDir, entry)
    if (before === 'enabled') {
      registration.alreadyEnabled.push(entry)
      continue
    }
    const debianKnows = (options.useUpdateBinfmts ?? true) && existsSync(join(shareDir, entry))
    if (debianKnows) {
      await privileged('update-binfmts', ['--enable', entry], options)
      registration.changes.push({ entry, before, via: 'update-binfmts' })
    } else if (before === 'disabled') {
      await writeProcFile(join(binfmtDir, entry), '1', options)
      registration.changes.push({ entry, before, via: 'register' })
    } else {
      await writeProcFile(
        join(binfmtDir, 'register'),
        binfmtRegisterLine(target, qemuProgram(target, qemuDir)),
        options
      )
      registration.changes.push({ entry, before, via: 'register' })
    }
    if ((await entryState(binfmtDir, entry)) !== 'enabled') {
      throw new Error(`binfmt_misc entry ${entry} is not enabled after registering it`)
    }
  }
  return registration
}

/** Undo what registerQemu did, newest change first. Safe to call twice. */
export async function restoreBinfmt(
  registration: BinfmtRegistration,
  options: BinfmtOptions = {}
): Promise<void> {
  const { binfmtDir } = registration
  for (const change of [...registration.changes].reverse()) {
    const now = await entryState(binfmtDir, change.entry)
    if (now === 'absent' && change.before === 'absent') continue
    if (change.before === 'absent') {
      // -1 removes the entry from the kernel; update-binfmts --disable does the same for its own.
      await writeProcFile(join(binfmtDir, change.entry), '-1', options)
    } else if (change.before === 'disabled' && now === 'enabled') {
      await writeProcFile(join(binfmtDir, change.entry), '0', options)
    }
  }
  if (registration.mounted && existsSync(join(binfmtDir, 'register'))) {
    await privileged('umount', [binfmtDir], options)
  }
}
