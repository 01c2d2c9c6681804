import { buildTargets, lastLines } from '../../src/pipeline/build-stage.js'
import type { PlannedTarget } from '../../src/plan.js'

const target = (name: string) => ({ target: name }) as PlannedTarget

describe('buildTargets', () => {
  test('one failing or throwing target does not stop the others, and each keeps its own result', async () => {
    const results = await buildTargets(
      [target('a'), target('b'), target('c'), target('d')],
      async (t) => {
        if (t.target === 'b')
          return {
            ok: false,
            outPaths: [],
            log: 'line 1\nerror: b is broken',
            error: 'nix build failed'
          }
        if (t.target === 'c') throw new Error('nix is not on PATH')
        return { ok: true, outPaths: [`/nix/store/x-${t.target}`], log: '' }
      },
      2
    )
    expect(results.map((r) => [r.target, r.ok, r.outPath])).toEqual([
      ['a', true, '/nix/store/x-a'],
      ['b', false, null],
      ['c', false, null],
      ['d', true, '/nix/store/x-d']
    ])
    expect(results[1]?.error).toBe(
      'nix build failed; the log ends with:\nline 1\nerror: b is broken'
    )
    expect(results[2]?.error).toBe('nix is not on PATH')
  })

  test('never runs more builds at once than asked', async () => {
    let running = 0
    let most = 0
    await buildTargets(
      ['a', 'b', 'c', 'd', 'e'].map(target),
      async () => {
        running += 1
        most = Math.max(most, running)
        await new Promise((resolve) => setTimeout(resolve, 20))
        running -= 1
        return { ok: true, outPaths: ['/nix/store/x'], log: '' }
      },
      2
    )
    expect(most).toBe(2)
  })

  test('a build that claims success without an output path failed', async () => {
    const [result] = await buildTargets(
      [target('a')],
      async () => ({ ok: true, outPaths: [], log: '' }),
      1
    )
    expect(result).toMatchObject({ ok: false, error: 'the build produced no output path' })
  })
})

test('lastLines keeps the end of a log', () => {
  expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc')
})
