# The external-interpreter wrapper GHC starts with `-fexternal-interpreter -pgmi <wrapper>`.
#
# GHC runs `<wrapper> <write-fd> <read-fd> [-opti args]` (compiler/GHC/Runtime/Interpreter.hs,
# runWithPipes); the wrapper `exec`s the target interpreter under qemu-user, so the inherited
# pipe descriptors reach the interpreter untouched. GHC appends `-dyn` to the program name for
# `-dynamic` and `-prof` for profiled ways, so the wrapper exists under all three names
# (a missing twin fails with "createProcess: does not exist").
#
# Deliberately written against `builtins.derivation` only: it needs no nixpkgs, so it can be
# built and tested on any machine with a Nix and a shell, and the overlay for older nixpkgs
# pins reuses it with store paths for the shell and coreutils.
{
  # Path of the qemu-user program (e.g. "${qemu-user}/bin/qemu-aarch64"), or null when the
  # build machine executes the target natively (i686 on x86_64).
  qemu,
  # Path of the target interpreter (GHC's iserv protocol over the two pipe descriptors).
  iserv,
  # Interpreters for the `-dyn` and `-prof` names; default to the plain one.
  iservDyn ? iserv,
  iservProf ? iserv,
  # Extra arguments for qemu (e.g. [ "-cpu" "max" ]).
  qemuArgs ? [ ],
  name ? "iserv-wrapper",
  # Shell for the builder and the wrappers' `#!` line; a store path under nixpkgs.
  shell ? "/bin/sh",
  # Directory holding `mkdir` and `chmod`.
  coreutils ? "/bin",
  system ? builtins.currentSystem,
}:
let
  # Single-quote for sh; same rule as lib.escapeShellArg, kept local to need no nixpkgs.
  quote = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString s) + "'";
  prefix =
    if qemu == null then
      [ ]
    else
      [ (quote qemu) ] ++ map quote qemuArgs;
  script = interpreter: ''
    #!${shell}
    # GHC's external interpreter for a cross target: ${name}
    exec ${builtins.concatStringsSep " " (prefix ++ [ (quote interpreter) ])} "$@"
  '';
  # One builder script, no coreutils beyond mkdir/chmod, no string built from the environment.
  builder = builtins.toFile "iserv-wrapper-builder.sh" ''
    set -eu
    ${quote "${coreutils}/mkdir"} -p "$out/bin"
    printf '%s' "$plain" > "$out/bin/$wrapperName"
    printf '%s' "$dyn" > "$out/bin/$wrapperName-dyn"
    printf '%s' "$prof" > "$out/bin/$wrapperName-prof"
    ${quote "${coreutils}/chmod"} 0555 "$out/bin/$wrapperName" "$out/bin/$wrapperName-dyn" "$out/bin/$wrapperName-prof"
  '';
  drv = derivation {
    inherit name system;
    builder = shell;
    args = [ builder ];
    wrapperName = name;
    plain = script iserv;
    dyn = script iservDyn;
    prof = script iservProf;
    # Nothing here benefits from a binary cache; building is cheaper than a lookup.
    preferLocalBuild = true;
    allowSubstitutes = false;
  };
in
drv
// {
  # The value for `-pgmi`: GHC derives the `-dyn`/`-prof` names from it.
  pgmi = "${drv}/bin/${name}";
}
