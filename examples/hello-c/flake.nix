{
  description = "static-cross example: a small C program, cross-compiled statically per target";

  # No nixpkgs: each package is a plain derivation that runs the host's static cross C
  # compilers (Debian's musl-gcc and gcc-<arch>-linux-gnu, see scripts/setup-machine.sh), so
  # the example builds offline in seconds. It needs Nix's sandbox off (Debian's default) or
  # `sandbox-paths = /bin /lib /lib64 /usr`. A real project builds with nixpkgs' pkgsCross.
  outputs = { self }:
    let
      system = "x86_64-linux";
      compilers = {
        "x86_64-linux" = "musl-gcc";
        "aarch64-linux" = "aarch64-linux-gnu-gcc";
        "armv7l-linux" = "arm-linux-gnueabihf-gcc";
        "riscv64-linux" = "riscv64-linux-gnu-gcc";
      };
      hello = target: cc: derivation {
        name = "hello-static-${target}";
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" ''
          set -e
          export PATH=/usr/bin:/bin
          mkdir -p "$out/bin"
          ${cc} -static -O2 -o "$out/bin/hello" ${./hello.c}
        '' ];
      };
    in {
      packages.${system} = builtins.listToAttrs (map (target: {
        name = "static-${target}";
        value = hello target compilers.${target};
      }) (builtins.attrNames compilers));
    };
}
