/**
 * Every step of the repository's workflows and examples that uses this action gets past the
 * bundled action's own validation and planning: each `with:` (matrix values filled in, unset
 * secrets empty, as on GitHub) is run by the local runner as a dry run in a workspace shaped
 * like the project the workflow builds. A misspelled value, a missing expression file or an
 * input the action does not take fails here, not on a release day.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { runAction, startServices, type Services } from '../../test-support/runner/index.js'

interface Step {
  uses?: string
  with?: Record<string, unknown>
}
interface Job {
  strategy?: { matrix?: Record<string, unknown> }
  steps?: Step[]
}

/** Each combination a job's matrix gives (axes multiplied; `include` entries as they are). */
function matrixCombinations(matrix: Record<string, unknown> | undefined): Record<string, string>[] {
  if (!matrix) return [{}]
  const { include, ...axes } = matrix as { include?: Record<string, string>[] }
  let combinations: Record<string, string>[] = [{}]
  for (const [axis, values] of Object.entries(axes)) {
    combinations = combinations.flatMap((c) =>
      (values as unknown[]).map((v) => ({ ...c, [axis]: String(v) }))
    )
  }
  const hasAxes = Object.keys(axes).length > 0
  return [...(hasAxes ? combinations : []), ...(include ?? [])]
}

/** A `with:` value as GitHub would pass it for that combination. */
function evaluate(value: string, matrix: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_whole, expression: string) => {
    const matrixKey = /^matrix\.([\w-]+)$/.exec(expression)
    if (matrixKey) return matrix[matrixKey[1] as string] ?? ''
    if (/^secrets\.\w+$/.test(expression)) return '' // an unset secret is empty
    if (/^github\.run_(id|attempt)$/.test(expression)) return '1'
    throw new Error(`no value here for the expression ${expression}`)
  })
}

interface ActionStep {
  name: string
  inputs: Record<string, string>
}

function actionSteps(file: string): ActionStep[] {
  const workflow = parse(readFileSync(file, 'utf8')) as { jobs: Record<string, Job> }
  return Object.entries(workflow.jobs).flatMap(([jobName, job]) =>
    matrixCombinations(job.strategy?.matrix).flatMap((matrix) =>
      (job.steps ?? [])
        .filter((step) => /^(\.\/|postgrest\/static-cross@)/.test(step.uses ?? ''))
        .map((step) => ({
          name: `${file} ${jobName} ${JSON.stringify(matrix)}`,
          inputs: Object.fromEntries(
            Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), matrix)])
          )
        }))
    )
  )
}

const workflowFiles = ['.github/workflows', 'examples/workflows'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(dir, f))
)
const steps = workflowFiles.flatMap(actionSteps)

/** The project a workflow builds: this repository's examples, or a PostgREST-shaped one. */
function workspaceFor(inputs: Record<string, string>, root: string): string {
  const workspace = mkdtempSync(join(root, 'workspace-'))
  const projectDir = inputs['project-dir'] ?? '.'
  if (projectDir.startsWith('examples/')) {
    cpSync('examples', join(workspace, 'examples'), { recursive: true })
  } else {
    cpSync('test-support/fixtures/postgrest-shaped', join(workspace, projectDir), {
      recursive: true
    })
  }
  return workspace
}

let services: Services
let root: string
beforeAll(async () => {
  services = await startServices()
  root = mkdtempSync(join(tmpdir(), 'workflow-steps-'))
}, 120000)
afterAll(async () => {
  await services?.stop()
  rmSync(root, { recursive: true, force: true })
})

test('the workflows use the action in many shapes', () => {
  // e2e (7 jobs, one with a 2-target matrix), postgrest (8), examples.
  expect(steps.length).toBeGreaterThanOrEqual(20)
})

test.each(steps.map((step) => [step.name, step.inputs] as const))(
  '%s plans as a dry run',
  async (_name, inputs) => {
    const run = await runAction({
      services,
      inputs: { ...inputs, 'dry-run': 'true' },
      workspace: workspaceFor(inputs, root),
      post: false
    })
    const errors = run.main.annotations.filter((a) => a.level === 'error')
    expect(errors.map((e) => e.message)).toEqual([])
    expect(run.runnerMessages).toEqual([])
    expect(run.main.conclusion).toBe('success')
    expect(JSON.parse(run.outputs['plan'] ?? '{}')).toHaveProperty('targets')
  }
)
