/**
 * SBOMs on real parts: Nix builds a static C program against a header package, the bundled
 * action writes one CycloneDX document per target from the store's closure, uploads it beside
 * the archive and names it in SHA256SUMS. The downloaded documents are checked against the
 * CycloneDX schema and against the store itself; a changed dependency changes the document.
 */
import { Spec, Validation } from '@cyclonedx/cyclonedx-library'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import { runAction, type ActionRunResult, type Services } from '../../test-support/runner/index.js'
import { targetResults } from '../../test-support/target-results.js'
import { useServices } from '../../test-support/jest-services.js'

const FIXTURE = join(process.cwd(), 'test-support', 'fixtures', 'sbom-c')
const SUMS = 'hello-1.0.0-linux-static-x86-64+aarch64-SHA256SUMS'

interface Bom {
  specVersion: string
  metadata: { component: { name: string; version: string; properties: Prop[] } }
  components: {
    name: string
    version?: string
    hashes: { alg: string; content: string }[]
    licenses?: { license: { id?: string } }[]
    properties: Prop[]
  }[]
}
interface Prop {
  name: string
  value: string
}

let services: Services
useServices((started) => (services = started))

const results = targetResults
const prop = (props: Prop[], name: string): string | undefined =>
  props.find((p) => p.name === name)?.value

async function build(workspace: string, targets: string): Promise<ActionRunResult> {
  return runAction({
    services,
    run: services.newRun(),
    workspace,
    env: offlineNixEnv(),
    inputs: { targets, installable: '.#static-{target}', name: 'hello', version: '1.0.0' }
  })
}

async function downloadSbom(run: ActionRunResult, target: string): Promise<string> {
  const result = results(run).find((r) => r.target === target)
  const name = result?.sbom?.artifact?.name
  expect(name).toBe(result?.sbom?.file)
  const artifact = await services.downloadArtifact(name!, { run: run.run })
  return artifact.bytes.toString('utf8')
}

describe('one SBOM per target from the Nix closure', () => {
  let first: ActionRunResult
  beforeAll(async () => {
    first = await build(projectWorkspace(FIXTURE), 'x86_64-linux, aarch64-linux')
  }, 600000)

  test('each SBOM is its own artifact beside the archive, and SHA256SUMS names both', async () => {
    expect(first.main.annotations.filter((a) => a.level === 'error')).toEqual([])
    expect(first.main.conclusion).toBe('success')
    expect(
      services
        .listArtifacts(first.run)
        .map((a) => a.name)
        .sort()
    ).toEqual([
      'hello-1.0.0-linux-static-aarch64.cdx.json',
      'hello-1.0.0-linux-static-aarch64.tar.xz',
      SUMS,
      'hello-1.0.0-linux-static-x86-64.cdx.json',
      'hello-1.0.0-linux-static-x86-64.tar.xz'
    ])
    expect(first.main.summary).toContain('Software bill of materials (CycloneDX)')
    expect(first.main.summary).toContain('hello-1.0.0-linux-static-aarch64.cdx.json</a>')
    const dir = mkdtempSync(join(tmpdir(), 'sbom-download-'))
    for (const artifact of services.listArtifacts(first.run)) {
      const downloaded = await services.downloadArtifact(artifact.name, { run: first.run })
      writeFileSync(join(dir, artifact.name), downloaded.bytes)
    }
    const check = execFileSync('sha256sum', ['-c', SUMS], { cwd: dir, encoding: 'utf8' })
    expect(check.trim().split('\n').sort()).toEqual([
      'hello-1.0.0-linux-static-aarch64.cdx.json: OK',
      'hello-1.0.0-linux-static-aarch64.tar.xz: OK',
      'hello-1.0.0-linux-static-x86-64.cdx.json: OK',
      'hello-1.0.0-linux-static-x86-64.tar.xz: OK'
    ])
  })

  test('the documents are valid CycloneDX and list the build closure as the store holds it', async () => {
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6)
    for (const result of results(first)) {
      const text = await downloadSbom(first, result.target)
      expect(await validator.validate(text)).toBeNull()
      const bom = JSON.parse(text) as Bom
      expect(bom.metadata.component).toMatchObject({ name: 'hello', version: '1.0.0' })
      expect(prop(bom.metadata.component.properties, 'static-cross:target')).toBe(result.target)
      expect(prop(bom.metadata.component.properties, 'static-cross:closure')).toBe('build')
      expect(prop(bom.metadata.component.properties, 'nix:store-path')).toBe(result.storePath)
      // Exactly what the store says went into the build, .drv files aside.
      const drv = prop(bom.metadata.component.properties, 'nix:derivation')!
      const closure = execFileSync('nix-store', ['-qR', '--include-outputs', drv], {
        encoding: 'utf8'
      })
        .trim()
        .split('\n')
        .filter((p) => !p.endsWith('.drv') && p !== result.storePath)
        .sort()
      const listed = bom.components.map((c) => prop(c.properties, 'nix:store-path')!).sort()
      expect(listed).toEqual(closure)
      expect(bom.components.map((c) => c.name).sort()).toEqual(['greeting', 'hello.c'])
      // Every hash is the SHA-256 of the path's NAR serialisation, as an auditor recomputes it.
      for (const component of bom.components) {
        const path = prop(component.properties, 'nix:store-path')!
        const nar = execFileSync('sh', ['-c', 'nix-store --dump "$1" | sha256sum', 'sh', path], {
          encoding: 'utf8'
        }).split(' ')[0]
        expect(component.hashes).toEqual([{ alg: 'SHA-256', content: nar }])
      }
      const greeting = bom.components.find((c) => c.name === 'greeting')
      expect(greeting?.version).toBe('1.0.0')
      expect(greeting?.licenses).toEqual([{ license: { id: 'MIT' } }])
    }
  })

  test('a changed dependency changes the SBOM; an unchanged build gives the same bytes', async () => {
    const before = await downloadSbom(first, 'x86_64-linux')
    const same = await build(projectWorkspace(FIXTURE), 'x86_64-linux')
    expect(await downloadSbom(same, 'x86_64-linux')).toBe(before)

    const workspace = projectWorkspace(FIXTURE)
    const flake = join(workspace, 'flake.nix')
    writeFileSync(
      flake,
      readFileSync(flake, 'utf8').replace('greetingVersion = "1.0.0"', 'greetingVersion = "1.0.1"')
    )
    execFileSync('git', ['commit', '-qam', 'greeting 1.0.1'], {
      cwd: workspace,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.invalid',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.invalid'
      }
    })
    const changed = await build(workspace, 'x86_64-linux')
    expect(changed.main.conclusion).toBe('success')
    const after = JSON.parse(await downloadSbom(changed, 'x86_64-linux')) as Bom
    const old = JSON.parse(before) as Bom
    const greeting = (bom: Bom) => bom.components.find((c) => c.name === 'greeting')!
    expect(greeting(after).version).toBe('1.0.1')
    expect(greeting(after).hashes).not.toEqual(greeting(old).hashes)
    expect(prop(greeting(after).properties, 'nix:store-path')).not.toBe(
      prop(greeting(old).properties, 'nix:store-path')
    )
    // hello.c did not change, and neither does its entry.
    const source = (bom: Bom) => bom.components.find((c) => c.name === 'hello.c')
    expect(source(after)).toEqual(source(old))
  }, 600000)
})
