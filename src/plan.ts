/**
 * Inputs + target registry -> the build plan: an ordered list of per-target jobs. Pure: the
 * same inputs always give the same plan, and nothing here touches the machine.
 */
import {
  type ArchiveFormat,
  type BuildMode,
  type FailOn,
  type Inputs,
  type Strategy,
  InputError
} from './inputs/index.js'
import { renderTemplate } from './inputs/parse.js'
import { nixBuildInvocation } from './nix/installable.js'
import { TARGETS, type TargetSpec } from './targets.js'

/** How Template Haskell splices run for a target. */
export type ThPath = 'native' | 'qemu-iserv' | 'emulated'

export interface PlannedTarget {
  target: string
  system: string
  strategy: Strategy
  /** `pkgsCross.<attr>` used for a cross build, null when building for the host itself. */
  nixpkgsCross: string | null
  /** What gets built, in words a maintainer recognises (flake installable or library call). */
  installable: string
  /** The exact `nix` arguments (after the experimental-features flags) and where they run. */
  nixArgs: string[]
  nixCwd: string
  thPath: ThPath
  thDescription: string
  /** qemu-user binary for smoke runs (and the iserv), null when the target is the host. */
  qemu: string | null
  artifactArch: string
  /**
   * The uploaded artifact's name, which is also the archive's file name in artifacts-dir:
   * the rendered artifact-name template plus the archive extension (none for `raw`).
   */
  artifactName: string
  notes: string
}

export interface BuildPlan {
  name: string
  version: string
  mode: BuildMode
  projectDir: string
  archive: ArchiveFormat
  /** The `compression-level` input; null for the format's default. */
  compressionLevel: number | null
  upload: boolean
  failOn: FailOn
  /** Nix systems that emulated targets need in `extra-platforms`. */
  extraPlatforms: string[]
  /**
   * Name of this step's SHA256SUMS file and of its artifact: the artifact-name template with
   * the step's targets joined by '+', so matrix jobs never collide.
   */
  checksumsArtifact: string
  targets: PlannedTarget[]
}

export const HOST_SYSTEM = 'x86_64-linux'

/** Where the plan's nix commands run: absolute paths, decided by the caller. */
export interface PlanContext {
  /** Absolute path of the project (workspace + project-dir). */
  projectDir: string
  /** Absolute path of the Nix library shipped with the action. */
  libraryDir: string
  hostSystem?: string
}

export const ARCHIVE_EXTENSIONS: Record<ArchiveFormat, string> = {
  'tar.xz': '.tar.xz',
  'tar.gz': '.tar.gz',
  zip: '.zip',
  raw: ''
}

/** Artifact names the artifact service accepts, kept to a portable, shell-safe alphabet. */
const ARTIFACT_NAME = /^[A-Za-z0-9_+@=][A-Za-z0-9._+@=-]*$/

function describeInstallable(mode: BuildMode, spec: TargetSpec, call: string): string {
  const crossSet = spec.nixpkgsCross ? `pkgsCross.${spec.nixpkgsCross}.pkgsStatic` : 'pkgsStatic'
  switch (mode.kind) {
    case 'installable':
      return call
    case 'expression':
      return `${call}: pkgs = ${spec.nixpkgsCross ? `pkgsCross.${spec.nixpkgsCross}` : 'pkgs'}, so its pkgs.pkgsStatic is ${crossSet}`
    case 'package':
      return `${call}: ${crossSet}.haskell.packages.${mode.ghc ?? '<default>'} (native-bignum when there is one), callCabal2nix, justStaticExecutables`
  }
}

