/**
 * The targets input and the per-target strategy overrides. Targets are only the names in
 * src/targets.ts; a friendly spelling such as arm64 earns a hint, never a silent mapping.
 */
import { TARGETS, TARGET_NAMES } from '../targets.js'
import { InputError, parseChoice, parseList, show } from './parse.js'

export const STRATEGIES = ['cross', 'emulated'] as const
export type Strategy = (typeof STRATEGIES)[number]

/** Friendly spellings people write for a target, offered as a hint, never accepted silently. */
const TARGET_ALIASES: Record<string, string> = {
  amd64: 'x86_64-linux',
  x86_64: 'x86_64-linux',
  'x86-64': 'x86_64-linux',
  arm64: 'aarch64-linux',
  aarch64: 'aarch64-linux',
  armhf: 'armv7l-linux',
  armv7: 'armv7l-linux',
  armv7l: 'armv7l-linux',
  armv6: 'armv6l-linux',
  armv6l: 'armv6l-linux',
  riscv64: 'riscv64-linux',
  ppc64le: 'powerpc64le-linux',
  s390x: 's390x-linux',
  i386: 'i686-linux',
  i686: 'i686-linux',
  x86: 'i686-linux'
}

export function parseTargets(value: string): string[] {
  const targets = parseList('targets', value, { spaces: true })
  if (targets.length === 0) {
    throw new InputError(
      'targets',
      `targets is empty; give one or more of: ${TARGET_NAMES.join(', ')}`
    )
  }
  const seen = new Set<string>()
  for (const target of targets) {
    if (!TARGETS.has(target)) {
      const alias = TARGET_ALIASES[target.toLowerCase()]
      const hint = alias ? ` (did you mean ${alias}?)` : ''
      throw new InputError(
        'targets',
        `targets names an unknown target ${show(target)}${hint}; valid targets: ${TARGET_NAMES.join(', ')}`
      )
    }
    if (seen.has(target)) {
      throw new InputError('targets', `targets lists ${target} twice; list each target once`)
    }
    seen.add(target)
  }
  return targets
}

export function parseStrategyOverrides(
  value: string,
  targets: readonly string[]
): Record<string, Strategy> {
  const overrides: Record<string, Strategy> = {}
  for (const entry of parseList('strategy-overrides', value, { spaces: true })) {
    const match = /^([^=]+)=([^=]+)$/.exec(entry)
    if (!match) {
      throw new InputError(
        'strategy-overrides',
        `strategy-overrides entry ${show(entry)} is not target=strategy (e.g. armv6l-linux=emulated)`
      )
    }
    const [, target, strategy] = match as unknown as [string, string, string]
    if (!targets.includes(target)) {
      throw new InputError(
        'strategy-overrides',
        `strategy-overrides names ${show(target)}, which is not among the targets (${targets.join(', ')})`
      )
    }
    if (target in overrides) {
      throw new InputError(
        'strategy-overrides',
        `strategy-overrides gives ${target} twice; give each target once`
      )
    }
    overrides[target] = parseChoice('strategy-overrides', strategy, STRATEGIES)
  }
  return overrides
}
