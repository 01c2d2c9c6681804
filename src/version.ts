/** The action's own version: part of the binary cache key, since a new version may build differently. */
import manifest from '../package.json' with { type: 'json' }

export const ACTION_VERSION: string = manifest.version
