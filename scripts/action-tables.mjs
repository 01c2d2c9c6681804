// Prints the README's inputs and outputs tables from action.yml (paste them into README.md;
// a test keeps the two equal).
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const action = parse(readFileSync('action.yml', 'utf8'))
const cell = (text) =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
const code = (text) => (text === '' ? '' : `\`${cell(text)}\``)
console.log('### Inputs\n\n| input | default | description |\n| --- | --- | --- |')
for (const [name, input] of Object.entries(action.inputs)) {
  console.log(`| \`${name}\` | ${code(input.default ?? '')} | ${cell(input.description)} |`)
}
console.log('\n### Outputs\n\n| output | description |\n| --- | --- |')
for (const [name, output] of Object.entries(action.outputs)) {
  console.log(`| \`${name}\` | ${cell(output.description)} |`)
}
