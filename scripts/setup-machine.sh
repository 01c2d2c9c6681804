#!/usr/bin/env bash
# Installs what the demo and the tests run for real on a Debian 12 / Ubuntu machine:
# Nix, qemu-user, GHC (with its iserv), static cross C toolchains and archive tools;
# aeson for GHC is what `npm run bench` compiles Template Haskell against.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup-machine.sh installs Debian packages: run it as root (sudo)" >&2
  exit 1
fi
packages=(
  nix-bin qemu-user-static binfmt-support
  gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-riscv64-linux-gnu musl-tools
  ghc xz-utils zstd unzip git ca-certificates
  libghc-aeson-dev
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
echo "machine ready: $(nix --version), $(qemu-aarch64-static --version | head -n1), ghc $(ghc --numeric-version)"
