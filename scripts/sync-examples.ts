/**
 * Rewrites every Markdown yaml block marked `<!-- example: path -->` with the file it names,
 * so the README shows exactly the linted examples. `npm run examples:sync`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = process.cwd()
const MARKED_BLOCK = /(<!-- example: (\S+) -->\n```ya?ml\n)[\s\S]*?(```)/g

for (const file of ['README.md']) {
  const path = join(ROOT, file)
  const before = readFileSync(path, 'utf8')
  const after = before.replace(
    MARKED_BLOCK,
    (_whole, open: string, example: string, close: string) => {
      const included = join(ROOT, example)
      if (!existsSync(included))
        throw new Error(`${file} includes ${example}, which does not exist`)
      return `${open}${readFileSync(included, 'utf8')}${close}`
    }
  )
  if (after !== before) {
    writeFileSync(path, after)
    console.log(`${file}: examples brought up to date`)
  }
}
