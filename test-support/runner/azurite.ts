import { spawn, type ChildProcess } from 'node:child_process'
import { AZURITE_BLOB_BIN } from './paths.js'

export interface AzuriteProcess {
  /** e.g. http://127.0.0.1:41234 */
  origin: string
  port: number
  stop(): Promise<void>
}

const LISTENING = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/

/** Starts Azurite's blob service on a free loopback port and waits until it listens. */
export async function startAzuriteBlob(
  location: string,
  startTimeoutMs = 30_000
): Promise<AzuriteProcess> {
  const child = spawn(
    process.execPath,
    [
      AZURITE_BLOB_BIN,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--location',
      location,
      '--disableTelemetry',
      // Current SDKs send an API version newer than Azurite knows; without this every call is a 400.
      '--skipApiVersionCheck',
      '--silent'
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )

  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`Azurite did not start within ${startTimeoutMs} ms:\n${output}`))
    }, startTimeoutMs)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = LISTENING.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Azurite exited with ${code} before listening:\n${output}`))
    })
  })
  // Keep draining its output so a chatty Azurite never blocks on a full pipe.
  child.stdout?.resume()
  child.stderr?.resume()

  return { origin: `http://127.0.0.1:${port}`, port, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(killTimer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
