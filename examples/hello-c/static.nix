# The same program built with nixpkgs, for runners with nixpkgs (the repository's e2e workflow):
# the action calls this function with each target's cross package set, so `pkgs.pkgsStatic`
# is that target's static (musl) set.
{ pkgs, ... }:
pkgs.pkgsStatic.stdenv.mkDerivation {
  pname = "hello";
  version = "1.0";
  src = ./hello.c;
  dontUnpack = true;
  buildPhase = ''
    runHook preBuild
    $CC -O2 -o hello $src
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    install -D -m 0755 hello $out/bin/hello
    runHook postInstall
  '';
}
