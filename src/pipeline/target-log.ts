/**
 * Logs of targets that run at the same time. A target's detail (its build log, its checks) is
 * kept until the target finishes and printed in target order, so groups never interleave and
 * read as they did when targets ran one stage at a time; one-line progress notes print at once.
 * Every line says which target it belongs to.
 */
import * as core from '@actions/core'
import { printUntrusted } from '../report/untrusted-log.js'

type Entry =
  | { kind: 'group'; title: string }
  | { kind: 'end' }
  | { kind: 'line'; text: string }
  | { kind: 'untrusted'; text: string }

export class TargetLog {
  private readonly entries: Entry[] = []
  readonly prefix: string

  constructor(readonly target: string) {
    this.prefix = `[${target}] `
  }

  /** Printed now: the target's progress while others still run. */
  progress(message: string): void {
    core.info(this.prefix + message)
  }

  /** A folded section of the target's detail. */
  group(title: string, body: () => void): void {
    this.entries.push({ kind: 'group', title })
    try {
      body()
    } finally {
      this.entries.push({ kind: 'end' })
    }
  }

  info(text: string): void {
    this.entries.push({ kind: 'line', text })
  }

  /** Text the action did not write (build logs, smoke output): shown, never obeyed. */
  untrusted(text: string): void {
    this.entries.push({ kind: 'untrusted', text })
  }

  print(): void {
    for (const entry of this.entries) {
      if (entry.kind === 'group') core.startGroup(entry.title)
      else if (entry.kind === 'end') core.endGroup()
      else if (entry.kind === 'line') core.info(prefixLines(entry.text, this.prefix))
      else printUntrusted(entry.text, this.prefix)
    }
    this.entries.length = 0
  }
}

export function prefixLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n')
}

/** Prints each finished target's log once every target before it has printed. */
export class OrderedLogs {
  private readonly finished = new Map<string, TargetLog>()
  private next = 0

  constructor(private readonly order: readonly string[]) {}

  finish(log: TargetLog): void {
    this.finished.set(log.target, log)
    for (;;) {
      const target = this.order[this.next]
      const ready = target === undefined ? undefined : this.finished.get(target)
      if (!ready) return
      ready.print()
      this.finished.delete(ready.target)
      this.next += 1
    }
  }
}