function thPathFor(
  spec: TargetSpec,
  strategy: Strategy,
  mode: BuildMode,
  hostSystem: string
): [ThPath, string] {
  if (spec.system === hostSystem) return ['native', 'native build: GHC runs splices itself']
  if (strategy === 'emulated') {
    return [
      'emulated',
      `native ${spec.system} build under qemu binfmt: splices run inside the emulated GHC`
    ]
  }
  const how =
    mode.kind === 'installable'
      ? "as the project's flake sets it up (nixpkgs proxies TH to a qemu-hosted interpreter on pins from December 2025)"
      : "nixpkgs' iserv-proxy when nixpkgs' generic builder proxies TH for the set (asked at evaluation, see the build log), else static-cross's qemu iserv overlay"
  return ['qemu-iserv', `external interpreter for ${spec.system} under ${spec.qemu}: ${how}`]
}

export function buildPlan(inputs: Inputs, context: PlanContext): BuildPlan {
  const hostSystem = context.hostSystem ?? HOST_SYSTEM
  const targets = inputs.targets.map((name): PlannedTarget => {
    const spec = TARGETS.get(name)
    if (!spec) throw new InputError('targets', `unknown target ${name}`)
    const strategy = inputs.strategyOverrides[name] ?? inputs.strategy
    const [thPath, thDescription] = thPathFor(spec, strategy, inputs.mode, hostSystem)
    const invocation = nixBuildInvocation({
      mode: inputs.mode,
      target: spec,
      projectDir: context.projectDir,
      libraryDir: context.libraryDir,
      strategy
    })
    const artifactName = renderArtifactName(
      inputs,
      { arch: spec.artifactArch, target: spec.name, system: spec.system },
      name
    )
    return {
      target: name,
      system: spec.system,
      strategy,
      nixpkgsCross: spec.nixpkgsCross,
      installable: describeInstallable(inputs.mode, spec, invocation.describe),
      nixArgs: invocation.argv,
      nixCwd: invocation.cwd,
      thPath,
      thDescription,
      qemu: spec.system === hostSystem ? null : spec.qemu,
      artifactArch: spec.artifactArch,
      artifactName,
      notes: spec.notes
    }
  })
  const byName = new Map<string, string>()
  for (const target of targets) {
    const other = byName.get(target.artifactName)
    if (other) {
      throw new InputError(
        'artifact-name',
        `artifact-name gives ${other} and ${target.target} the same artifact name ${JSON.stringify(target.artifactName)}; add {target} to the template`
      )
    }
    byName.set(target.artifactName, target.target)
  }
  const extraPlatforms = [
    ...new Set(
      targets
        .filter((t) => t.strategy === 'emulated' && t.system !== hostSystem)
        .map((t) => t.system)
    )
  ]
  const joined = (field: 'artifactArch' | 'target' | 'system') =>
    targets.map((t) => t[field]).join('+')
  const checksumsArtifact = `${renderArtifactName(inputs, { arch: joined('artifactArch'), target: joined('target'), system: joined('system') }, 'the checksums', '')}-SHA256SUMS`
  return {
    name: inputs.name,
    version: inputs.version,
    mode: inputs.mode,
    projectDir: inputs.projectDir,
    archive: inputs.archive,
    compressionLevel: inputs.compressionLevel,
    upload: inputs.upload,
    failOn: inputs.failOn,
    extraPlatforms,
    checksumsArtifact,
    targets
  }
}

function renderArtifactName(
  inputs: Inputs,
  perTarget: { arch: string; target: string; system: string },
  forWhat: string,
  extension: string = ARCHIVE_EXTENSIONS[inputs.archive]
): string {
  const rendered =
    renderTemplate(inputs.artifactName, {
      name: inputs.name,
      version: inputs.version,
      ...perTarget
    }) + extension
  if (!ARTIFACT_NAME.test(rendered) || rendered.length > 200) {
    throw new InputError(
      'artifact-name',
      `artifact-name renders ${JSON.stringify(rendered)} for ${forWhat}, which is not a valid artifact name (letters, digits, '.', '_', '+', '@', '=', '-'; not starting with '.' or '-'; at most 200)`
    )
  }
  return rendered
}
