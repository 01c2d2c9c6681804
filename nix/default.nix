# static-cross Nix library: static cross builds per target, with Template Haskell running in a
# target interpreter under qemu-user.
#
#   import ./nix { }                          pinned nixpkgs (nixpkgs-pin.json), host system
#   import ./nix { pkgs = import <nixpkgs> { }; }
#   import ./nix { nixpkgs = <a nixpkgs source tree>; }
#
# Every function also takes `pkgs` explicitly, so one import serves several package sets.
{
  pkgs ? null,
  nixpkgs ? null,
  system ? builtins.currentSystem,
}:
let
  sc = import ./lib.nix;

  pin = builtins.fromJSON (builtins.readFile ./nixpkgs-pin.json);

  # Only fetched when nothing else was given; the hash makes the download reproducible.
  pinnedNixpkgs = builtins.fetchTarball {
    inherit (pin) url sha256;
    name = "nixpkgs-${builtins.substring 0 12 pin.rev}";
  };

  defaultPkgs =
    if pkgs != null then
      pkgs
    else
      import (if nixpkgs != null then nixpkgs else pinnedNixpkgs) { inherit system; };

  overlayWith = import ./overlay.nix;
  overlay = overlayWith { };

  # `pkgs.pkgsCross.<attr>`: the set whose `pkgsStatic` is the cross static set. This is what
  # a PostgREST-shaped expression (`{ pkgs, ... }: ... pkgs.pkgsStatic ...`) must receive.
  crossBaseFor =
    target: pkgs:
    let
      spec = sc.targetSpec target;
    in
    if spec.nixpkgsCross == null then
      pkgs
    else if pkgs ? pkgsCross && pkgs.pkgsCross ? ${spec.nixpkgsCross} then
      pkgs.pkgsCross.${spec.nixpkgsCross}
    else
      throw "static-cross: this nixpkgs has no pkgsCross.${spec.nixpkgsCross} (target ${spec.name})";

  # The static package set that builds for `target` on this machine.
  crossPkgsFor = target: pkgs: (crossBaseFor target pkgs).pkgsStatic;

  # Native build for the target system, for the emulated strategy (binfmt + extra-platforms):
  # same nixpkgs, `localSystem` is the target.
  emulatedBaseFor =
    target: pkgs:
    let
      spec = sc.targetSpec target;
    in
    if spec.nixpkgsCross == null then
      pkgs
    else
      import pkgs.path {
        localSystem = spec.system;
        inherit (pkgs) overlays config;
      };

  baseFor =
    {
      target,
      pkgs,
      strategy ? "cross",
    }:
    if strategy == "emulated" then
      emulatedBaseFor target pkgs
    else if strategy == "cross" then
      crossBaseFor target pkgs
    else
      throw "static-cross: unknown strategy '${strategy}' (cross, emulated)";

  # The Haskell set: native-bignum (no GMP, as PostgREST ships) when nixpkgs has it.
  haskellSetFor =
    staticPkgs: ghc:
    let
      hs = staticPkgs.haskell;
      nb = hs.packages.native-bignum or { };
      name = if ghc == null then sc.ghcAttrName staticPkgs.haskellPackages.ghc.version else ghc;
    in
    if nb ? ${name} then
      nb.${name}
    else if hs.packages ? ${name} then
      hs.packages.${name}
    else if ghc == null then
      staticPkgs.haskellPackages
    else
      throw "static-cross: no Haskell package set '${ghc}' in this nixpkgs";

  # Is TH for this target proxied by nixpkgs itself, by this library's overlay, or not at all?
  thStrategy =
    {
      pkgs ? defaultPkgs,
      target,
      ghc ? null,
    }:
    let
      staticPkgs = crossPkgsFor target pkgs;
      decision = sc.thDecision {
        inherit target;
        hsPkgs = haskellSetFor staticPkgs ghc;
        inherit (staticPkgs.stdenv) hostPlatform;
        inherit (staticPkgs) buildPackages;
      };
    in
    decision
    // {
      ghc = if ghc == null then sc.ghcAttrName decision.ghcVersion else ghc;
    };

  # pkgs with the TH overlay when some set needs it; the overlay gates itself per Haskell set,
  # so adding it to a set that does not need it changes nothing.
  withTHSupport = pkgs: if pkgs ? appendOverlays then pkgs.appendOverlays [ overlay ] else pkgs;

  # Call a PostgREST-shaped expression (`nix/static.nix`: `{ pkgs, ... }` using
  # `pkgs.pkgsStatic`) with the cross set, so its `pkgs.pkgsStatic` builds for `target`.
  fromExpression =
    {
      file,
      target,
      pkgs ? defaultPkgs,
      strategy ? "cross",
      args ? { },
      attr ? null,
      src ? null,
      name ? null,
    }:
    let
      f = import file;
      base = baseFor {
        inherit target strategy;
        pkgs = if strategy == "cross" then withTHSupport pkgs else pkgs;
      };
      offered =
        {
          pkgs = base;
        }
        // (if src == null then { } else { inherit src; })
        // (if name == null then { } else { inherit name; })
        // args;
      formals = builtins.functionArgs f;
      result =
        if !builtins.isFunction f && !(f ? __functor) then
          f
        else if formals == { } then
          f offered
        else
          f (builtins.intersectAttrs formals offered);
      isDrv = v: builtins.isAttrs v && (v.type or null) == "derivation";
      drvNames = builtins.filter (n: isDrv result.${n}) (builtins.attrNames result);
      selectPath =
        path: v:
        builtins.foldl' (acc: n: acc.${n}) v (builtins.filter builtins.isString (builtins.split "\\." path));
    in
    if attr != null then
      selectPath attr result
    else if isDrv result then
      result
    else if builtins.isAttrs result && builtins.length drvNames == 1 then
      result.${builtins.head drvNames}
    else
      throw "static-cross: ${toString file} gives ${
        if builtins.isAttrs result then "several derivations (${builtins.concatStringsSep ", " drvNames})" else "no derivation"
      }; choose one with `attr`";

  # A cabal package built with callCabal2nix in the cross static Haskell set.
  fromCabalPackage =
    {
      src,
      name,
      target,
      ghc ? null,
      pkgs ? defaultPkgs,
      strategy ? "cross",
    }:
    let
      base = baseFor {
        inherit target strategy;
        pkgs = if strategy == "cross" then withTHSupport pkgs else pkgs;
      };
      staticPkgs = base.pkgsStatic;
      hs = haskellSetFor staticPkgs ghc;
    in
    staticPkgs.haskell.lib.justStaticExecutables (hs.callCabal2nix name src { });

  # { <target> = f <target>; } over all targets, or over `only`.
  perTarget =
    f:
    {
      only ? builtins.attrNames sc.targets,
    }:
    builtins.listToAttrs (
      map (t: {
        name = t;
        value = f t;
      }) only
    );
in
{
  inherit (sc)
    targets
    targetSpec
    crossFlagsFor
    ghcAttrName
    ;
  inherit
    pin
    crossBaseFor
    crossPkgsFor
    emulatedBaseFor
    haskellSetFor
    thStrategy
    fromExpression
    fromCabalPackage
    perTarget
    overlay
    overlayWith
    ;
  pkgs = defaultPkgs;
  iservWrapper = import ./iserv-wrapper.nix;
  # Spelling kept for callers of the first draft of this interface.
  isevWrapper = import ./iserv-wrapper.nix;
}
