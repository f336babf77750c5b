// A k6 script for the demo API (npm run demo-api). perf-gate runs it with
//   uses: org/perf-gate@v1
//   with: { script: examples/scripts/shop.js }
// and BASE_URL pointing at the API.
import http from 'k6/http'
import { check, group, sleep } from 'k6'

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:3000'
// The latency objective, overridable to show a failing gate: P95_MS=1
const P95_MS = Number(__ENV.P95_MS || 200)

export const options = {
  scenarios: {
    browse: {
      executor: 'constant-arrival-rate',
      rate: 20,
      timeUnit: '1s',
      duration: '10s',
      preAllocatedVUs: 5,
      maxVUs: 20,
      exec: 'browse'
    },
    buy: {
      executor: 'constant-vus',
      vus: 2,
      duration: '10s',
      exec: 'buy'
    }
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${P95_MS}`, 'p(99)<400'],
    'http_req_duration{name:GET /api/products/:id}': ['p(95)<100'],
    checks: ['rate>0.99']
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']
}

export function setup() {
  const res = http.get(`${BASE}/health`)
  if (res.status !== 200) {
    throw new Error(
      `${BASE}/health answered ${res.status}: is the demo API running?`
    )
  }
}

export function browse() {
  group('catalog', () => {
    const id = Math.floor(Math.random() * 1000)
    const res = http.get(`${BASE}/api/products/${id}`, {
      tags: { name: 'GET /api/products/:id' }
    })
    check(res, {
      'status is 200': (r) => r.status === 200,
      'has id': (r) => r.json('id') === id
    })
  })
}

export function buy() {
  const res = http.post(
    `${BASE}/api/orders`,
    JSON.stringify({
      customer_id: `c_${__VU}_${__ITER}`,
      items: [{ sku: 'A', quantity: 1 }]
    }),
    {
      headers: { 'Content-Type': 'application/json' },
      tags: { name: 'POST /api/orders' }
    }
  )
  check(res, {
    'status is 201': (r) => r.status === 201,
    'has order_id': (r) => typeof r.json('order_id') === 'string'
  })
  sleep(0.5)
}
