/**
 * Debian's docker-registry (the CNCF distribution registry) on a loopback port for push tests:
 * plain HTTP, storage in a temporary directory, and optionally htpasswd (Basic) authentication
 * with one user, whose bcrypt hash bcryptjs makes.
 */
import bcrypt from 'bcryptjs'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface LoopbackRegistry {
  /** host:port, e.g. `127.0.0.1:40123`. */
  host: string
  stop(): Promise<void>
}

/** A port nothing listens on right now: for the registry, or for an unreachable one. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export async function startRegistry(
  options: {
    user?: { username: string; password: string }
    /** The registry's maintenance mode: it serves pulls and rejects every upload. */
    readOnly?: boolean
  } = {}
): Promise<LoopbackRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-'))
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  const config = join(dir, 'config.yml')
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      ...(options.readOnly ? ['  maintenance:', '    readonly:', '      enabled: true'] : []),
      'http:',
      `  addr: ${host}`,
      ...(options.user
        ? ['auth:', '  htpasswd:', '    realm: test', `    path: ${join(dir, 'htpasswd')}`]
        : []),
      ''
    ].join('\n')
  )
  if (options.user) {
    const hash = bcrypt.hashSync(options.user.password, 4)
    writeFileSync(join(dir, 'htpasswd'), `${options.user.username}:${hash}\n`)
  }
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
  const deadline = Date.now() + 20000
  for (;;) {
    try {
      const response = await fetch(`http://${host}/v2/`)
      // 401 is a registry that is up and asks for the credentials it was configured with.
      if (response.status === (options.user ? 401 : 200)) break
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill()
      throw new Error(`docker-registry did not start on ${host}: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    host,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill()
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
