# Using the library from a flake (the library itself is plain Nix, no flake of its own):
#
#   inputs.static-cross = { url = "github:postgrest/static-cross"; flake = false; };
#   outputs = { nixpkgs, static-cross, ... }: {
#     packages.x86_64-linux = import "${static-cross}/nix/flake-module.nix" {
#       pkgs = nixpkgs.legacyPackages.x86_64-linux;
#       build = lib: target: lib.fromCabalPackage { src = ./.; name = "my-app"; inherit target; };
#     };
#   };
#
# gives `packages.x86_64-linux.static-<target>` for every target (or `only`), which the action
# then builds with `installable: .#static-{target}`.
{
  pkgs,
  build,
  only ? null,
}:
let
  lib = import ./. { inherit pkgs; };
  names = if only == null then builtins.attrNames lib.targets else only;
in
builtins.listToAttrs (
  map (target: {
    name = "static-${target}";
    value = build lib target;
  }) names
)
