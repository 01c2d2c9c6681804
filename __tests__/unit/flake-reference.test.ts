/** Installables stay in the project: local flake references outside the workspace are refused. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkInstallableReference, flakeReferenceOf } from '../../src/inputs/flake-reference.js'
import { getInputs, InputError } from '../../src/inputs/index.js'
import { readerWith } from './input-defaults.js'

const workspace = mkdtempSync(join(tmpdir(), 'ws-flakeref-'))
mkdirSync(join(workspace, 'app', 'sub'), { recursive: true })
writeFileSync(join(workspace, 'app', 'flake.nix'), '{ outputs = _: { }; }\n')
symlinkSync('/etc', join(workspace, 'app', 'etc-link'))

const ALLOWED: Array<[string, 'remote' | 'registry' | 'local']> = [
  ['.#static-{target}', 'local'],
  ['.', 'local'],
  ['./sub#x', 'local'],
  ['sub/dir/more/deep#x', 'local'],
  ['..#x', 'local'], // project-dir is app/: its parent is still the workspace
  ['path:.#x', 'local'],
  ['path:./sub#x', 'local'],
  ['git+file:.#x', 'local'],
  ['.?dir=sub#x', 'local'],
  [`${workspace}/app#x`, 'local'],
  [`path:${workspace}/app/sub#x`, 'local'],
  [`file://${workspace}/app#x`, 'local'],
  ['github:PostgREST/postgrest#static', 'remote'],
  ['github:PostgREST/postgrest/v12.2.3?dir=nix#x', 'remote'],
  ['gitlab:owner/repo#x', 'remote'],
  ['sourcehut:~owner/repo#x', 'remote'],
  ['https://example.com/source.tar.gz#x', 'remote'],
  ['git+https://example.com/repo.git?ref=main#x', 'remote'],
  ['git+ssh://git@example.com/repo#x', 'remote'],
  ['tarball+https://example.com/a.tar.gz#x', 'remote'],
  ['flake:nixpkgs#hello', 'remote'],
  ['nixpkgs#hello', 'registry'],
  // A bare name is a registry lookup for Nix, never the file of that name.
  ['etc-link#x', 'registry'],
  ['nixpkgs/nixos-24.05#pkgsStatic.hello', 'registry'],
  ['nixpkgs#pkgsCross.{attr}.pkgsStatic.hello', 'registry']
]

const REFUSED: Array<[string, RegExp]> = [
  ['path:/etc#x', /local flake outside the project/],
  ['/etc#x', /local flake outside the project/],
  ['/nix/store/abc-source#x', /local flake outside the project/],
  ['/', /local flake outside the project/],
  ['git+file:/home/runner/other#x', /local flake outside the project/],
  ['git+file:///srv/repo#x', /local flake outside the project/],
  ['file:///etc/x.tar.gz#x', /local flake outside the project/],
  ['tarball+file:/tmp/x.tar.gz#x', /local flake outside the project/],
  ['hg+file:/srv/hg#x', /local flake outside the project/],
  ['path:../..#x', /local flake outside the project/],
  ['../../..#x', /local flake outside the project/],
  ['./sub/../../..#x', /local flake outside the project/],
  ['nixpkgs/../../..#x', /local flake outside the project/],
  ['.?dir=../../..#x', /local flake outside the project/],
  ['path:%2Fetc#x', /local flake outside the project/],
  ['file://otherhost/etc#x', /another host/],
  ['~/project#x', /home directory/],
  ['./etc-link#x', /symbolic link/],
  ['gopher://example.com/x#x', /unknown flake reference scheme "gopher:"/]
]

describe('installable flake references', () => {
  it('takes the reference before #', () => {
    expect(flakeReferenceOf('github:a/b#c#d')).toBe('github:a/b')
    expect(flakeReferenceOf('.')).toBe('.')
  })

  it.each(ALLOWED)('allows %s (%s)', (installable, kind) => {
    expect(checkInstallableReference(installable, workspace, 'app')).toBe(kind)
  })

  it.each(REFUSED)('refuses %s', (installable, why) => {
    let error: unknown
    try {
      checkInstallableReference(installable, workspace, 'app')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InputError)
    const message = (error as InputError).message
    expect((error as InputError).input).toBe('installable')
    expect(message).toMatch(why)
    expect(message).toContain(JSON.stringify(installable))
    expect(message).toContain('valid: a flake in the project')
  })

  it('is applied by getInputs before anything else runs', () => {
    const read = readerWith({ installable: 'path:/etc#x', 'project-dir': 'app' })
    expect(() => getInputs(read, { GITHUB_WORKSPACE: workspace })).toThrow(
      /installable "path:\/etc#x" is a local flake outside the project/
    )
    const ok = getInputs(readerWith({ installable: 'github:o/r#static-{target}' }), {
      GITHUB_WORKSPACE: workspace
    })
    expect(ok.mode).toEqual({ kind: 'installable', template: 'github:o/r#static-{target}' })
  })
})
