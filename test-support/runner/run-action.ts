import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  evaluateDefault,
  evaluatePostIf,
  inputEnvName,
  readActionMetadata,
  type ActionMetadata,
  type StepStatus
} from './action-metadata.js'
import { stageAction } from './action-staging.js'
import { parseKeyValueFile, parsePathFile, STEP_SUMMARY_LIMIT_BYTES } from './file-commands.js'
import { NODE24_BINARY, REPO_ROOT } from './paths.js'
import type { Services, WorkflowRun } from './services.js'
import {
  applyMasks,
  parseWorkflowCommands,
  type Annotation,
  type LogGroup
} from './workflow-commands.js'

export type StepStage = 'main' | 'post'

export interface RunActionOptions {
  services: Services
  /** Workflow `with:` values, by input name as written in action.yml. */
  inputs?: Record<string, string>
  /** Working directory of the job (GITHUB_WORKSPACE); a fresh empty one when omitted. */
  workspace?: string
  /** Step `env:`; wins over the runner's variables, so it can also set e.g. RUNNER_ARCH. */
  env?: Record<string, string>
  /** Directories put in front of PATH, as if an earlier step had written them to GITHUB_PATH. */
  pathPrepend?: string[]
  /** Run the post step (default true), subject to the action's post-if. */
  post?: boolean
  /** Directory holding action.yml; the repository root by default. */
  actionDir?: string
  /**
   * Run a copy of the action holding only what its repository ships (no node_modules),
   * as a runner does; true by default. Turn off only for fixtures that import packages
   * from this repository's node_modules on purpose.
   */
  isolateAction?: boolean
  /** The run this job belongs to; the services' default run when omitted. */
  run?: WorkflowRun
  jobName?: string
  /** Step id (GITHUB_ACTION). */
  stepId?: string
  /** Kill a step that runs longer than this (default 10 minutes). */
  timeoutMs?: number
  /** Runner tool cache; a fresh empty one per job when omitted, as on hosted runners. */
  toolCache?: string
  /** Step debug logging (RUNNER_DEBUG=1). */
  debug?: boolean
  repository?: string
  ref?: string
  sha?: string
  /** Contents of GITHUB_EVENT_PATH; a minimal push event when omitted. */
  event?: Record<string, unknown>
  /** Start from the test process's environment (minus runner variables); true by default. */
  inheritEnv?: boolean
  /** Live output of the steps, e.g. to echo a demo's log. */
  onOutput?: (stage: StepStage, stream: 'stdout' | 'stderr', text: string) => void
}

export interface StepAnnotation extends Annotation {
  stage: StepStage
}

export interface StepResult {
  stage: StepStage
  conclusion: StepStatus
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  durationMs: number
  stdout: string
  stderr: string
  /** The step's log as a runner shows it: commands rendered, secrets masked. */
  log: string[]
  outputs: Record<string, string>
  /** Variables the step wrote to GITHUB_ENV. */
  exportedEnv: Record<string, string>
  /** Directories the step wrote to GITHUB_PATH. */
  addedPaths: string[]
  /** Pairs the step wrote to GITHUB_STATE. */
  state: Record<string, string>
  summary: string
  summaryTooLarge: boolean
  annotations: StepAnnotation[]
  groups: LogGroup[]
  debug: string[]
  masks: string[]
  /** Malformed file commands; any of them fails the step, as on a runner. */
  fileCommandErrors: string[]
  /** Warnings the runner itself would print for this step. */
  runnerMessages: string[]
  /** The environment the step's process got. */
  env: Record<string, string>
}

export interface ActionRunResult {
  conclusion: StepStatus
  main: StepResult
  /** Undefined when post was not requested, the action has none, or post-if said no. */
  post?: StepResult
  /** Outputs of the main step, as `steps.<id>.outputs` would see them. */
  outputs: Record<string, string>
  annotations: StepAnnotation[]
  /** Both steps' logs, masked. */
  log: string[]
  workspace: string
  /** Where the action ran from (a staged copy unless isolateAction is false). */
  actionDir: string
  runnerTemp: string
  toolCache: string
  run: WorkflowRun
  jobBackendId: string
  githubToken: string
  /** Warnings the runner would print about the workflow itself (unknown inputs...). */
  runnerMessages: string[]
}

