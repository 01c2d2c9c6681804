/**
 * The runners the action can work on: Linux on x86_64 or arm64. Nix's static cross sets,
 * qemu-user and binfmt_misc are Linux things, so anything else is refused before any input
 * is read or anything is installed.
 */
const SUPPORTED_ARCHES: Readonly<Record<string, string>> = { x64: 'x86_64', arm64: 'arm64' }

const RUNNER_LABELS: Readonly<Record<string, string>> = {
  darwin: 'macOS',
  win32: 'Windows'
}

/** Why this runner cannot run the action, or undefined when it can. */
export function unsupportedRunnerError(platform: string, arch: string): string | undefined {
  if (platform === 'linux' && SUPPORTED_ARCHES[arch]) return undefined
  const runner = `${RUNNER_LABELS[platform] ?? platform} on ${arch}`
  return (
    `static-cross runs on Linux runners only (x86_64 or arm64), not on ${runner}: ` +
    'use runs-on: ubuntu-latest (or ubuntu-24.04-arm); it builds every target from there'
  )
}
