import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'

export interface ActionInput {
  description?: string
  required?: boolean
  default?: string
  deprecationMessage?: string
}

export interface ActionMetadata {
  name: string
  inputs: Record<string, ActionInput>
  runs: {
    using: string
    main: string
    post?: string
    /** Defaults to `always()` as on a runner. */
    postIf: string
  }
}

/** The only runtime GitHub-hosted runners offer JavaScript actions now. */
export const SUPPORTED_RUNTIME = 'node24'

export async function readActionMetadata(actionDir: string): Promise<ActionMetadata> {
  const file = path.join(actionDir, 'action.yml')
  const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown> | null
  if (!doc || typeof doc !== 'object') throw new Error(`${file}: not a YAML mapping`)
  const runs = doc['runs'] as Record<string, unknown> | undefined
  if (!runs || typeof runs !== 'object') throw new Error(`${file}: no runs section`)
  if (runs['using'] !== SUPPORTED_RUNTIME) {
    throw new Error(
      `${file}: runs.using is ${String(runs['using'])}; this runner only runs ${SUPPORTED_RUNTIME} actions`
    )
  }
  if (runs['pre'] !== undefined)
    throw new Error(`${file}: runs.pre is not supported by this runner`)
  if (typeof runs['main'] !== 'string') throw new Error(`${file}: runs.main is missing`)

  const inputs: Record<string, ActionInput> = {}
  const rawInputs = (doc['inputs'] ?? {}) as Record<string, Record<string, unknown> | null>
  for (const [name, spec] of Object.entries(rawInputs)) {
    const input: ActionInput = {}
    if (spec?.['description'] !== undefined) input.description = String(spec['description'])
    if (spec?.['required'] !== undefined) input.required = Boolean(spec['required'])
    // YAML may type a default as a number or boolean; the runner hands it over as text.
    if (spec?.['default'] !== undefined && spec['default'] !== null)
      input.default = String(spec['default'])
    if (spec?.['deprecationMessage'] !== undefined)
      input.deprecationMessage = String(spec['deprecationMessage'])
    inputs[name] = input
  }

  return {
    name: String(doc['name'] ?? path.basename(actionDir)),
    inputs,
    runs: {
      using: SUPPORTED_RUNTIME,
      main: runs['main'],
      post: typeof runs['post'] === 'string' ? runs['post'] : undefined,
      postIf: typeof runs['post-if'] === 'string' ? runs['post-if'] : 'always()'
    }
  }
}

export interface ExpressionContext {
  githubToken: string
}

const EXPRESSION = /\$\{\{(.*?)\}\}/g

/**
 * Evaluates the expressions an input default may hold. Only `github.token` is known
 * here; anything else would silently become a wrong value, so it is refused.
 */
export function evaluateDefault(
  inputName: string,
  value: string,
  context: ExpressionContext
): string {
  return value.replace(EXPRESSION, (whole, inner: string) => {
    const expression = inner.trim()
    if (expression === 'github.token' || expression === "github['token']")
      return context.githubToken
    throw new Error(
      `input ${inputName}: default ${whole} is an expression this runner cannot evaluate`
    )
  })
}

/** `INPUT_<NAME>` exactly as the runner builds it: spaces to `_`, upper case, dashes kept. */
export function inputEnvName(inputName: string): string {
  return `INPUT_${inputName.replace(/ /g, '_').toUpperCase()}`
}

export type StepStatus = 'success' | 'failure'

/** Evaluates a `post-if` condition against how main went. */
export function evaluatePostIf(condition: string, mainStatus: StepStatus): boolean {
  const normalized = condition.replace(/^\$\{\{(.*)\}\}$/s, '$1').trim()
  switch (normalized) {
    case 'always()':
      return true
    case 'success()':
      return mainStatus === 'success'
    case 'failure()':
      return mainStatus === 'failure'
    case 'cancelled()':
      return false
    case '!cancelled()':
      return true
    default:
      throw new Error(`post-if: ${condition} is a condition this runner cannot evaluate`)
  }
}
