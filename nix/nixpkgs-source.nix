# Where nixpkgs comes from for the library's expression and package modes, and why.
#
#   nixpkgs    "auto", "pinned", "flake-lock", "default-nix", or an absolute path of a nixpkgs tree
#   projectDir absolute path of the project checkout
#
# `auto` takes what the project itself means by its package set, asked of its files at
# evaluation time: the `pkgs` its default.nix exposes (with the project's overlays, which
# PostgREST's nix/static.nix needs), else the nixpkgs input of its flake.lock, else the action's
# pinned nixpkgs. The answer is `{ source, reason, pkgs }`; `info` is the same without `pkgs`,
# for `nix eval --json`. Nothing is fetched until `pkgs` is used.
{
  nixpkgs ? "auto",
  projectDir,
  system ? builtins.currentSystem,
}:
let
  project = /. + projectDir;
  pinned = (import ./. { inherit system; }).pkgs;

  lockFile = project + "/flake.lock";
  lockedNixpkgs =
    let
      lock = builtins.fromJSON (builtins.readFile lockFile);
      rootInputs = lock.nodes.${lock.root}.inputs or { };
      nodeName = rootInputs.nixpkgs or null;
      node = if builtins.isString nodeName then lock.nodes.${nodeName} or null else null;
      locked = if node == null then null else node.locked or null;
    in
    if !builtins.pathExists lockFile || locked == null || (locked.type or "") != "github" then
      null
    else
      {
        inherit (locked) owner repo rev;
        src = builtins.fetchTarball {
          url = "https://github.com/${locked.owner}/${locked.repo}/archive/${locked.rev}.tar.gz";
          # A flake's narHash is the hash builtins.fetchTarball checks.
          sha256 = locked.narHash;
        };
      };
  fromLock = import lockedNixpkgs.src { inherit system; };
  lockDescription = "${lockedNixpkgs.owner}/${lockedNixpkgs.repo} at ${builtins.substring 0 12 lockedNixpkgs.rev}";

  # The project's default.nix, asked whether it exposes `pkgs`: called with no arguments (plus
  # `system` when it takes one) if every argument has a default, then its attribute names are
  # read. Only the names: the value of `pkgs` is not evaluated here.
  defaultNix = project + "/default.nix";
  defaultNixAnswer =
    let
      importing = builtins.tryEval (import defaultNix);
      imported = importing.value;
      isFunction = builtins.isFunction imported;
      formals = if isFunction then builtins.functionArgs imported else { };
      required = builtins.filter (n: !formals.${n}) (builtins.attrNames formals);
      callArgs = if formals ? system then { inherit system; } else { };
      value = if isFunction then imported callArgs else imported;
      exposes = builtins.tryEval (builtins.isAttrs value && value ? pkgs);
    in
    if !builtins.pathExists defaultNix then
      {
        ok = false;
        why = "the project has no default.nix";
      }
    else if !importing.success then
      {
        ok = false;
        why = "default.nix failed to evaluate";
      }
    else if required != [ ] then
      {
        ok = false;
        why = "default.nix needs arguments without defaults (${builtins.concatStringsSep ", " required})";
      }
    else if !exposes.success then
      {
        ok = false;
        why = "default.nix failed to evaluate";
      }
    else if !exposes.value then
      {
        ok = false;
        why = "default.nix has no `pkgs` attribute";
      }
    else
      {
        ok = true;
        pkgs = value.pkgs;
      };

  choose =
    source: reason: pkgs:
    {
      inherit source reason pkgs;
    };

  chosen =
    if nixpkgs == "pinned" then
      choose "pinned" "nixpkgs: pinned: the action's pinned nixpkgs" pinned
    else if nixpkgs == "flake-lock" then
      if lockedNixpkgs == null then
        throw "static-cross: ${projectDir}/flake.lock has no github nixpkgs input"
      else
        choose "flake-lock" "nixpkgs: flake-lock: ${lockDescription} from flake.lock" fromLock
    else if nixpkgs == "default-nix" then
      if !defaultNixAnswer.ok then
        throw "static-cross: nixpkgs: default-nix, but ${defaultNixAnswer.why}"
      else
        choose "default-nix" "nixpkgs: default-nix: the `pkgs` of default.nix" defaultNixAnswer.pkgs
    else if nixpkgs == "auto" then
      if defaultNixAnswer.ok then
        choose "default-nix"
          "nixpkgs: auto: default.nix exposes `pkgs`, so the project's own package set (with its overlays) is used, before flake.lock"
          defaultNixAnswer.pkgs
      else if lockedNixpkgs != null then
        choose "flake-lock"
          "nixpkgs: auto: ${defaultNixAnswer.why}; flake.lock pins ${lockDescription}"
          fromLock
      else
        choose "pinned"
          "nixpkgs: auto: ${defaultNixAnswer.why} and flake.lock has no github nixpkgs input; the action's pinned nixpkgs is used"
          pinned
    else
      choose "path" "nixpkgs: the nixpkgs tree at ${nixpkgs}" (import (/. + nixpkgs) { inherit system; });
in
chosen
// {
  info = {
    inherit (chosen) source reason;
  };
}