const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000
const SCRUBBED_PREFIXES = ['GITHUB_', 'RUNNER_', 'ACTIONS_', 'INPUT_', 'STATE_', 'npm_']
const SCRUBBED_NAMES = new Set([
  'NODE_OPTIONS',
  'NODE_ENV',
  'JEST_WORKER_ID',
  'CI',
  'ImageOS',
  'ImageVersion'
])

function baseEnvironment(inherit: boolean): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (!inherit && !['PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'TERM'].includes(name)) continue
    if (SCRUBBED_NAMES.has(name) || SCRUBBED_PREFIXES.some((prefix) => name.startsWith(prefix)))
      continue
    env[name] = value
  }
  return env
}

function resolveInputs(
  metadata: ActionMetadata,
  given: Record<string, string>,
  githubToken: string,
  messages: string[]
): Record<string, string> {
  const declared = Object.keys(metadata.inputs)
  const unexpected = Object.keys(given).filter(
    (name) => !declared.some((d) => d.toLowerCase() === name.toLowerCase())
  )
  if (unexpected.length > 0) {
    messages.push(
      `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${declared.join("', '")}']`
    )
  }
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(given)) env[inputEnvName(name)] = String(value)
  for (const [name, input] of Object.entries(metadata.inputs)) {
    const givenName = Object.keys(given).find((g) => g.toLowerCase() === name.toLowerCase())
    if (givenName !== undefined) {
      if (input.deprecationMessage) {
        messages.push(
          `Input '${name}' has been deprecated with message: ${input.deprecationMessage}`
        )
      }
      continue
    }
    // The runner does not enforce `required`; an input without a value or default is simply absent.
    if (input.default !== undefined)
      env[inputEnvName(name)] = evaluateDefault(name, input.default, { githubToken })
  }
  return env
}

interface FileCommandPaths {
  GITHUB_OUTPUT: string
  GITHUB_ENV: string
  GITHUB_PATH: string
  GITHUB_STATE: string
  GITHUB_STEP_SUMMARY: string
}

async function createFileCommands(runnerTemp: string): Promise<FileCommandPaths> {
  const dir = path.join(runnerTemp, '_runner_file_commands')
  await mkdir(dir, { recursive: true })
  const file = (prefix: string): string => path.join(dir, `${prefix}_${randomUUID()}`)
  const paths: FileCommandPaths = {
    GITHUB_OUTPUT: file('set_output'),
    GITHUB_ENV: file('set_env'),
    GITHUB_PATH: file('add_path'),
    GITHUB_STATE: file('save_state'),
    GITHUB_STEP_SUMMARY: file('step_summary')
  }
  for (const filePath of Object.values(paths)) await writeFile(filePath, '')
  return paths
}

interface ProcessOutcome {
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  durationMs: number
}

/** Runs one step's script asynchronously: a blocking spawn would starve the in-process services. */
function runNodeScript(
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void
): Promise<ProcessOutcome> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24_BINARY, [script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text
      onOutput('stdout', text)
    })
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text
      onOutput('stderr', text)
    })
    const timer = setTimeout(() => {
      timedOut = true
      // The step runs in its own process group, so its children go down with it.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          child.kill('SIGKILL')
        }
      }
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer)
      resolve({ exitCode, signal, timedOut, stdout, stderr, durationMs: Date.now() - started })
    })
  })
}

async function readText(filePath: string): Promise<string> {
  try {
    return await readFile(filePath, 'utf8')
  } catch {
    return ''
  }
}

interface StepPlan {
  stage: StepStage
  script: string
  cwd: string
  env: Record<string, string>
  timeoutMs: number
  fileCommands: FileCommandPaths
  knownSecrets: string[]
  showDebug: boolean
  onOutput: RunActionOptions['onOutput']
}

