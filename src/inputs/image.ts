/**
 * The `image-*` inputs: what the multi-platform OCI image holds and how it runs. Read only
 * when `image: true`; each value is checked here so a bad one stops the run before any build.
 */
import { imagePathParts } from '../image/layer.js'
import { type ImageReference, parseImageReference } from '../image/registry.js'
import { InputError, checkCommon, parseBoolean, parseList, show } from './parse.js'

export interface ImageInputs {
  /** Absolute path of the executable inside the image; null means `/bin/<executable>`. */
  path: string | null
  user: string
  /** Empty means the executable itself. */
  entrypoint: string[]
  cmd: string[]
  /** Normalised to `<port>/<tcp|udp>`. */
  exposedPorts: string[]
  labels: Record<string, string>
  /** Names the layout's index carries (`org.opencontainers.image.ref.name`). */
  tags: string[]
  /** Registry references to push the index to; empty means no push. */
  push: ImageReference[]
  /** Credentials for the push; empty means the github-token for ghcr.io, none elsewhere. */
  pushUsername: string
  pushPassword: string
}

const USER = /^[0-9]{1,10}(:[0-9]{1,10})?$/
const PORT = /^([0-9]{1,5})(\/(tcp|udp|sctp))?$/
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/
// The tag grammar of the OCI distribution spec.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/

function parseWords(input: string, value: string): string[] {
  checkCommon(input, value, false)
  return value.split(/\s+/).filter((word) => word !== '')
}

export function parseImageInputs(
  raw: (name: string) => string,
  version: string
): ImageInputs | null {
  if (!parseBoolean('image', raw('image'))) return null

  const pathValue = checkCommon('image-path', raw('image-path'), false)
  let path: string | null = null
  if (pathValue !== '') {
    try {
      imagePathParts(pathValue)
    } catch (error) {
      throw new InputError('image-path', `image-path: ${(error as Error).message}`)
    }
    path = pathValue
  }

  const user = checkCommon('image-user', raw('image-user'), false)
  if (!USER.test(user)) {
    throw new InputError(
      'image-user',
      `image-user ${show(user)} must be a numeric user id or uid:gid such as 1000 (an image without /etc/passwd knows no user names)`
    )
  }

  const exposedPorts = parseList('image-ports', raw('image-ports'), { spaces: true }).map(
    (port) => {
      const m = PORT.exec(port)
      const number = m ? Number(m[1]) : 0
      if (!m || number < 1 || number > 65535) {
        throw new InputError(
          'image-ports',
          `image-ports entry ${show(port)} is not a port such as 3000, 3000/tcp or 53/udp (1-65535)`
        )
      }
      return `${number}/${m[3] ?? 'tcp'}`
    }
  )

  const labels: Record<string, string> = {}
  // One label a line: values may hold commas.
  const labelLines = checkCommon('image-labels', raw('image-labels'), true).split(/\r?\n/)
  for (const entry of labelLines.map((l) => l.trim()).filter((l) => l !== '')) {
    const eq = entry.indexOf('=')
    const key = eq < 0 ? entry : entry.slice(0, eq).trim()
    if (eq < 0 || !LABEL_KEY.test(key)) {
      throw new InputError(
        'image-labels',
        `image-labels line ${show(entry)} is not key=value with a key such as org.opencontainers.image.licenses`
      )
    }
    labels[key] = entry.slice(eq + 1).trim()
  }

  const tagValue = raw('image-tags')
  const tags = tagValue === '' ? [version] : parseList('image-tags', tagValue, { spaces: true })
  for (const tag of tags) {
    if (!TAG.test(tag)) {
      throw new InputError(
        'image-tags',
        `image-tags entry ${show(tag)} is not a tag: letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'`
      )
    }
  }

  const push = parseList('image-push', raw('image-push'), { spaces: true }).map((value) => {
    const reference = parseImageReference(value)
    if (!reference) {
      throw new InputError(
        'image-push',
        `image-push entry ${show(value)} is not a registry reference such as ghcr.io/owner/name:tag (registry host, lower-case repository, tag)`
      )
    }
    return reference
  })
  const pushUsername = checkCommon('image-push-username', raw('image-push-username'), false)
  const pushPassword = checkCommon('image-push-password', raw('image-push-password'), false)
  if ((pushUsername === '') !== (pushPassword === '')) {
    throw new InputError(
      pushUsername === '' ? 'image-push-username' : 'image-push-password',
      'image-push-username and image-push-password go together: set both, or neither to use the github-token for ghcr.io'
    )
  }

  return {
    push,
    pushUsername,
    pushPassword,
    path,
    user,
    entrypoint: parseWords('image-entrypoint', raw('image-entrypoint')),
    cmd: parseWords('image-cmd', raw('image-cmd')),
    exposedPorts: [...new Set(exposedPorts)],
    labels,
    tags: [...new Set(tags)]
  }
}
