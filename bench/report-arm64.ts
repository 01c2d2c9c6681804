/** Section 8 of the benchmark report: full emulation of an aarch64 GHC against the action's path. */
import type { Arm64Result } from './arm64.js'
import { ratio, seconds, secondsRange, table } from './measure.js'

const SETUP = `What run-on-arch users pay: the whole compiler is arm64 code under \`qemu-aarch64-static\`.
\`bench/arm64-ghc.sh <work-dir>\` sets it up without touching the machine's dpkg: apt with a state
directory of its own downloads Debian bookworm's \`ghc\` and \`libghc-aeson-dev\` for arm64 with their
dependencies (about 110 packages, 215 MB of .deb files, 1.6 GB unpacked; kept for the next run),
unpacks them with \`dpkg -x\` into a directory, rebuilds the GHC package cache (postinst does not
run), and points the packages' absolute symbolic links into that directory (the host kernel, not
qemu, follows links, so \`/usr/lib/ghc/package.conf.d -> /var/lib/ghc/package.conf.d\` would
otherwise reach the host's x86_64 package database). GHC 9.0 has no aarch64 code generator, so it
compiles through LLVM 13's \`opt\` and \`llc\`, and its internal interpreter links the objects it
loads with gcc; without binfmt_misc (left alone here, it is machine-wide) GHC and gcc cannot start
arm64 programs by themselves, so small host scripts on \`PATH\` and gcc's \`-B\`/\`COMPILER_PATH\` run
each of them (\`opt\`, \`llc\`, \`gcc\`, \`cc1\`, \`as\`, \`collect2\`, \`ld\`) as arm64 code under qemu.
Against it, in the same rounds, mode (b) of figure 1: the host GHC with only its interpreter under
\`qemu-x86_64-static\`, the action's way. Same module set, same flags (\`--make -no-link -O0\`).`

export function arm64Section(a: Arm64Result): string {
  const head = `## 8. Full emulation of a foreign architecture (aarch64 GHC under qemu)

Rerun: \`npm run bench -- --only arm64\` (\`--arm64-dir\` to choose where the arm64 GHC is unpacked).

${SETUP}`
  if (a.setupError !== undefined || !a.compile || !a.startup || !a.work || !a.samples)
    return `${head}

**Not measured in this run**: the arm64 GHC could not be set up: ${a.setupError ?? 'no samples'}.`
  const modules = a.size.modules
  const b = a.compile['qemu-iserv']
  const full = a.compile['arm64-full']
  const rows = (
    [
      ['(b) host GHC, interpreter under qemu-x86_64 (the action)', 'qemu-iserv'],
      [`full emulation: arm64 GHC ${a.ghcVersion ?? ''} under qemu-aarch64`, 'arm64-full']
    ] as const
  ).map(([label, mode]) => [
    label,
    secondsRange(a.startup![mode]),
    secondsRange(a.compile![mode]),
    secondsRange(a.work![mode]),
    seconds(a.work![mode].median / modules, 1)
  ])
  const samples = (['qemu-iserv', 'arm64-full'] as const)
    .map(
      (mode) =>
        `${mode}: ${a.samples![mode].map((s) => `empty ${seconds(s.startupMs)}, module set ${seconds(s.wholeMs)}`).join('; ')}`
    )
    .join('. ')
  return `${head}

The arm64 GHC was ready in ${seconds(a.setupMs ?? Number.NaN)} (the download and unpacking only on a
first run); the objects it wrote are ${a.objectKind}. ${a.rounds} round(s), the two modes
alternating; ${a.moduleCount} modules.

${table(
  [
    'mode',
    'start-up: empty-splice compile',
    'whole module set',
    'module set minus start-up',
    'per module'
  ],
  rows
)}

Full emulation against the action's path: ${ratio(full.median, b.median)} the time for the whole
module set, ${ratio(a.work['arm64-full'].median, a.work['qemu-iserv'].median)} without start-up. Part of the
difference is not emulation: the arm64 GHC 9.0 compiles through LLVM, which is slower than the
native code generator the x86_64 GHC uses, and a run-on-arch user with a GHC that has an aarch64
code generator (9.2 and later) would not pay that part. The rest is the whole compiler, LLVM and
the assembler running as emulated code, where the action emulates only the splices.

Samples (round order): ${samples}.`
}
