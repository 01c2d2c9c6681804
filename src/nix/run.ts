/**
 * Running nix commands: always an argument array, never a shell string. Captures output while
 * still streaming it to the log (so a long build shows progress inside its log group).
 */
import * as exec from '@actions/exec'

export interface NixRunOptions {
  cwd?: string
  env?: Record<string, string>
  /** Stream stdout/stderr to the job log as they arrive (default true). */
  echo?: boolean
  /** Feed this to the command's standard input. */
  input?: string
}

export interface NixRunResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Flags every nix invocation of the action needs; harmless on Nix versions that have them on. */
export const NIX_FEATURE_FLAGS = ['--extra-experimental-features', 'nix-command flakes'] as const

export async function runNix(
  args: readonly string[],
  options: NixRunOptions = {}
): Promise<NixRunResult> {
  return runCommand('nix', [...NIX_FEATURE_FLAGS, ...args], options)
}

export async function runCommand(
  command: string,
  args: readonly string[],
  options: NixRunOptions = {}
): Promise<NixRunResult> {
  const result = await exec.getExecOutput(command, [...args], {
    cwd: options.cwd,
    env: options.env ? { ...(process.env as Record<string, string>), ...options.env } : undefined,
    silent: options.echo === false,
    ignoreReturnCode: true,
    input: options.input === undefined ? undefined : Buffer.from(options.input)
  })
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
}
