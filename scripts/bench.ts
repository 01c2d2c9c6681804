/**
 * `npm run bench`: where the time goes, side by side with the alternatives users would pick.
 *
 *   npm run bench                          every figure; the report (markdown) on stdout
 *   npm run bench -- --only th,matrix      some figures (th, cold-warm, matrix, overhead, artifacts,
 *                                          streaming, cache-scale, arm64)
 *   npm run bench -- --rounds 5            rounds of every figure (defaults below)
 *   npm run bench -- --write-doc           also write docs/BENCHMARKS.md
 *   npm run bench -- --json out.json       also write every sample as JSON
 *   npm run bench -- --th-modules 20       size of the Template Haskell module set (default 10)
 *   npm run bench -- --cache-sizes 100mb,1gb   closure sizes of the cache-scale figure
 *                                          (default 100mb,1gb,3gb; one round each)
 *   npm run bench -- --arm64-dir DIR       where the arm64 figure unpacks Debian's arm64 GHC
 *                                          (default ~/.cache/static-cross-bench/arm64-ghc)
 *
 * Progress goes to stderr. The benchmark fails only when a run breaks; no figure is a test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startServices, type Services } from '../test-support/runner/index.js'
import { snapshotAction } from '../bench/action-runs.js'
import { benchArm64Ghc } from '../bench/arm64.js'
import { benchArtifacts, type Payload } from '../bench/artifacts.js'
import { benchColdWarm } from '../bench/cold-warm.js'
import { describeMachine, loadAverage } from '../bench/machine.js'
import { benchMatrix } from '../bench/matrix.js'
import { progress } from '../bench/measure.js'
import { removeOfflineNixSettings, StoreLedger } from '../bench/nix-store.js'
import { benchOverhead } from '../bench/overhead.js'
import { renderReport, type BenchReport } from '../bench/report.js'
import { benchCacheScale, CACHE_SIZES, type CacheSize } from '../bench/cache-scale.js'
import { benchStreaming } from '../bench/streaming.js'
import { benchTemplateHaskell } from '../bench/th.js'

const FIGURES = [
  'th',
  'cold-warm',
  'matrix',
  'overhead',
  'artifacts',
  'streaming',
  'cache-scale',
  'arm64'
] as const
type Figure = (typeof FIGURES)[number]
const DEFAULT_ROUNDS: Record<Figure, number> = {
  th: 3,
  'cold-warm': 3,
  matrix: 3,
  overhead: 2,
  artifacts: 3,
  streaming: 2,
  'cache-scale': 1,
  arm64: 1
}

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string' },
    'write-doc': { type: 'boolean', default: false },
    json: { type: 'string' },
    'th-modules': { type: 'string' },
    'cache-sizes': { type: 'string' },
    'arm64-dir': { type: 'string' }
  }
})

const only = (values.only ?? FIGURES.join(',')).split(',').map((f) => f.trim())
for (const figure of only) {
  if (!FIGURES.includes(figure as Figure))
    throw new Error(`unknown figure ${figure}; known: ${FIGURES.join(', ')}`)
}
const wanted = (figure: Figure): boolean => only.includes(figure)
const rounds = (figure: Figure): number =>
  values.rounds ? Number(values.rounds) : DEFAULT_ROUNDS[figure]

const repo = resolve(import.meta.dirname, '..')
const started = Date.now()
const report: BenchReport = {
  machine: describeMachine(),
  startedAt: new Date(started).toISOString(),
  command:
    process.argv.length > 2
      ? `npm run bench -- ${process.argv.slice(2).join(' ')}`
      : 'npm run bench',
  figures: only
}

const ledger = new StoreLedger()
const payloadDir = mkdtempSync(join(tmpdir(), 'bench-payloads-'))
let services: Services | undefined
let actionDir: string | undefined
try {
  if (wanted('th')) {
    report.th = await benchTemplateHaskell({
      repo,
      rounds: rounds('th'),
      size: { modules: Number(values['th-modules'] ?? 10), records: 6, fields: 10 }
    })
  }
  if (wanted('arm64')) {
    report.arm64 = await benchArm64Ghc({
      repo,
      rounds: rounds('arm64'),
      size: { modules: Number(values['th-modules'] ?? 10), records: 6, fields: 10 },
      workDir: values['arm64-dir']
    })
  }
  const needsRunner = FIGURES.filter((f) => f !== 'th' && f !== 'arm64').some(wanted)
  if (needsRunner) {
    progress('starting the local runner services (results service, Azurite)')
    services = await startServices()
    const action = snapshotAction(repo)
    actionDir = action.dir
    report.actionCommit = action.commit
    const common = { services, action, ledger, repo }
    if (wanted('cold-warm'))
      report.coldWarm = await benchColdWarm({ ...common, rounds: rounds('cold-warm') })
    if (wanted('matrix')) report.matrix = await benchMatrix({ ...common, rounds: rounds('matrix') })
    let payloads: Payload[] = []
    if (wanted('overhead') || wanted('artifacts')) {
      // The artifact figure uploads the archives the action made; one round makes them.
      const overhead = await benchOverhead({
        ...common,
        payloadDir,
        rounds: wanted('overhead') ? rounds('overhead') : 1
      })
      if (wanted('overhead')) report.overhead = overhead
      payloads = overhead.payloads
    }
    if (wanted('artifacts'))
      report.artifacts = await benchArtifacts({ services, payloads, rounds: rounds('artifacts') })
    if (wanted('streaming'))
      report.streaming = await benchStreaming({ ...common, rounds: rounds('streaming') })
    if (wanted('cache-scale')) {
      const sizes = (values['cache-sizes'] ?? CACHE_SIZES.join(',')).split(',').map((s) => s.trim())
      for (const size of sizes) {
        if (!CACHE_SIZES.includes(size as CacheSize))
          throw new Error(`unknown cache size ${size}; known: ${CACHE_SIZES.join(', ')}`)
      }
      report.cacheScale = await benchCacheScale({ ...common, sizes: sizes as CacheSize[] })
    }
  }
} finally {
  progress('removing the store paths this benchmark created')
  const cleaned = await ledger.cleanUp()
  report.storeCleanup = cleaned
  await services?.stop()
  removeOfflineNixSettings()
  for (const dir of [payloadDir, actionDir]) if (dir) rmSync(dir, { recursive: true, force: true })
}

report.durationMs = Date.now() - started
report.loadAtEnd = loadAverage()
const markdown = renderReport(report)
process.stdout.write(markdown)
if (values['write-doc']) {
  writeFileSync(join(repo, 'docs', 'BENCHMARKS.md'), markdown)
  progress('wrote docs/BENCHMARKS.md')
}
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2))
progress(`done in ${((Date.now() - started) / 60000).toFixed(1)} min`)