async function runStep(plan: StepPlan): Promise<StepResult> {
  const outcome = await runNodeScript(
    plan.script,
    plan.cwd,
    plan.env,
    plan.timeoutMs,
    (stream, text) => plan.onOutput?.(plan.stage, stream, text)
  )
  const outputFile = parseKeyValueFile(await readText(plan.fileCommands.GITHUB_OUTPUT))
  const envFile = parseKeyValueFile(await readText(plan.fileCommands.GITHUB_ENV))
  const stateFile = parseKeyValueFile(await readText(plan.fileCommands.GITHUB_STATE))
  const addedPaths = parsePathFile(await readText(plan.fileCommands.GITHUB_PATH))
  const summary = await readText(plan.fileCommands.GITHUB_STEP_SUMMARY)
  const summaryBytes =
    (await stat(plan.fileCommands.GITHUB_STEP_SUMMARY).catch(() => undefined))?.size ?? 0

  const fromStdout = parseWorkflowCommands(outcome.stdout)
  const fromStderr = parseWorkflowCommands(outcome.stderr)
  const runnerMessages = [...fromStdout.runnerMessages, ...fromStderr.runnerMessages]
  const exportedEnv: Record<string, string> = {}
  for (const [name, value] of Object.entries(envFile.values)) {
    if (name.toUpperCase() === 'NODE_OPTIONS') {
      runnerMessages.push("Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.")
      continue
    }
    exportedEnv[name] = value
  }
  const summaryTooLarge = summaryBytes > STEP_SUMMARY_LIMIT_BYTES
  if (summaryTooLarge) {
    runnerMessages.push(
      `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of ${STEP_SUMMARY_LIMIT_BYTES / 1024}k, got ${Math.ceil(summaryBytes / 1024)}k.`
    )
  }
  const fileCommandErrors = [...outputFile.errors, ...envFile.errors, ...stateFile.errors]
  const masks = [...plan.knownSecrets, ...fromStdout.masks, ...fromStderr.masks]
  const failed = outcome.timedOut || outcome.exitCode !== 0 || fileCommandErrors.length > 0

  return {
    stage: plan.stage,
    conclusion: failed ? 'failure' : 'success',
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    durationMs: outcome.durationMs,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    // Debug lines reach the log only with step debugging on, as on a runner.
    log: [...fromStdout.lines, ...fromStderr.lines]
      .filter((line) => plan.showDebug || !line.startsWith('##[debug]'))
      .map((line) => applyMasks(line, masks)),
    outputs: { ...fromStdout.legacyOutputs, ...outputFile.values },
    exportedEnv,
    addedPaths,
    state: { ...fromStdout.legacyState, ...stateFile.values },
    summary,
    summaryTooLarge,
    annotations: [...fromStdout.annotations, ...fromStderr.annotations].map((a) => ({
      ...a,
      stage: plan.stage
    })),
    groups: [...fromStdout.groups, ...fromStderr.groups],
    debug: [...fromStdout.debug, ...fromStderr.debug],
    masks,
    fileCommandErrors,
    runnerMessages,
    env: plan.env
  }
}

function prependPaths(basePath: string | undefined, added: string[]): string {
  // Each GITHUB_PATH entry goes in front of the ones before it.
  const front = [...added].reverse()
  return [...front, ...(basePath ? [basePath] : [])].join(path.delimiter)
}

function minimalPushEvent(repository: string, ref: string, sha: string): Record<string, unknown> {
  const [owner = 'local', name = 'repo'] = repository.split('/')
  return {
    ref,
    after: sha,
    repository: {
      full_name: repository,
      name,
      owner: { login: owner, name: owner },
      default_branch: 'main'
    },
    sender: { login: 'local-runner', type: 'User' }
  }
}

/**
 * Runs the action's main step and, as the runner does, its post step in a fresh job
 * of a workflow run against the given services.
 */
