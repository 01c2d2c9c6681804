/**
 * Which nixpkgs the library's expression and package modes use, and why. The rule is stated in
 * the plan; the answer comes from Nix (nix/nixpkgs-source.nix reads the project's default.nix
 * and flake.lock), once Nix is set up and before anything is built.
 */
import * as core from '@actions/core'
import { join } from 'node:path'
import { nixpkgsArg, type NixpkgsSource } from './installable.js'
import { runNix } from './run.js'

export interface NixpkgsSourceAnswer {
  /** `default-nix`, `flake-lock`, `pinned` or `path`. */
  source: string
  reason: string
}

/** The rule a source stands for, in the plan's words. */
export function describeNixpkgsSource(source: NixpkgsSource | undefined): string {
  if (source === undefined || source === 'auto') {
    return "auto: the `pkgs` of the project's default.nix when it exposes one (the project's own overlays), else flake.lock's nixpkgs, else the action's pinned nixpkgs; decided by Nix after set-up"
  }
  if (source === 'pinned') return "pinned: the action's pinned nixpkgs"
  if (source === 'flake-lock') return "flake-lock: the nixpkgs input of the project's flake.lock"
  if (source === 'default-nix') return "default-nix: the `pkgs` of the project's default.nix"
  return `the nixpkgs tree at ${source.path}`
}

/** `nix eval` arguments that print the answer as JSON. */
export function nixpkgsSourceArgv(
  libraryDir: string,
  projectDir: string,
  source: NixpkgsSource | undefined
): string[] {
  return [
    'eval',
    '--impure',
    '--json',
    '--file',
    join(libraryDir, 'nixpkgs-source.nix'),
    '--argstr',
    'projectDir',
    projectDir,
    '--argstr',
    'nixpkgs',
    nixpkgsArg(source, projectDir),
    // The file is a function; nix applies --argstr on the way to an attribute.
    'info'
  ]
}

function parseAnswer(stdout: string): NixpkgsSourceAnswer | null {
  try {
    const value = JSON.parse(stdout.trim()) as Partial<NixpkgsSourceAnswer>
    if (typeof value.source === 'string' && typeof value.reason === 'string') {
      return { source: value.source, reason: value.reason }
    }
  } catch {
    // Not JSON: reported below as an unknown answer.
  }
  return null
}

/**
 * Ask Nix which nixpkgs the builds will use and log it. A failure here is a warning: each
 * target's build evaluates the same file and fails with Nix's own error.
 */
export async function reportNixpkgsSource(
  libraryDir: string,
  projectDir: string,
  source: NixpkgsSource | undefined
): Promise<NixpkgsSourceAnswer | null> {
  return core.group('nixpkgs source', async () => {
    const run = await runNix(nixpkgsSourceArgv(libraryDir, projectDir, source), {
      cwd: projectDir,
      echo: false
    })
    const answer = run.exitCode === 0 ? parseAnswer(run.stdout) : null
    if (answer === null) {
      const detail = run.stderr.trim().split('\n').slice(-3).join(' ')
      core.warning(
        `could not tell which nixpkgs the builds use (${describeNixpkgsSource(source)}): ${detail}`
      )
      return null
    }
    core.info(`${answer.source}: ${answer.reason}`)
    return answer
  })
}
