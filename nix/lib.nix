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

  # A derivation nixpkgs' generic builder is asked to make with the external interpreter on.
  # NixOS/nixpkgs#445672's builder defaults `enableExternalInterpreter` to
  # `isCross && crossSupport.canProxyTH` and asserts `enableExternalInterpreter -> canProxyTH`,
  # so for a cross set "accepted" means "proxied by default". Only forced to weak head normal
  # form: the builder's own argument checks run, nothing is built, and nothing that the set's
  # packages make (iserv-proxy among them) is evaluated, so the library's overlay can ask this
  # from inside the Haskell package set without a cycle.
  thProbeArgs = {
    pname = "static-cross-th-probe";
    version = "0";
    src = null;
    isLibrary = false;
    isExecutable = true;
    enableExternalInterpreter = true;
  };

  # Does nixpkgs' generic builder itself run TH through a target interpreter for this set?
  # null: the builder predates `enableExternalInterpreter` (or is hidden behind a wrapper
  # without formals), so nixpkgs cannot be asked and version rules decide.
  askNixpkgsProxiesTH =
    hsPkgs:
    if !((functionArgs hsPkgs.mkDerivation) ? enableExternalInterpreter) then
      null
    else
      let
        probe = builtins.tryEval (builtins.seq (hsPkgs.mkDerivation thProbeArgs) true);
      in
      probe.success && probe.value;

  # How Template Haskell splices run for one target with one Haskell package set.
  #   native              the target is the build machine: GHC runs splices itself
  #   nixpkgs-iserv-proxy nixpkgs' generic builder proxies TH to a target interpreter under
  #                       qemu (NixOS/nixpkgs#445672), as a probe derivation shows
  #   library-qemu-iserv  this library's overlay adds a qemu-hosted target iserv
  #   unsupported         no way known to run TH for this combination
  # Version rules (GHC 9.4/9.6 cross compilers stop at Stage1) only decide when nixpkgs cannot
  # be asked, or when it says it does not proxy and the library would have to.
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
      asked = if isCross then askNixpkgsProxiesTH hsPkgs else null;
      builderProxiesTH = asked != null;
      nixpkgsSaysProxied = asked == true;
      emulatorAvailable =
        if hostPlatform ? emulatorAvailable then
          hostPlatform.emulatorAvailable buildPackages
        else
          hostPlatform ? emulator;
      stage1Only = versionAtLeast ghcVersion "9.4" && !(versionAtLeast ghcVersion "9.8");
      path =
        if !isCross then
          "native"
        else if nixpkgsSaysProxied then
          "nixpkgs-iserv-proxy"
        else if stage1Only then
          "unsupported"
        else if !emulatorAvailable then
          "unsupported"
        else
          "library-qemu-iserv";
      reason =
        {
          native = "the target is the build machine; GHC runs splices in its own process";
          nixpkgs-iserv-proxy = "nixpkgs' generic builder accepts a probe derivation with enableExternalInterpreter for this set (NixOS/nixpkgs#445672, GHC ${ghcVersion}), so it runs iserv-proxy plus a target iserv-proxy-interpreter under qemu by default";
          library-qemu-iserv =
            if builderProxiesTH then
              "nixpkgs' generic builder refuses enableExternalInterpreter for this set (GHC ${ghcVersion}): the library overlay adds a qemu-hosted target iserv"
            else
              "nixpkgs' generic builder predates enableExternalInterpreter (NixOS/nixpkgs#445672): the library overlay adds a qemu-hosted target iserv";
          unsupported =
            if stage1Only then
              "GHC ${ghcVersion}: ${
                if builderProxiesTH then "nixpkgs does not proxy TH for this set, and " else ""
              }cross GHC 9.4/9.6 built by Hadrian stops at Stage1 and has no target interpreter for the library overlay; use GHC >= 9.8, a nixpkgs that proxies it, or the emulated strategy"
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
    thProbeArgs
    askNixpkgsProxiesTH
    thDecision
    ;
}
