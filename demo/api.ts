/**
 * A small shop API for the demo and the examples: products, orders that are
 * confirmed asynchronously, a slow and a flaky endpoint, and optional auth.
 * It listens on 127.0.0.1 only.
 *
 *   npm run demo-api            # PORT (default 3000)
 *
 * Auth is off unless DEMO_API_TOKEN is set; then /api/* wants
 * `Authorization: Bearer $DEMO_API_TOKEN` or a token from POST /oauth/token
 * (client credentials DEMO_CLIENT_ID / DEMO_CLIENT_SECRET, default demo/demo).
 */
import { randomUUID } from 'node:crypto'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

export interface DemoApi {
  url: string
  close(): Promise<void>
}

export interface DemoApiOptions {
  port?: number
  /** Require this bearer token on /api/* (or one issued by /oauth/token). */
  token?: string
  clientId?: string
  clientSecret?: string
  /** Milliseconds before a new order is confirmed. */
  confirmAfterMs?: number
  /**
   * The delay a response is given, from the request's URL and the
   * endpoint's own: a service whose speed drifts (the paired A/B test).
   */
  delay?: (url: URL, delayMs: number) => number
}

interface Order {
  order_id: string
  customer_id: string
  items: { sku: string; quantity: number }[]
  status: 'pending' | 'confirmed'
  created_at: number
  confirmed_at?: string
}

const MAX_ORDERS = 50_000
const PRODUCTS = 10_000

export async function startDemoApi(
  options: DemoApiOptions = {}
): Promise<DemoApi> {
  const confirmAfterMs = options.confirmAfterMs ?? 150
  const orders = new Map<string, Order>()
  const issuedTokens = new Map<string, number>()
  const clientId = options.clientId ?? 'demo'
  const clientSecret = options.clientSecret ?? 'demo'

  const authorised = (req: http.IncomingMessage): boolean => {
    if (!options.token) return true
    const header = req.headers.authorization ?? ''
    const token = header.startsWith('Bearer ') ? header.slice(7) : ''
    if (token === options.token) return true
    const expires = issuedTokens.get(token)
    return expires !== undefined && expires > Date.now()
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      const url = new URL(req.url ?? '/', 'http://demo')
      const route = `${req.method} ${url.pathname}`
      const send = (status: number, data: unknown, ownMs = 0): void => {
        const delayMs = options.delay ? options.delay(url, ownMs) : ownMs
        const write = (): void => {
          res.writeHead(status, { 'content-type': 'application/json' })
          res.end(JSON.stringify(data))
        }
        if (delayMs > 0) setTimeout(write, delayMs)
        else write()
      }

      if (route === 'GET /health') return send(200, { status: 'ok' })

      if (route === 'POST /oauth/token') {
        const form = new URLSearchParams(body)
        if (
          form.get('grant_type') !== 'client_credentials' ||
          form.get('client_id') !== clientId ||
          form.get('client_secret') !== clientSecret
        ) {
          return send(401, { error: 'invalid_client' })
        }
        const token = randomUUID()
        const expiresIn = 300
        issuedTokens.set(token, Date.now() + expiresIn * 1000)
        return send(200, {
          access_token: token,
          token_type: 'Bearer',
          expires_in: expiresIn,
          scope: form.get('scope') ?? ''
        })
      }

      if (url.pathname.startsWith('/api/') && !authorised(req)) {
        return send(401, { error: 'unauthorized' })
      }

      if (route === 'GET /api/status')
        return send(200, { status: 'ok', orders: orders.size })

      let match = /^GET \/api\/products\/(\d+)$/.exec(route)
      if (match) {
        const id = Number(match[1])
        if (id >= PRODUCTS) return send(404, { error: 'no such product' })
        return send(
          200,
          {
            id,
            name: `Product ${id}`,
            price: ((id * 37) % 5000) / 100,
            stock: id % 17
          },
          jitter(1, 6)
        )
      }

      if (route === 'GET /api/products') {
        const page = Math.max(1, Number(url.searchParams.get('page')) || 1)
        const items = Array.from({ length: 20 }, (_, i) => ({
          id: (page - 1) * 20 + i,
          name: `Product ${(page - 1) * 20 + i}`
        }))
        return send(200, { page, items }, jitter(2, 10))
      }

      if (route === 'POST /api/orders') {
        let input: { customer_id?: unknown; items?: unknown }
        try {
          input = JSON.parse(body)
        } catch {
          return send(400, { error: 'body must be JSON' })
        }
        if (
          typeof input.customer_id !== 'string' ||
          !Array.isArray(input.items)
        ) {
          return send(400, {
            error: 'customer_id (string) and items (array) are required'
          })
        }
        const order: Order = {
          order_id: randomUUID(),
          customer_id: input.customer_id,
          items: input.items as Order['items'],
          status: 'pending',
          created_at: Date.now()
        }
        orders.set(order.order_id, order)
        if (orders.size > MAX_ORDERS) {
          orders.delete(orders.keys().next().value as string)
        }
        return send(
          201,
          { order_id: order.order_id, status: order.status },
          jitter(2, 8)
        )
      }

      match = /^GET \/api\/orders\/([\w-]+)$/.exec(route)
      if (match) {
        const order = orders.get(match[1])
        if (!order) return send(404, { error: 'no such order' })
        if (
          order.status === 'pending' &&
          Date.now() - order.created_at >= confirmAfterMs
        ) {
          order.status = 'confirmed'
          order.confirmed_at = new Date().toISOString()
        }
        const { created_at: _created, ...visible } = order
        return send(200, visible, jitter(1, 4))
      }

      if (route === 'GET /slow')
        return send(200, { slow: true }, jitter(20, 60))

      if (route === 'GET /flaky') {
        return Math.random() < 0.1
          ? send(500, { error: 'flaky failure' })
          : send(200, { ok: true }, jitter(1, 5))
      }

      send(404, { error: `no route for ${route}` })
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function jitter(minMs: number, maxMs: number): number {
  return minMs + Math.random() * (maxMs - minMs)
}

// `npm run demo-api`: serve until interrupted.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT ?? 3000)
  const api = await startDemoApi({
    port,
    token: process.env.DEMO_API_TOKEN,
    clientId: process.env.DEMO_CLIENT_ID,
    clientSecret: process.env.DEMO_CLIENT_SECRET
  })
  console.log(
    `demo API listening on ${api.url} (auth ${process.env.DEMO_API_TOKEN ? 'on' : 'off'})`
  )
  const stop = (): void => {
    void api.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
