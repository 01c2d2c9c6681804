/**
 * The target registry: one table (nix/targets.json) read by both the TypeScript side and the
 * Nix library, so the nixpkgs cross attribute, qemu binary and ELF facts cannot drift apart.
 */
import registry from '../nix/targets.json' with { type: 'json' }

export type Endianness = 'little' | 'big'

export interface ExpectedElf {
  /** 32 or 64 (ELFCLASS32 / ELFCLASS64). */
  class: 32 | 64
  endian: Endianness
  /** e_machine, e.g. 183 for EM_AARCH64. */
  machine: number
  /** Human spelling of e_machine, as readelf prints it. */
  machineName: string
  /** ARM EABI float ABI from e_flags (EF_ARM_ABI_FLOAT_HARD / _SOFT). */
  armFloatAbi?: 'hard' | 'soft'
  /** RISC-V float ABI from e_flags (EF_RISCV_FLOAT_ABI_*). */
  riscvFloatAbi?: 'soft' | 'single' | 'double' | 'quad'
}

/**
 * The platform an OCI image index lists for this target, spelled as Go's GOARCH/GOARM (what the
 * OCI image spec and every registry client match on). arm64 carries no variant: `v8` is optional
 * in the spec and clients treat a missing one as v8, while 32-bit arm must say v7 or v6.
 */
export interface OciPlatform {
  architecture: 'amd64' | 'arm64' | 'arm' | 'riscv64' | 'ppc64le' | 's390x' | '386'
  variant?: 'v6' | 'v7'
}

export interface TargetSpec {
  /** Registry key and Nix system string, e.g. `aarch64-linux`. */
  name: string
  system: string
  /** `pkgsCross.<attr>` in nixpkgs; null when the target is the x86_64 host itself. */
  nixpkgsCross: string | null
  /** Target triple of the static (musl) toolchain. */
  config: string
  /** qemu-user binary name without the `-static` suffix Debian adds. */
  qemu: string
  elf: ExpectedElf
  /** Spelling used in artifact names (PostgREST writes `x86-64`). */
  artifactArch: string
  ociPlatform: OciPlatform
  notes: string
}

const table = registry as Record<string, Omit<TargetSpec, 'name'>>

export const TARGETS: ReadonlyMap<string, TargetSpec> = new Map(
  Object.entries(table).map(([name, spec]) => [name, { name, ...spec } as TargetSpec])
)

export const TARGET_NAMES: readonly string[] = [...TARGETS.keys()]

export function findTarget(name: string): TargetSpec | undefined {
  return TARGETS.get(name)
}
