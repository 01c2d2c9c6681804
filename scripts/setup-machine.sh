#!/usr/bin/env bash
# Installs what the demo and the tests run for real on a Debian 12 / Ubuntu machine:
# Nix (with its build users), qemu-user, GHC (with its iserv), static cross C toolchains with
# their libc headers, archive tools, and the image and lint tools the tests call; aeson for GHC
# is what `npm run bench` compiles Template Haskell against. Ends with a self-check that builds
# with each of them, so a missing piece fails here, by name.
#
# Run it as root, or as a user with sudo: it re-runs itself through sudo when it must.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo --preserve-env=DEBIAN_FRONTEND bash "$0" "$@"
  fi
  echo "scripts/setup-machine.sh installs Debian packages: run it as root, or install sudo" >&2
  exit 1
fi

# --no-install-recommends keeps the machine small, so everything used is named here, including
# what Recommends would have brought: nix-setup-systemd creates Nix's nixbld group and build
# users, the libc6-dev-*-cross packages hold the cross gccs' libc headers.
cross_gccs=(aarch64-linux-gnu arm-linux-gnueabihf riscv64-linux-gnu)
packages=(
  nix-bin nix-setup-systemd qemu-user-static binfmt-support
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
  musl-tools
  ghc libghc-aeson-dev
  xz-utils zstd unzip git ca-certificates
  skopeo umoci docker-registry shellcheck
)
# npm ci brings Node 24 (the runtime action.yml declares) as a package; npm itself needs a Node.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The registry package enables a system service; the tests start their own registries on
# loopback ports, so a machine without systemd running is fine and one with it keeps its own.

# Self-check: each tool does the one thing the tests need from it.
check_dir=$(mktemp -d)
trap 'rm -rf "$check_dir"' EXIT
fail() {
  echo "setup self-check failed: $*" >&2
  exit 1
}

getent group nixbld >/dev/null || fail "Nix's build group nixbld is missing (nix-setup-systemd creates it)"
cat >"$check_dir/trivial.nix" <<'NIX'
derivation {
  name = "static-cross-setup-check";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo ok > $out" ];
}
NIX
nix_out=$(nix-build --option substituters '' --no-out-link "$check_dir/trivial.nix" 2>&1) ||
  fail "nix-build of a trivial derivation: $nix_out"
[ "$(cat "${nix_out##*$'\n'}")" = ok ] || fail "nix-build produced no output: $nix_out"
nix-store --delete "${nix_out##*$'\n'}" >/dev/null 2>&1 || true

printf '#include <stdio.h>\nint main(void){puts("hello");return 0;}\n' >"$check_dir/hello.c"
for triple in "${cross_gccs[@]}"; do
  "$triple-gcc" -static -o "$check_dir/hello-$triple" "$check_dir/hello.c" ||
    fail "$triple-gcc cannot build a static hello (is libc6-dev-*-cross installed?)"
done
musl-gcc -static -o "$check_dir/hello-musl" "$check_dir/hello.c" || fail "musl-gcc cannot build a static hello"
[ "$(qemu-aarch64-static "$check_dir/hello-aarch64-linux-gnu")" = hello ] ||
  fail "qemu-aarch64-static cannot run a static aarch64 hello"
[ "$(qemu-arm-static "$check_dir/hello-arm-linux-gnueabihf")" = hello ] ||
  fail "qemu-arm-static cannot run a static armv7 hello"
[ "$(qemu-riscv64-static "$check_dir/hello-riscv64-linux-gnu")" = hello ] ||
  fail "qemu-riscv64-static cannot run a static riscv64 hello"
[ "$("$check_dir/hello-musl")" = hello ] || fail "the musl static hello does not run"
[ -x "$(ghc --print-libdir)/bin/ghc-iserv" ] || fail "GHC's ghc-iserv is missing"
for tool in skopeo umoci shellcheck; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done
[ -x /usr/bin/docker-registry ] || fail "docker-registry is missing"

echo "machine ready: $(nix --version), $(qemu-aarch64-static --version | head -n1), ghc $(ghc --numeric-version)," \
  "cross gcc for ${cross_gccs[*]} and musl, skopeo, umoci, docker-registry, shellcheck"
