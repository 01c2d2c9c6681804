/**
 * Artifact uploads, raw (skipArchive: what the action does with each archive) against zipped
 * (the @actions/artifact default, what upload-artifact did before it could skip the zip), with
 * the real client against the local runner's artifact service (Azurite as the blob store).
 * One step of test-support/fixtures/bench-upload uploads every payload both ways, the order of
 * the two alternating from round to round; only the client call is timed.
 */
import { fileURLToPath } from 'node:url'
import { runAction, type Services } from '../test-support/runner/index.js'
import { progress, summarise, type Summary } from './measure.js'

export const UPLOAD_ACTION_DIR = fileURLToPath(
  new URL('../test-support/fixtures/bench-upload/', import.meta.url)
)

export interface Payload {
  name: string
  path: string
  bytes: number
}

export interface ArtifactPayloadResult {
  payload: string
  fileBytes: number
  rawBytes: number
  zipBytes: number
  raw: Summary
  zip: Summary
}

export interface ArtifactsResult {
  rounds: number
  payloads: ArtifactPayloadResult[]
}

interface Timing {
  name: string
  mode: 'raw' | 'zip'
  ms: number
  bytes: number | null
}

export async function benchArtifacts(options: {
  services: Services
  payloads: readonly Payload[]
  rounds: number
}): Promise<ArtifactsResult> {
  const uploads: { name: string; file: string; mode: 'raw' | 'zip'; payload: string }[] = []
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, payload] of options.payloads.entries()) {
      const modes: ('raw' | 'zip')[] = (round + i) % 2 === 0 ? ['raw', 'zip'] : ['zip', 'raw']
      for (const mode of modes) {
        uploads.push({
          name: `bench-${payload.name}-${mode}-r${round}`,
          file: payload.path,
          mode,
          payload: payload.name
        })
      }
    }
  }
  progress(`artifacts: ${uploads.length} uploads in one step (${options.rounds} round(s))`)
  const run = await runAction({
    services: options.services,
    run: options.services.newRun(),
    actionDir: UPLOAD_ACTION_DIR,
    isolateAction: false,
    post: false,
    inputs: {
      uploads: JSON.stringify(uploads.map(({ name, file, mode }) => ({ name, file, mode })))
    }
  })
  if (run.conclusion !== 'success') {
    throw new Error(`artifact upload benchmark step failed:\n${run.log.slice(-30).join('\n')}`)
  }
  const timings = JSON.parse(run.main.outputs.timings ?? '[]') as Timing[]
  const byName = new Map(timings.map((t) => [t.name, t]))
  return {
    rounds: options.rounds,
    payloads: options.payloads.map((payload) => {
      const of = (mode: 'raw' | 'zip') =>
        uploads
          .filter((u) => u.payload === payload.name && u.mode === mode)
          .map((u) => byName.get(u.name)!)
      const raw = of('raw')
      const zip = of('zip')
      return {
        payload: payload.name,
        fileBytes: payload.bytes,
        rawBytes: raw[0]?.bytes ?? 0,
        zipBytes: zip[0]?.bytes ?? 0,
        raw: summarise(raw.map((t) => t.ms)),
        zip: summarise(zip.map((t) => t.ms))
      }
    })
  }
}
