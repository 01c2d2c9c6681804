/** A loopback HTTP server for Nix installer downloads: serves fixed bytes at one path, 404 elsewhere. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface InstallerServer {
  url(path: string): string
  requests: string[]
  close(): Promise<void>
}

export async function startInstallerServer(
  files: Record<string, Buffer>
): Promise<InstallerServer> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const body = files[req.url ?? '']
    if (body) res.writeHead(200, { 'content-type': 'application/x-xz' }).end(body)
    else res.writeHead(404).end('not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
