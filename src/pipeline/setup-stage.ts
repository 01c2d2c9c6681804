/**
 * Setup stage: a usable, configured Nix; qemu registered with binfmt_misc for emulated
 * targets; the binary cache restored and registered as a substituter. What post needs to
 * undo or save is written to state here.
 */
import * as core from '@actions/core'
import { cacheKey, hashLockFiles } from '../cache/key.js'
import {
  BINARY_CACHE_PATH,
  binaryCacheDir,
  restoreBinaryCache,
  type RestoreBinaryCacheResult
} from '../cache/restore.js'
import type { Inputs } from '../inputs/index.js'
import { registerQemu, type BinfmtRegistration } from '../nix/binfmt.js'
import { assertNixCanBuild } from '../nix/build-users.js'
import { configureNix, userConfFilePath } from '../nix/config.js'
import { installNix, type NixInstallation } from '../nix/install.js'
import { runnerTemp } from '../paths.js'
import type { BuildPlan } from '../plan.js'
import { State } from '../state.js'
import { TARGETS, type TargetSpec } from '../targets.js'
import { ACTION_VERSION } from '../version.js'

export interface BinaryCacheState {
  cacheDir: string
  cachePath: string
  key: string
  cacheHit: RestoreBinaryCacheResult['cacheHit']
  snapshotFile: string
  signingKeyFile?: string
  maxSizeBytes: number
  strict: boolean
}

export interface SetupResult {
  nix: NixInstallation
  cache: RestoreBinaryCacheResult | null
}

/** Commands that change the machine need sudo when the runner user is not root. */
export function needsSudo(): boolean {
  return typeof process.getuid === 'function' && process.getuid() !== 0
}

function emulatedSpecs(plan: BuildPlan): TargetSpec[] {
  return plan.targets
    .filter((t) => t.strategy === 'emulated')
    .flatMap((t) => TARGETS.get(t.target) ?? [])
}

export async function setUp(
  inputs: Inputs,
  plan: BuildPlan,
  workspace: string
): Promise<SetupResult> {
  const nix = await core.group('Nix', () =>
    installNix({ installer: inputs.nixInstaller ?? undefined, install: inputs.installNix })
  )
  core.info(
    `Nix ${nix.version} (${nix.source === 'installed' ? 'installed by static-cross' : 'already on the runner'}) in ${nix.binDir}`
  )

  const emulated = emulatedSpecs(plan)
  if (emulated.length > 0) {
    const registration: BinfmtRegistration = await core.group(
      'Registering qemu with binfmt_misc',
      () => registerQemu(emulated, { sudo: needsSudo() })
    )
    core.saveState(State.Binfmt, JSON.stringify(registration))
  }

  const userConfFile = userConfFilePath(runnerTemp())
  await core.group('Nix configuration', () =>
    configureNix({
      owned: nix.source === 'installed',
      daemon: nix.daemon,
      userConfFile,
      substituters: inputs.substituters,
      trustedPublicKeys: inputs.trustedPublicKeys,
      extraPlatforms: plan.extraPlatforms,
      githubToken: inputs.githubToken || undefined,
      extraConfig: inputs.extraNixConfig
    })
  )

  // Once, with the action's settings in effect: a Nix that cannot build at all is one error
  // here, not the same failure for every target.
  await assertNixCanBuild()

  if (!inputs.cache) {
    core.info('cache: false - the binary cache is neither restored nor saved')
    return { nix, cache: null }
  }
  // The strategies in use and the user's cache-key pick the cache; targets and lock files
  // are separate key parts that restore keys can drop.
  const strategies = [...new Set(plan.targets.map((t) => t.strategy))].sort()
  const keys = cacheKey({
    runnerOs: process.env.RUNNER_OS ?? 'Linux',
    runnerArch: process.env.RUNNER_ARCH ?? 'X64',
    lockHash: await hashLockFiles(`${workspace}/${plan.projectDir}`),
    targets: plan.targets.map((t) => t.target),
    strategy: [...strategies, inputs.cacheKey].filter((part) => part !== '').join('+'),
    actionVersion: ACTION_VERSION
  })
  const cacheDir = binaryCacheDir()
  const restored = await restoreBinaryCache({
    cacheDir,
    cachePath: BINARY_CACHE_PATH,
    key: keys.key,
    restoreKeys: keys.restoreKeys,
    signingKey: inputs.cacheSigningKey || undefined,
    userConfFile,
    tempDir: runnerTemp(),
    strict: inputs.cacheStrict
  })
  const state: BinaryCacheState = {
    cacheDir,
    cachePath: BINARY_CACHE_PATH,
    key: keys.key,
    cacheHit: restored.cacheHit,
    snapshotFile: restored.snapshotFile,
    signingKeyFile: restored.signingKeyFile,
    maxSizeBytes: inputs.cacheMaxSizeBytes,
    strict: inputs.cacheStrict
  }
  core.saveState(State.BinaryCache, JSON.stringify(state))
  return { nix, cache: restored }
}
