/**
 * Verify stage of one target: find the built executables, then check ELF facts, static linking
 * and a smoke run under the target's qemu. A problem fails that target only.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { TARGETS } from '../targets.js'
import { sha256File } from '../publish/checksums.js'
import { verifyExecutable, type SmokeSpec } from '../verify/index.js'
import { failTarget, type ExecutableResult, type TargetResult } from './results.js'
import type { TargetLog } from './target-log.js'

export interface VerifySettings {
  executables: readonly string[]
  smoke: SmokeSpec | null
}

/** The executables of a build output: the output itself when it is a file, else its bin/. */
export async function findExecutables(
  outPath: string,
  wanted: readonly string[]
): Promise<string[]> {
  const info = await stat(outPath)
  if (info.isFile()) {
    if (wanted.length > 0 && !wanted.includes(basename(outPath))) {
      throw new Error(
        `the build output is a single file ${basename(outPath)}, not ${wanted.join(', ')}`
      )
    }
    return [outPath]
  }
  const bin = join(outPath, 'bin')
  let names: string[]
  try {
    names = (await readdir(bin)).sort()
  } catch {
    throw new Error(
      `the build output ${outPath} has no bin/ directory: is the installable an executable package?`
    )
  }
  if (wanted.length === 0) {
    if (names.length === 0) throw new Error(`${bin} is empty`)
    return names.map((name) => join(bin, name))
  }
  const missing = wanted.filter((name) => !names.includes(name))
  if (missing.length > 0) {
    throw new Error(
      `${bin} has no ${missing.join(', ')} (it has: ${names.join(', ') || 'nothing'}); check the executables input`
    )
  }
  return wanted.map((name) => join(bin, name))
}

async function verifyOne(
  path: string,
  result: TargetResult,
  settings: VerifySettings
): Promise<ExecutableResult> {
  const target = TARGETS.get(result.target)
  if (!target) throw new Error(`unknown target ${result.target}`)
  const verdict = await verifyExecutable({ path, target, smoke: settings.smoke })
  const elf = verdict.elf
  return {
    name: basename(path),
    path,
    size: (await stat(path)).size,
    sha256: await sha256File(path),
    elf: elf && {
      class: elf.class,
      endian: elf.endian,
      machine: elf.machine,
      machineName: elf.machineName,
      type: elf.typeName,
      armFloatAbi: elf.arm?.floatAbi ?? null,
      riscvFloatAbi: elf.riscv?.floatAbi ?? null
    },
    static: verdict.static,
    problems: verdict.problems.map((p) => p.message),
    smoke: verdict.smoke && {
      ok: verdict.smoke.ok,
      command: verdict.smoke.command,
      exitCode: verdict.smoke.exitCode,
      output: verdict.smoke.output,
      durationMs: verdict.smoke.durationMs,
      runner: verdict.smoke.runner
    }
  }
}

/** Checks one built target; a problem or a throw fails that target at verify. */
export async function verifyTarget(
  result: TargetResult,
  settings: VerifySettings
): Promise<TargetResult> {
  if (result.status !== 'ok' || result.storePath === null) return result
  const started = Date.now()
  let verified: TargetResult
  try {
    const paths = await findExecutables(result.storePath, settings.executables)
    const executables: ExecutableResult[] = []
    for (const path of paths) executables.push(await verifyOne(path, result, settings))
    const problems = executables.flatMap((e) => e.problems.map((p) => `${e.name}: ${p}`))
    verified = { ...result, executables }
    if (problems.length > 0) verified = failTarget(verified, 'verify', problems.join('; '))
  } catch (error) {
    verified = failTarget(result, 'verify', (error as Error).message)
  }
  return {
    ...verified,
    durationsMs: { ...verified.durationsMs, verify: Date.now() - started }
  }
}

export function logVerify(result: TargetResult, log: TargetLog): void {
  const verdict = result.status === 'ok' ? 'ok' : 'FAILED'
  const seconds = (result.durationsMs.verify / 1000).toFixed(1)
  log.progress(`verify ${verdict} in ${seconds} s`)
  log.group(`verify ${result.target}: ${verdict} in ${seconds} s`, () => {
    for (const exe of result.executables) {
      const elf = exe.elf
        ? `${exe.elf.machineName}, ELF${exe.elf.class}, ${exe.elf.endian}-endian, ${exe.elf.type}`
        : 'not ELF'
      log.info(
        `${exe.name}: ${elf}, ${exe.static ? 'static' : 'NOT static'}, ${exe.size} bytes, sha256 ${exe.sha256}`
      )
      for (const problem of exe.problems) log.info(`  problem: ${problem}`)
      if (exe.smoke) {
        log.info(
          `  smoke: ${exe.smoke.ok ? 'ok' : 'failed'} (${exe.smoke.command.join(' ')}, ${exe.smoke.durationMs} ms):`
        )
        log.untrusted(exe.smoke.output.trimEnd())
      }
    }
    if (result.status === 'failed' && result.failedStage === 'verify')
      log.info(`error: ${result.error}`)
  })
}
