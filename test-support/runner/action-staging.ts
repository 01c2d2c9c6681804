import { execFile } from 'node:child_process'
import { copyFile, cp, mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

// Never part of what a runner downloads for an action.
const NEVER_SHIPPED = new Set(['node_modules', '.git', 'coverage'])

/**
 * Copies an action the way a runner gets it: the files of its repository (tracked, or
 * new and not ignored, so a freshly built dist/ counts) without node_modules. A bundle
 * that still imports a package it failed to include then fails here as on a runner,
 * instead of quietly resolving it from the repository's node_modules.
 */
export async function stageAction(actionDir: string, destination: string): Promise<void> {
  await mkdir(destination, { recursive: true })
  const files = await listRepositoryFiles(actionDir)
  if (files === undefined) {
    await cp(actionDir, destination, {
      recursive: true,
      filter: (source) => !NEVER_SHIPPED.has(path.basename(source))
    })
    return
  }
  for (const relative of files) {
    if (relative.split('/').some((part) => NEVER_SHIPPED.has(part))) continue
    const source = path.join(actionDir, relative)
    const info = await stat(source).catch(() => undefined)
    // Tracked files deleted in the work tree are not there to ship.
    if (!info?.isFile()) continue
    const target = path.join(destination, relative)
    await mkdir(path.dirname(target), { recursive: true })
    await copyFile(source, target)
  }
}

async function listRepositoryFiles(dir: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await execFileAsync(
      'git',
      ['-C', dir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'],
      { maxBuffer: 64 * 1024 * 1024 }
    )
    return [...new Set(stdout.split('\0').filter(Boolean))]
  } catch {
    return undefined
  }
}
