/**
 * The Template Haskell audit on real parts: Nix builds three Cabal packages laid out like
 * nixpkgs' Haskell packages with this machine's GHC (greet-th uses Template Haskell, greet-plain
 * does not, hello-hs quasi-quotes and splices from greet-th), GHC running every splice in its
 * interpreter under qemu-x86_64 through the action's iserv wrapper. The bundled action builds,
 * verifies and audits the static executable; the audit must name exactly the TH packages.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TargetResult } from '../../src/pipeline/results.js'
import { offlineNixEnv, projectWorkspace } from '../../test-support/project.js'
import {
  runAction,
  startServices,
  type ActionRunResult,
  type Services
} from '../../test-support/runner/index.js'

const FIXTURE = join(process.cwd(), 'test-support', 'fixtures', 'haskell-th')

let services: Services
let run: ActionRunResult
let result: TargetResult

beforeAll(async () => {
  services = await startServices()
  // The fixture imports the action's own wrapper, as a project's flake would from the library.
  const source = mkdtempSync(join(tmpdir(), 'haskell-th-'))
  cpSync(FIXTURE, source, { recursive: true })
  cpSync(join(process.cwd(), 'nix', 'iserv-wrapper.nix'), join(source, 'iserv-wrapper.nix'))
  run = await runAction({
    services,
    run: services.newRun(),
    workspace: projectWorkspace(source),
    env: offlineNixEnv(),
    inputs: {
      targets: 'x86_64-linux',
      installable: '.#static-{target}',
      name: 'hello-hs',
      version: '1.0.0'
    }
  })
  result = (JSON.parse(run.main.outputs.results ?? '[]') as TargetResult[])[0]!
}, 900000)
afterAll(async () => {
  await services?.stop()
})

test('the static Haskell executable builds, verifies and its splices ran under qemu', () => {
  expect(run.main.annotations.filter((a) => a.level === 'error')).toEqual([])
  expect(run.main.conclusion).toBe('success')
  const exe = result.executables[0]
  expect(exe?.static).toBe(true)
  // The splice read the kernel's name for its own process: qemu's, not ghc-iserv's.
  expect(exe?.smoke?.output).toMatch(/^hello-hs 1\.0\.0 HELLO, WORLD!\nsplice-process=qemu-x86_64/)
})

test('the audit names exactly the packages that use Template Haskell, with the evidence', () => {
  const audit = result.templateHaskell!
  expect(audit.haskellPackages).toBe(2)
  expect(
    audit.packages.map((p) => [p.name, p.version, p.extensions, p.evidence, p.splices, p.ranIn])
  ).toEqual([
    [
      'greet-th',
      '0.1.0',
      ['TemplateHaskell'],
      ['Greet/TH.hs', 'greet-th.cabal'],
      true,
      'qemu-iserv'
    ],
    [
      'hello-hs',
      '1.0.0',
      ['QuasiQuotes', 'TemplateHaskell'],
      ['Main.hs', 'hello-hs.cabal'],
      true,
      'qemu-iserv'
    ]
  ])
  // The interpreter GHC was given is the action's wrapper, which execs the iserv under qemu.
  for (const p of audit.packages) {
    expect(p.interpreter).toMatch(/^\/nix\/store\/[0-9a-z]{32}-iserv-wrapper\/bin\/iserv-wrapper$/)
    expect(readFileSync(p.interpreter!, 'utf8')).toContain(
      "exec '/usr/bin/qemu-x86_64-static' '/usr/lib/ghc/bin/ghc-iserv' \"$@\""
    )
  }
})

test('the summary shows the audit, and the SBOM lists the Haskell packages with Hackage purls', async () => {
  expect(run.main.summary).toContain('Template Haskell audit')
  expect(run.main.summary).toContain('<td>greet-th-0.1.0</td>')
  expect(run.main.summary).toContain('target interpreter under qemu-user')
  expect(run.main.summary).not.toContain('greet-plain-0.2.0</td><td>')
  expect(result.sbom?.haskellPackages).toEqual(['greet-plain-0.2.0', 'greet-th-0.1.0'])
  const sbom = await services.downloadArtifact(result.sbom!.artifact!.name, { run: run.run })
  const bom = JSON.parse(sbom.bytes.toString('utf8')) as {
    components: { name: string; purl?: string }[]
  }
  expect(
    bom.components
      .filter((c) => c.purl)
      .map((c) => c.purl)
      .sort()
  ).toEqual(['pkg:hackage/greet-plain@0.2.0', 'pkg:hackage/greet-th@0.1.0'])
})
