/**
 * Records what each reliability case checked and what it saw, one JSON file per suite under
 * reliability-results/, from which scripts/reliability-report.ts writes docs/RELIABILITY.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface ReliabilityCase {
  /** What the case is, in a few words. */
  name: string
  /** The hostile input or injected fault. */
  input: string
  /** What the action must do. */
  expected: string
  /** What it did, as the test saw it (or the assertion that failed). */
  observed: string
  held: boolean
}

export interface ReliabilitySuite {
  suite: string
  title: string
  cases: ReliabilityCase[]
}

export const RESULTS_DIR = join(process.cwd(), 'reliability-results')

export interface CaseRecorder {
  /**
   * Runs a case's checks: `check` throws (a failed expect) when the case does not hold, and
   * returns what it observed when it does. Either way the case is recorded, and a failure is
   * rethrown so the test fails too.
   */
  check(
    name: string,
    input: string,
    expected: string,
    check: () => Promise<string> | string
  ): Promise<void>
  /** Writes reliability-results/<suite>.json; call in afterAll. */
  write(): void
}

// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  // Jest's matcher messages carry colour codes and long diffs; keep the gist.
  return text
    .replace(ANSI_COLOUR, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 4)
    .join(' / ')
    .slice(0, 400)
}

export function caseRecorder(suite: string, title: string): CaseRecorder {
  const cases: ReliabilityCase[] = []
  return {
    async check(name, input, expected, check) {
      try {
        const observed = await check()
        cases.push({ name, input, expected, observed, held: true })
      } catch (error) {
        cases.push({
          name,
          input,
          expected,
          observed: `NOT HELD: ${firstLine(error)}`,
          held: false
        })
        throw error
      }
    },
    write() {
      mkdirSync(RESULTS_DIR, { recursive: true })
      const result: ReliabilitySuite = { suite, title, cases }
      writeFileSync(join(RESULTS_DIR, `${suite}.json`), `${JSON.stringify(result, null, 2)}\n`)
    }
  }
}

/** Shows a value in a table cell: control and invisible characters escaped, long values cut. */
export function describeValue(value: string, max = 90): string {
  const shown = JSON.stringify(value)
    .slice(1, -1)
    .replace(
      /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    )
  return shown.length > max ? `${shown.slice(0, max - 3)}... (${value.length} chars)` : shown
}
