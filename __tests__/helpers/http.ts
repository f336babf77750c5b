import * as http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: Buffer
}

export type Handler = (
  request: RecordedRequest,
  response: http.ServerResponse
) => void | Promise<void>

export interface LoopbackServer {
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 that records every request (body
 * included) before handing it to `handler`.
 */
export async function startServer(handler: Handler): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks)
      }
      requests.push(request)
      Promise.resolve(handler(request, res)).catch((error: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(`test server error: ${error.message}`)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {}
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/**
 * A service under test that is up: 200 and `{}` to every request, so a
 * profile's health check passes before k6 (the stand-in) runs.
 */
export function upService(): Promise<LoopbackServer> {
  return startServer((_request, res) => sendJson(res, 200, {}))
}
