/**
 * The reference implementation the analyser is measured against: readline
 * and JSON.parse on every line, collecting the same figures in
 * hdr-histogram-js's HdrHistograms. Correct and simple; what a first
 * version would be.
 */
import * as fs from 'node:fs'
import { createInterface } from 'node:readline'
import * as hdr from 'hdr-histogram-js'

/** Latency in whole microseconds, up to an hour. */
function histogram(digits: 2 | 3): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: digits
  })
}

function recordMs(h: hdr.Histogram, ms: number): void {
  h.recordValue(Math.min(3_600_000_000, Math.max(1, Math.round(ms * 1000))))
}

export async function naiveAnalyse(file: string): Promise<{
  requests: number
  failures: number
  p95: number
  p99: number
  endpoints: number
}> {
  const latency = histogram(3)
  const endpoints = new Map<string, hdr.Histogram>()
  const buckets = new Map<number, hdr.Histogram>()
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
      recordMs(latency, row.data.value)
      const name = tags.name ?? ''
      let e = endpoints.get(name)
      if (!e) endpoints.set(name, (e = histogram(3)))
      recordMs(e, row.data.value)
      const t = Date.parse(row.data.time)
      t0 ??= t
      const second = Math.floor((t - t0) / 1000)
      let b = buckets.get(second)
      if (!b) buckets.set(second, (b = histogram(2)))
      recordMs(b, row.data.value)
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
    p95: latency.getValueAtPercentile(95) / 1000,
    p99: latency.getValueAtPercentile(99) / 1000,
    endpoints: endpoints.size
  }
}
