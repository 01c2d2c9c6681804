# Template Haskell for cross builds on nixpkgs pins that do not proxy it themselves (before
# NixOS/nixpkgs#445672, or a GHC its generic builder does not proxy). Applied to every Haskell
# package set of a cross package set; a set that nixpkgs already handles, or a native one, is
# left untouched, so the overlay is safe to apply unconditionally.
#
#   exclude: package names that must not get the external interpreter (the interpreter's own
#            dependencies are excluded always; nixpkgs does the same for iserv-proxy's in
#            configuration-cross.nix).
{
  exclude ? [ ],
}:
final: prev:
let
  sc = import ./lib.nix;
  inherit (final.stdenv) buildPlatform hostPlatform;
  isCross = buildPlatform != hostPlatform;
  arm32 = hostPlatform.isAarch32 or false;
  # i686 on x86_64: the build machine runs target code without an emulator.
  runsNatively = (buildPlatform.canExecute or (_: false)) hostPlatform;
  emulator = hostPlatform.emulator final.buildPackages;

  hsOverlay =
    hfinal: hprev:
    let
      decision = sc.thDecision {
        # thDecision only reads `nixpkgsCross` (cross or not), `elf.machine` and `notes`.
        target = {
          name = hostPlatform.system;
          nixpkgsCross = if isCross then hostPlatform.config else null;
          elf.machine = if arm32 then 40 else 0;
          notes = "";
        };
        hsPkgs = hprev;
        inherit hostPlatform;
        inherit (final) buildPackages;
      };

      interpreter = hprev.mkDerivation {
        pname = "static-cross-iserv";
        version = "0.1.0";
        src = ./interpreter;
        isLibrary = false;
        isExecutable = true;
        # Boot packages of the cross GHC (null in the set; Cabal finds them in GHC's own db).
        executableHaskellDepends = [
          (hprev.ghci or null)
        ]
        ++ (if sc.versionAtLeast hprev.ghc.version "9.8" then [ ] else [ (hprev.libiserv or null) ]);
        enableLibraryProfiling = false;
        doHaddock = false;
        doCheck = false;
        enableDeadCodeElimination = !arm32;
        license = final.lib.licenses.mit;
        description = "Target-side GHC external interpreter for qemu-hosted Template Haskell";
      };

      wrapper = import ./iserv-wrapper.nix {
        qemu = if runsNatively then null else emulator;
        iserv = "${interpreter}/bin/static-cross-iserv";
        shell = "${final.buildPackages.bash}/bin/bash";
        coreutils = "${final.buildPackages.coreutils}/bin";
        system = buildPlatform.system;
      };

      flags = sc.crossFlags {
        inherit arm32;
        inherit (wrapper) pgmi;
      };

      excluded = [
        "static-cross-iserv"
        "ghci"
        "libiserv"
      ]
      ++ exclude;
    in
    # The attribute names must not depend on the decision: deciding asks this set's builder
    # (a probe derivation, see lib.nix), which needs the set's own attributes such as `ghc`,
    # so a decision-dependent shape would be an infinite recursion. Only the values wait for it.
    if !isCross then
      { }
    else
      {
        static-cross-th = decision;
        static-cross-iserv = interpreter;
        static-cross-iserv-wrapper = wrapper;
        mkDerivation =
          args:
          if !decision.needsOverlay || builtins.elem (args.pname or "") excluded then
            hprev.mkDerivation args
          else
            hprev.mkDerivation (
              args
              // {
                configureFlags = (args.configureFlags or [ ]) ++ flags;
              }
              // (if arm32 then { enableDeadCodeElimination = false; } else { })
            );
      };
in
{
  haskell = prev.haskell // {
    packageOverrides =
      final.lib.composeExtensions (prev.haskell.packageOverrides or (_: _: { })) hsOverlay;
  };
}
