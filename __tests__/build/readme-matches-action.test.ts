/** The README's inputs and outputs tables are documentation users trust: keep them equal to action.yml. */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
}

const action = parse(readFileSync('action.yml', 'utf8')) as ActionYml
const readme = readFileSync('README.md', 'utf8')

/** Rows of the markdown table that follows a heading, as arrays of cells. */
function tableAfter(heading: string): string[][] {
  const start = readme.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README.md has no heading ${heading}`)
  const rows: string[][] = []
  for (const line of readme.slice(start + heading.length + 2).split('\n')) {
    if (line.trim() === '' && rows.length === 0) continue
    if (!line.startsWith('|')) break
    rows.push(
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim())
    )
  }
  return rows.slice(2)
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '').replace(/\\\|/g, '|')

test('the inputs table lists every input of action.yml with its default, in order', () => {
  const rows = tableAfter('### Inputs')
  expect(rows.map((row) => unquote(row[0] as string))).toEqual(Object.keys(action.inputs))
  for (const row of rows) {
    const input = action.inputs[unquote(row[0] as string)]
    expect(unquote(row[1] as string)).toBe(input?.default ?? '')
  }
})

test('the outputs table lists every output of action.yml, in order', () => {
  const rows = tableAfter('### Outputs')
  expect(rows.map((row) => unquote(row[0] as string))).toEqual(Object.keys(action.outputs))
})
