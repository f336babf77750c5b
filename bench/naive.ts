/**
 * The reference implementation the analyser is measured against: readline
 * and JSON.parse on every line, collecting the same figures with the same
 * histograms. Correct and simple; what a first version would be.
 */
import * as fs from 'node:fs'
import { createInterface } from 'node:readline'
import { LatencyRecorder } from '../src/results/latency.js'

export async function naiveAnalyse(file: string): Promise<{
  requests: number
  failures: number
  p95: number
  p99: number
  endpoints: number
}> {
  const latency = new LatencyRecorder(50_000)
  const endpoints = new Map<string, LatencyRecorder>()
  const buckets = new Map<number, LatencyRecorder>()
  const checks = new Map<string, { passes: number; fails: number }>()
  let requests = 0
  let failures = 0
  let t0: number | undefined
  const lines = createInterface({
    input: fs.createReadStream(file, { highWaterMark: 1 << 20 }),
    crlfDelay: Infinity
  })
  for await (const line of lines) {
    if (!line) continue
    let row: {
      type: string
      metric: string
      data: { time: string; value: number; tags?: Record<string, string> }
    }
    try {
      row = JSON.parse(line)
    } catch {
      continue
    }
    if (row.type !== 'Point') continue
    const tags = row.data.tags ?? {}
    if (row.metric === 'http_req_duration') {
      requests++
      if (tags.expected_response === 'false') failures++
      latency.record(row.data.value)
      const name = tags.name ?? ''
      let e = endpoints.get(name)
      if (!e) endpoints.set(name, (e = new LatencyRecorder(5_000)))
      e.record(row.data.value)
      const t = Date.parse(row.data.time)
      t0 ??= t
      const second = Math.floor((t - t0) / 1000)
      let b = buckets.get(second)
      if (!b) buckets.set(second, (b = new LatencyRecorder(0, 2)))
      b.record(row.data.value)
    } else if (row.metric === 'checks') {
      const c = checks.get(tags.check ?? '') ?? { passes: 0, fails: 0 }
      if (row.data.value) c.passes++
      else c.fails++
      checks.set(tags.check ?? '', c)
    }
  }
  return {
    requests,
    failures,
    p95: latency.percentile(95),
    p99: latency.percentile(99),
    endpoints: endpoints.size
  }
}
