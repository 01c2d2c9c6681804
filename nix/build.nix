# Command-line entry of the library, used by the action's
# `nix build --file <this> --argstr ... static`.
# Every value arrives as a string through `--argstr`, so nothing a workflow writes is ever
# spliced into Nix code.
#
#   mode       "expression" | "package"
#   target     a key of targets.json
#   projectDir absolute path of the project checkout
#   file       (expression) path of the expression, relative to projectDir or absolute
#   attr       (expression) attribute path inside its result, "" for automatic choice
#   name       (package) cabal package name
#   ghc        (package) haskell.packages attribute, "" for the default
#   strategy   "cross" | "emulated"
#   nixpkgs    where nixpkgs comes from: "auto" (the `pkgs` of the project's default.nix when
#              it exposes one, else the project's flake.lock, else the pin), "pinned",
#              "flake-lock", "default-nix", or an absolute path of a nixpkgs tree
#              (see nixpkgs-source.nix)
#   argsJson   (expression) JSON object of extra string arguments for the expression
{
  mode,
  target,
  projectDir,
  file ? "",
  attr ? "",
  name ? "",
  ghc ? "",
  strategy ? "cross",
  nixpkgs ? "auto",
  argsJson ? "{}",
  system ? builtins.currentSystem,
}:
let
  orNull = s: if s == "" then null else s;
  toPath = base: s: if builtins.substring 0 1 s == "/" then /. + s else base + "/${s}";
  project = /. + projectDir;
  # The checkout without VCS data and build results, so the source hash follows the sources.
  projectSrc = builtins.path {
    path = project;
    name = "source";
    filter =
      path: type:
      let
        base = baseNameOf path;
      in
      !(builtins.elem base [ ".git" ".direnv" "dist-newstyle" ".stack-work" "node_modules" ])
      && !(type == "symlink" && builtins.substring 0 6 base == "result");
  };

  # Which nixpkgs, and why: the project's default.nix `pkgs`, its flake.lock, the pin, a path.
  nixpkgsSource = import ./nixpkgs-source.nix { inherit nixpkgs projectDir system; };
  pkgs = nixpkgsSource.pkgs;

  lib = import ./. { inherit pkgs; };

  selected =
    if mode == "expression" then
      lib.fromExpression {
        file = toPath project file;
        inherit target strategy;
        attr = orNull attr;
        src = projectSrc;
        args = builtins.fromJSON argsJson;
      }
    else if mode == "package" then
      lib.fromCabalPackage {
        src = projectSrc;
        inherit name target strategy;
        ghc = orNull ghc;
      }
    else
      throw "static-cross: unknown mode '${mode}' (expression, package)";
  # Say in the build log how Template Haskell runs for this target: through nixpkgs' own
  # iserv-proxy, through this library's qemu iserv overlay, or natively.
  # Only for package sets with Haskell: a C project's nixpkgs-like set may have none, and a
  # missing attribute is not an error tryEval can catch.
  hasHaskell = builtins.tryEval ((lib.crossPkgsFor target pkgs) ? haskellPackages);
  th =
    if hasHaskell.success && hasHaskell.value then
      builtins.tryEval (lib.thStrategy {
        inherit pkgs target;
        ghc = orNull ghc;
      })
    else
      {
        success = false;
      };
  thMessage =
    if strategy != "cross" then
      "static-cross: ${target} builds natively under qemu binfmt; Template Haskell runs inside the emulated GHC"
    else if hasHaskell.success && !hasHaskell.value then
      "static-cross: ${target}: this package set has no Haskell package set; Template Haskell does not apply"
    else if th.success then
      "static-cross: Template Haskell for ${target}: ${th.value.path} (${th.value.reason})"
    else
      "static-cross: Template Haskell path for ${target} not known before the build";
in
# An attribute, not the bare value: `nix build --file` calls the file's function with the
# `--argstr` values only on the way to an attribute (Nix 2.8's findAlongAttrPath), so the
# installable is `static`.
{
  static = builtins.trace "static-cross: ${nixpkgsSource.reason}" (builtins.trace thMessage selected);
}
