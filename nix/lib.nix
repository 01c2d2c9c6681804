# Pure helpers of the static-cross Nix library: no nixpkgs needed, so they are evaluated and
# tested on machines without one (see __tests__/nix). Everything nixpkgs-specific is reached
# through the package sets passed in.
let
  targets = builtins.fromJSON (builtins.readFile ./targets.json);

  knownTargets = builtins.concatStringsSep ", " (builtins.attrNames targets);

  targetSpec =
    name:
    if builtins.isAttrs name then
      name
    else if targets ? ${name} then
      targets.${name} // { inherit name; }
    else
      throw "static-cross: unknown target '${toString name}'; known targets: ${knownTargets}";

  versionAtLeast = v: min: builtins.compareVersions v min >= 0;

  # lib.functionArgs, which also sees through functors such as lib.makeOverridable's result
  # (haskellPackages.mkDerivation is one).
  functionArgs =
    f:
    if f ? __functor then
      f.__functionArgs or (functionArgs (f.__functor f))
    else if builtins.isFunction f then
      builtins.functionArgs f
    else
      { };

  # ELF e_machine 40 = EM_ARM: the 32-bit ARM targets, which need split sections off.
  isArm32 = spec: spec.elf.machine == 40;

  # The haskell.packages attribute for a GHC version: "9.12.3" -> "ghc9123".
  ghcAttrName = version: "ghc" + builtins.concatStringsSep "" (builtins.splitVersion version);

  # Flags the library adds to every Haskell derivation when it proxies Template Haskell itself.
  crossFlags =
    { arm32, pgmi }:
    map (opt: "--ghc-option=${opt}") [
      "-fexternal-interpreter"
      "-pgmi"
      pgmi
      # The static (musl) interpreter loads .a archives with GHC's own linker; position
      # independent code keeps their relocations in range wherever qemu maps them.
      "-fPIC"
      "-optc-fPIC"
    ]
    # ARM32 GHC is LLVM-only and its RTS linker cannot load split-section objects
    # (haskell.nix overlays/linux-cross.nix does the same).
    ++ (if arm32 then [ "--disable-split-sections" ] else [ ]);

  crossFlagsFor =
    { target, pgmi }:
    crossFlags {
      arm32 = isArm32 (targetSpec target);
      inherit pgmi;
    };

  # How Template Haskell splices run for one target with one Haskell package set.
  #   native              the target is the build machine: GHC runs splices itself
  #   nixpkgs-iserv-proxy nixpkgs' generic builder already proxies TH to a target interpreter
  #                       under qemu (NixOS/nixpkgs#445672, GHC >= 9.8)
  #   library-qemu-iserv  this library's overlay adds a qemu-hosted target iserv
  #   unsupported         no way known to run TH for this combination
  thDecision =
    {
      target,
      hsPkgs,
      hostPlatform ? { },
      buildPackages ? { },
    }:
    let
      spec = targetSpec target;
      isCross = spec.nixpkgsCross != null;
      ghcVersion = hsPkgs.ghc.version;
      builderProxiesTH = (functionArgs hsPkgs.mkDerivation) ? enableExternalInterpreter;
      emulatorAvailable =
        if hostPlatform ? emulatorAvailable then
          hostPlatform.emulatorAvailable buildPackages
        else
          hostPlatform ? emulator;
      stage1Only = versionAtLeast ghcVersion "9.4" && !(versionAtLeast ghcVersion "9.8");
      path =
        if !isCross then
          "native"
        else if stage1Only then
          "unsupported"
        else if !emulatorAvailable then
          "unsupported"
        else if builderProxiesTH && versionAtLeast ghcVersion "9.8" then
          "nixpkgs-iserv-proxy"
        else
          "library-qemu-iserv";
      reason =
        {
          native = "the target is the build machine; GHC runs splices in its own process";
          nixpkgs-iserv-proxy = "nixpkgs' generic-builder.nix has enableExternalInterpreter (NixOS/nixpkgs#445672) and GHC ${ghcVersion} >= 9.8: iserv-proxy plus a target iserv-proxy-interpreter under qemu";
          library-qemu-iserv =
            if builderProxiesTH then
              "nixpkgs proxies TH only for GHC >= 9.8, this set has GHC ${ghcVersion}: the library overlay adds a qemu-hosted target iserv"
            else
              "nixpkgs' generic-builder.nix predates enableExternalInterpreter (NixOS/nixpkgs#445672): the library overlay adds a qemu-hosted target iserv";
          unsupported =
            if stage1Only then
              "GHC ${ghcVersion}: cross GHC 9.4/9.6 built by Hadrian stops at Stage1 and has no target interpreter; use GHC >= 9.8 or the emulated strategy"
            else
              "nixpkgs has no emulator for ${spec.system}; use the emulated strategy";
        }
        .${path};
    in
    {
      target = spec.name or target;
      inherit
        path
        reason
        isCross
        ghcVersion
        builderProxiesTH
        emulatorAvailable
        ;
      nixpkgsProxiesTH = path == "nixpkgs-iserv-proxy";
      needsOverlay = path == "library-qemu-iserv";
      splitSections = !(isArm32 spec);
      notes = spec.notes;
    };
in
{
  inherit
    targets
    targetSpec
    versionAtLeast
    functionArgs
    isArm32
    ghcAttrName
    crossFlags
    crossFlagsFor
    thDecision
    ;
}
