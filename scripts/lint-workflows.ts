/**
 * Lints every workflow the repository holds or shows, and its shell scripts (see
 * test-support/workflow-lint), and prints each finding; exits 1 when there is one.
 * `npm run lint:workflows`.
 */
import {
  formatFinding,
  lintRepositoryWorkflows,
  lintShellScripts
} from '../test-support/workflow-lint/index.js'

const { workflows, findings } = await lintRepositoryWorkflows(process.cwd())
const shell = lintShellScripts(process.cwd())
findings.push(...shell.findings)
for (const finding of findings) console.log(formatFinding(finding))
console.log(
  `${workflows.length} workflows and ${shell.scripts.length} shell scripts linted, ${findings.length} findings`
)
process.exitCode = findings.length === 0 ? 0 : 1
