/**
 * Lints every workflow the repository holds or shows (see test-support/workflow-lint) and
 * prints each finding; exits 1 when there is one. `npm run lint:workflows`.
 */
import { formatFinding, lintRepositoryWorkflows } from '../test-support/workflow-lint/index.js'

const { workflows, findings } = await lintRepositoryWorkflows(process.cwd())
for (const finding of findings) console.log(formatFinding(finding))
console.log(`${workflows.length} workflows linted, ${findings.length} findings`)
process.exitCode = findings.length === 0 ? 0 : 1
