#!/bin/sh
# Full emulation of a foreign architecture, as run-on-arch users pay it: Debian's arm64 GHC 9.0.2
# unpacked into a directory and run under qemu-aarch64-static, compiling the Template Haskell
# module set of the TH figure. GHC, its internal interpreter, LLVM's opt and llc (GHC 9.0 has no
# aarch64 code generator of its own) and the assembler all run as arm64 code under qemu.
#
#   bench/arm64-ghc.sh <work-dir> [<module-dir>]
#
# Sets up <work-dir>/root (the arm64 GHC) and <work-dir>/wrap (tools GHC starts, as arm64 code
# under qemu); `npm run bench -- --only arm64` compiles with them. With <module-dir>, which holds
# Empty.hs and Types*.hs from bench/th-fixture.ts, it also times one compile of each. apt runs with a state
# directory of its own under <work-dir> (arm64 package lists, downloads), so the machine's dpkg
# architectures and package lists stay as they are. Needs the Debian network mirror (about 215 MB of packages).
set -eu
work=$(realpath "$1")
modules=${2:+$(realpath "$2")}
root="$work/root"
wrap="$work/wrap"
apt_state="$work/apt"
mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial" "$work/debs" "$root" "$wrap"
touch "$apt_state/status"
echo 'deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main' \
  > "$apt_state/sources.list"
apt_opts() {
  printf '%s\n' -o "Dir::Etc::SourceList=$apt_state/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
    -o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache=$apt_state/cache" \
    -o "Dir::State::status=$apt_state/status" -o APT::Architecture=arm64 -o APT::Architectures::=arm64
}
# shellcheck disable=SC2046 # one option per line, no spaces inside
set -- $(apt_opts)
if [ ! -x "$root/usr/lib/ghc/bin/ghc" ]; then
  apt-get "$@" update
  packages=$(apt-cache "$@" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances --no-pre-depends ghc libghc-aeson-dev \
    | grep -v '^ ' | grep -v '<' | sed 's/:arm64$//' | sort -u)
  # shellcheck disable=SC2086 # a list of package names
  (cd "$work/debs" && apt-get "$@" download $packages)
  for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$root"; done
  # dpkg -x runs no maintainer scripts: build the package database's cache as postinst would.
  qemu-aarch64-static -L "$root" "$root/usr/lib/ghc/bin/ghc-pkg" \
    --global-package-db "$root/var/lib/ghc/package.conf.d" recache
fi
# Symbolic links are followed by the host kernel, not by qemu: an absolute link such as
# /usr/lib/ghc/package.conf.d -> /var/lib/ghc/package.conf.d or libm.so -> /lib/.../libm.so.6
# would reach the host's x86_64 files. Point every absolute link into the root instead.
# A work directory that was moved still has links into its old place: they are moved along.
old_root=$(cat "$work/root-path" 2>/dev/null || echo "$root")
find "$root" -type l -lname '/*' | while read -r link; do
  target=$(readlink "$link")
  case "$target" in
    "$root"/*) ;;
    "$old_root"/*) ln -sfn "$root${target#"$old_root"}" "$link" ;;
    *) ln -sfn "$root$target" "$link" ;;
  esac
done
echo "$root" > "$work/root-path"
# GHC starts its tools by name from PATH; the host's own aarch64 cross tools would be x86_64
# code, so these wrappers run the arm64 ones under qemu instead.
# gcc itself starts cc1, collect2, as and ld by absolute path, which the host kernel cannot run
# without binfmt_misc; -B and COMPILER_PATH point it at wrappers for those too.
mkdir -p "$wrap/gcc"
gcclib=usr/lib/gcc/aarch64-linux-gnu/12
for tool in opt-13:usr/lib/llvm-13/bin/opt llc-13:usr/lib/llvm-13/bin/llc \
  as:usr/bin/aarch64-linux-gnu-as aarch64-linux-gnu-as:usr/bin/aarch64-linux-gnu-as \
  gcc/cc1:$gcclib/cc1 gcc/collect2:$gcclib/collect2 gcc/lto-wrapper:$gcclib/lto-wrapper \
  gcc/as:usr/bin/aarch64-linux-gnu-as gcc/ld:usr/bin/aarch64-linux-gnu-ld.bfd \
  gcc/ld.gold:usr/bin/aarch64-linux-gnu-ld.gold gcc/ld.bfd:usr/bin/aarch64-linux-gnu-ld.bfd; do
  printf '#!/bin/sh\nexec qemu-aarch64-static -L %s %s "$@"\n' "$root" "$root/${tool#*:}" > "$wrap/${tool%%:*}"
  chmod +x "$wrap/${tool%%:*}"
done
printf '#!/bin/sh\nCOMPILER_PATH=%s exec qemu-aarch64-static -L %s %s -B%s/ "$@"\n' "$wrap/gcc" "$root" \
  "$root/usr/bin/aarch64-linux-gnu-gcc-12" "$wrap/gcc" > "$wrap/aarch64-linux-gnu-gcc"
chmod +x "$wrap/aarch64-linux-gnu-gcc"
[ -n "$modules" ] || exit 0
compile() {
  out=$(mktemp -d)
  start=$(date +%s%N)
  PATH="$wrap:$PATH" qemu-aarch64-static -L "$root" "$root/usr/lib/ghc/bin/ghc" -B"$root/usr/lib/ghc" \
    --make -no-link -O0 -i"$modules" -outputdir "$out" "$@" > "$out.log" 2>&1 || {
    tail -20 "$out.log"
    exit 1
  }
  end=$(date +%s%N)
  objects=$(find "$out" -name '*.o' | wc -l)
  machine=$(find "$out" -name '*.o' | head -1 | xargs file -b | cut -d, -f2)
  echo "$(((end - start) / 1000000)) ms, $objects object(s),$machine"
  rm -rf "$out" "$out.log"
}
echo "empty splice: $(compile "$modules/Empty.hs")"
echo "module set: $(compile "$modules"/Types*.hs)"
