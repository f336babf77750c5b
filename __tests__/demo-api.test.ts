import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startDemoApi, type DemoApi } from '../demo/api.js'

describe('the demo API', () => {
  let api: DemoApi
  beforeAll(async () => {
    api = await startDemoApi({ confirmAfterMs: 50 })
  })
  afterAll(() => api.close())

  it('answers the health check and serves products', async () => {
    expect((await fetch(`${api.url}/health`)).status).toBe(200)
    const product = await fetch(`${api.url}/api/products/42`)
    expect(product.status).toBe(200)
    expect(await product.json()).toMatchObject({ id: 42, name: 'Product 42' })
    expect((await fetch(`${api.url}/api/products/999999`)).status).toBe(404)
  })

  it('confirms an order asynchronously', async () => {
    const created = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customer_id: 'c1',
        items: [{ sku: 'A', quantity: 1 }]
      })
    })
    expect(created.status).toBe(201)
    const { order_id: id, status } = (await created.json()) as {
      order_id: string
      status: string
    }
    expect(status).toBe('pending')
    await new Promise((resolve) => setTimeout(resolve, 80))
    const order = await fetch(`${api.url}/api/orders/${id}`)
    expect(await order.json()).toMatchObject({
      order_id: id,
      status: 'confirmed'
    })
  })

  it('rejects an order without the required fields', async () => {
    const response = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      body: '{}'
    })
    expect(response.status).toBe(400)
  })

  it('/flaky fails about one request in ten', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 400 }, () =>
        fetch(`${api.url}/flaky`).then((r) => r.status)
      )
    )
    const failures = statuses.filter((s) => s === 500).length
    expect(failures).toBeGreaterThan(10)
    expect(failures).toBeLessThan(90)
  })
})

describe('the demo API with auth', () => {
  let api: DemoApi
  beforeAll(async () => {
    api = await startDemoApi({
      token: 'demo-token',
      clientId: 'app',
      clientSecret: 's3cret'
    })
  })
  afterAll(() => api.close())

  it('wants the bearer token on /api/*, not on /health', async () => {
    expect((await fetch(`${api.url}/health`)).status).toBe(200)
    expect((await fetch(`${api.url}/api/products/1`)).status).toBe(401)
    const ok = await fetch(`${api.url}/api/products/1`, {
      headers: { authorization: 'Bearer demo-token' }
    })
    expect(ok.status).toBe(200)
  })

  it('issues tokens for OAuth2 client credentials', async () => {
    const denied = await fetch(`${api.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'app',
        client_secret: 'wrong'
      })
    })
    expect(denied.status).toBe(401)
    const granted = await fetch(`${api.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'app',
        client_secret: 's3cret'
      })
    })
    const { access_token: token, expires_in: expiresIn } =
      (await granted.json()) as {
        access_token: string
        expires_in: number
      }
    expect(expiresIn).toBeGreaterThan(0)
    const ok = await fetch(`${api.url}/api/status`, {
      headers: { authorization: `Bearer ${token}` }
    })
    expect(ok.status).toBe(200)
  })
})
