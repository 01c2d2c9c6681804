/**
 * Where an installable's flake reference points: a remote source (GitHub, GitLab, an https
 * tarball or git URL, a flake registry name) or a place on this machine. A local reference must
 * stay inside the workspace, so a workflow input cannot make the action build (and publish)
 * whatever lies elsewhere on the runner, such as `path:/etc#x`.
 */
import { existsSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { InputError, show } from './parse.js'
import { checkInsideWorkspace } from './workspace.js'

/** Schemes whose source is fetched from elsewhere; Nix's own spellings. */
const REMOTE_SCHEMES = [
  'github',
  'gitlab',
  'sourcehut',
  'flake',
  'https',
  'http',
  'ssh',
  'git+https',
  'git+http',
  'git+ssh',
  'git',
  'hg+https',
  'hg+http',
  'hg+ssh',
  'tarball+https',
  'tarball+http',
  'file+https',
  'file+http'
]

/** Schemes that read this machine's file system. */
const LOCAL_SCHEMES = ['path', 'file', 'git+file', 'hg+file', 'tarball+file', 'file+file']

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/
/** A flake registry name, optionally with a ref and rev (`nixpkgs`, `nixpkgs/nixos-24.05`). */
const REGISTRY_NAME = /^[A-Za-z][A-Za-z0-9_-]*(\/[A-Za-z0-9._{}-]+){0,2}$/

const VALID =
  'valid: a flake in the project (.#attr, ./sub#attr, path:./sub#attr), a remote flake (github:, gitlab:, https:, git+https: ...) or a flake registry name such as nixpkgs#hello'

export type FlakeReferenceKind = 'remote' | 'registry' | 'local'

/** The reference part of an installable: what comes before `#`. */
export function flakeReferenceOf(installable: string): string {
  const hash = installable.indexOf('#')
  return hash < 0 ? installable : installable.slice(0, hash)
}

/** The local path a reference names (scheme, `//` authority and query removed), with its `dir`. */
function localPath(reference: string, scheme: string | undefined): string {
  let rest = scheme === undefined ? reference : reference.slice(scheme.length + 1)
  const query = rest.indexOf('?')
  const params = new URLSearchParams(query < 0 ? '' : rest.slice(query + 1))
  if (query >= 0) rest = rest.slice(0, query)
  // file:///abs and path:///abs spell an absolute path with an empty authority.
  if (rest.startsWith('//')) {
    const authorityEnd = rest.indexOf('/', 2)
    const authority = authorityEnd < 0 ? rest.slice(2) : rest.slice(2, authorityEnd)
    if (authority !== '' && authority !== 'localhost') return '\0remote-host'
    rest = authorityEnd < 0 ? '/' : rest.slice(authorityEnd)
  }
  const dir = params.get('dir')
  const decoded = decodeURIComponent(rest === '' ? '.' : rest)
  return dir ? `${decoded}/${dir}` : decoded
}

/**
 * Classify the installable's flake reference, refusing a local one that leaves the workspace.
 * `projectDir` is where nix runs (relative references resolve against it).
 */
export function checkInstallableReference(
  installable: string,
  workspace: string,
  projectDir: string
): FlakeReferenceKind {
  const reference = flakeReferenceOf(installable)
  const scheme = SCHEME.exec(reference)?.[1]?.toLowerCase()
  const refuse = (why: string): never => {
    throw new InputError('installable', `installable ${show(installable)} ${why}; ${VALID}`)
  }
  if (scheme !== undefined && REMOTE_SCHEMES.includes(scheme)) return 'remote'
  if (scheme !== undefined && !LOCAL_SCHEMES.includes(scheme)) {
    refuse(`uses the unknown flake reference scheme ${show(scheme + ':')}`)
  }
  if (scheme === undefined && reference.startsWith('~')) {
    refuse('names a path in a home directory, outside the project')
  }
  if (scheme === undefined && !reference.startsWith('.') && !reference.startsWith('/')) {
    const dotted = reference.split('/').some((part) => part === '.' || part === '..')
    if (REGISTRY_NAME.test(reference) && !dotted) return 'registry'
  }
  const path = localPath(reference, scheme)
  if (path === '\0remote-host') refuse('names a file on another host through a local scheme')
  const absolute = resolve(workspace, projectDir, path)
  const rel = relative(resolve(workspace), absolute)
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    refuse('is a local flake outside the project')
  }
  if (existsSync(absolute)) {
    try {
      checkInsideWorkspace('installable', installable, absolute, workspace)
    } catch {
      refuse('leaves the project through a symbolic link')
    }
  }
  return 'local'
}
