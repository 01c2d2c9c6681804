/**
 * What a run without secrets (typically a pull request from a fork) goes without, said once as
 * notices, so a green build never hides a weaker set-up. Pure apart from the notices.
 */
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import type { Inputs } from '../inputs/index.js'

/** Whether the event is a pull request whose head lives in another repository (a fork). */
export function isForkPullRequest(env: NodeJS.ProcessEnv): boolean {
  if (
    !['pull_request', 'pull_request_target'].includes(env.GITHUB_EVENT_NAME ?? '') ||
    !env.GITHUB_EVENT_PATH
  )
    return false
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: {
        head?: { repo?: { fork?: boolean; full_name?: string } }
        base?: { repo?: { full_name?: string } }
      }
    }
    const head = event.pull_request?.head?.repo
    return (
      head?.fork === true ||
      (head?.full_name !== undefined &&
        head.full_name !== event.pull_request?.base?.repo?.full_name)
    )
  } catch {
    return false
  }
}

export function skippedFeatures(
  inputs: Pick<Inputs, 'githubToken' | 'cache' | 'cacheSigningKey'>,
  env: NodeJS.ProcessEnv
): string[] {
  const skipped: string[] = []
  if (isForkPullRequest(env)) {
    skipped.push(
      'pull request from a fork: repository secrets are not passed to this run, so what needs them is skipped as noted.'
    )
  }
  if (inputs.githubToken === '') {
    skipped.push(
      'no github-token: Nix fetches from GitHub without authentication (lower rate limits; private repositories cannot be fetched).'
    )
  }
  if (inputs.cache && inputs.cacheSigningKey === '') {
    skipped.push(
      "no cache-signing-key: the binary cache is saved unsigned and trusted on restore as this repository's own Actions cache."
    )
  }
  return skipped
}

export function reportSkippedFeatures(inputs: Inputs, env: NodeJS.ProcessEnv = process.env): void {
  for (const message of skippedFeatures(inputs, env))
    core.notice(message, { title: 'static-cross: skipped' })
}