export async function runAction(options: RunActionOptions): Promise<ActionRunResult> {
  const { services } = options
  const sourceActionDir = options.actionDir ?? REPO_ROOT
  const metadata = await readActionMetadata(sourceActionDir)
  const run = options.run ?? services.defaultRun
  const repository = options.repository ?? 'static-cross/example'
  const ref = options.ref ?? 'refs/heads/main'
  const sha = options.sha ?? randomBytes(20).toString('hex')
  const jobName = options.jobName ?? 'build'
  const timeoutMs = options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS

  const jobRoot = await services.makeTempDir('job-')
  const workspace =
    options.workspace ?? path.join(jobRoot, 'work', repository.split('/')[1] ?? 'repo')
  const runnerTemp = path.join(jobRoot, '_temp')
  const toolCache = options.toolCache ?? path.join(jobRoot, '_tool')
  for (const dir of [workspace, runnerTemp, toolCache]) await mkdir(dir, { recursive: true })
  const eventPath = path.join(runnerTemp, '_github_workflow', 'event.json')
  await mkdir(path.dirname(eventPath), { recursive: true })
  await writeFile(
    eventPath,
    JSON.stringify(options.event ?? minimalPushEvent(repository, ref, sha), null, 2)
  )

  // Where the runner unpacks a downloaded action: _actions/<owner>/<repo>/<ref>.
  const actionDir =
    options.isolateAction === false
      ? sourceActionDir
      : path.join(jobRoot, '_actions', 'local', 'action', 'main')
  if (actionDir !== sourceActionDir) await stageAction(sourceActionDir, actionDir)

  const { jobBackendId, token: runtimeToken } = services.newJobToken(run)
  const githubToken = `ghs_${randomBytes(18).toString('hex')}`
  const runnerMessages: string[] = []
  const inputEnv = resolveInputs(metadata, options.inputs ?? {}, githubToken, runnerMessages)
  const [owner = ''] = repository.split('/')
  const refName = ref.replace(/^refs\/(heads|tags)\//, '')

  const runnerEnv: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: options.stepId ?? '__self',
    GITHUB_ACTOR: 'local-runner',
    GITHUB_ACTOR_ID: '1',
    GITHUB_TRIGGERING_ACTOR: 'local-runner',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    // Must be github.com: with any other host both clients take the GHES code paths.
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: owner,
    GITHUB_REPOSITORY_ID: '1',
    GITHUB_REPOSITORY_OWNER_ID: '1',
    GITHUB_RUN_ID: run.runId,
    GITHUB_RUN_NUMBER: String(run.runNumber),
    GITHUB_RUN_ATTEMPT: String(run.runAttempt),
    GITHUB_JOB: jobName,
    GITHUB_WORKFLOW: 'CI',
    GITHUB_WORKFLOW_REF: `${repository}/.github/workflows/ci.yml@${ref}`,
    GITHUB_WORKFLOW_SHA: sha,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: ref,
    GITHUB_REF_NAME: refName,
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_REF_PROTECTED: 'false',
    GITHUB_BASE_REF: '',
    GITHUB_HEAD_REF: '',
    GITHUB_SHA: sha,
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_WORKSPACE: workspace,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'GitHub Actions 1',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    RUNNER_WORKSPACE: path.dirname(workspace),
    ACTIONS_RUNTIME_TOKEN: runtimeToken,
    ACTIONS_RESULTS_URL: services.resultsUrl,
    ACTIONS_RUNTIME_URL: services.resultsUrl,
    ACTIONS_CACHE_SERVICE_V2: 'True',
    // @actions/http-client reads the lower-case name first.
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...(options.debug ? { RUNNER_DEBUG: '1' } : {})
  }

  const base = baseEnvironment(options.inheritEnv ?? true)
  const jobEnv: Record<string, string> = {}
  const jobPaths: string[] = [...(options.pathPrepend ?? [])]
  const knownSecrets = [githubToken, runtimeToken]

  const stepEnv = (
    fileCommands: FileCommandPaths,
    state: Record<string, string>
  ): Record<string, string> => {
    const env: Record<string, string> = { ...base, ...runnerEnv, ...jobEnv, ...(options.env ?? {}) }
    env['PATH'] = prependPaths(env['PATH'], jobPaths)
    for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value
    return { ...env, ...inputEnv, ...fileCommands }
  }

  const mainFileCommands = await createFileCommands(runnerTemp)
  const main = await runStep({
    stage: 'main',
    script: path.resolve(actionDir, metadata.runs.main),
    cwd: workspace,
    env: stepEnv(mainFileCommands, {}),
    timeoutMs,
    fileCommands: mainFileCommands,
    knownSecrets,
    showDebug: options.debug ?? false,
    onOutput: options.onOutput
  })
  Object.assign(jobEnv, main.exportedEnv)
  jobPaths.push(...main.addedPaths)

  let post: StepResult | undefined
  if (
    (options.post ?? true) &&
    metadata.runs.post &&
    evaluatePostIf(metadata.runs.postIf, main.conclusion)
  ) {
    const postFileCommands = await createFileCommands(runnerTemp)
    post = await runStep({
      stage: 'post',
      script: path.resolve(actionDir, metadata.runs.post),
      cwd: workspace,
      env: stepEnv(postFileCommands, main.state),
      timeoutMs,
      fileCommands: postFileCommands,
      knownSecrets: main.masks,
      showDebug: options.debug ?? false,
      onOutput: options.onOutput
    })
  }

  const steps = post ? [main, post] : [main]
  return {
    conclusion: steps.every((step) => step.conclusion === 'success') ? 'success' : 'failure',
    main,
    post,
    outputs: main.outputs,
    annotations: steps.flatMap((step) => step.annotations),
    log: steps.flatMap((step) => step.log),
    workspace,
    actionDir,
    runnerTemp,
    toolCache,
    run,
    jobBackendId,
    githubToken,
    runnerMessages
  }
}
