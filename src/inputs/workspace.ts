/**
 * Paths the inputs name inside the workspace: the project directory, and the check that a
 * path which exists does not leave the workspace through a symbolic link.
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
import { relative, resolve, isAbsolute } from 'node:path'
import { InputError, parseRelativePath, show } from './parse.js'

/**
 * A path that exists must also resolve inside the workspace: `parseRelativePath` checks the
 * spelling, this follows symbolic links, so a checked-in link cannot point Nix outside it.
 */
export function checkInsideWorkspace(
  input: string,
  value: string,
  absolute: string,
  workspace: string
): void {
  const rel = relative(realpathSync(workspace), realpathSync(absolute))
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    throw new InputError(
      input,
      `${input} ${show(value)} leaves the workspace through a symbolic link`
    )
  }
}

export function parseProjectDir(value: string, workspace: string): string {
  const dir = parseRelativePath('project-dir', value === '' ? '.' : value)
  const absolute = resolve(workspace, dir)
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new InputError(
      'project-dir',
      `project-dir ${show(value)} is not a directory in the workspace`
    )
  }
  checkInsideWorkspace('project-dir', value, absolute, workspace)
  return dir
}
