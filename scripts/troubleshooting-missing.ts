/**
 * Lists the error messages in src/ that docs/TROUBLESHOOTING.md does not explain yet, with
 * where each is raised (`…` marks a part known only at run time). Exits 1 when there is one.
 * `npm run troubleshooting:missing`.
 */
import { readFileSync } from 'node:fs'
import { messageText, missingFromPage } from '../test-support/error-messages/index.js'

const root = process.cwd()
const missing = missingFromPage(root, readFileSync('docs/TROUBLESHOOTING.md', 'utf8'))
for (const message of missing) console.log(`${message.where}\n  ${messageText(message)}`)
console.log(`${missing.length} messages missing from docs/TROUBLESHOOTING.md`)
process.exitCode = missing.length === 0 ? 0 : 1
