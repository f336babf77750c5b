/**
 * The reference implementation the analyser is measured against: readline
 * and JSON.parse on every line, collecting the same figures in
 * hdr-histogram-js's HdrHistograms. Correct and simple; what a first
 * version would be. With `exact`, it also keeps every latency and gives
 * k6's own percentiles per endpoint and check counts: the oracle the tests
 * hold the analyser to (__tests__/oracle.test.ts).
 */
import * as fs from 'node:fs'
import { createInterface } from 'node:readline'
import * as zlib from 'node:zlib'
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

/** k6's figures of a group of latencies, from every sample. */
export interface ExactFigures {
  requests: number
  failures: number
  avg: number
  min: number
  max: number
  p50: number
  p90: number
  p95: number
  p99: number
}

export interface NaiveResult {
  requests: number
  failures: number
  p95: number
  p99: number
  endpoints: number
  /** With `exact`: k6's percentiles overall, by `name` and by `scenario`. */
  exact?: {
    overall: ExactFigures
    endpoints: Record<string, ExactFigures>
    scenarios: Record<string, ExactFigures>
    checks: Record<string, { passes: number; fails: number }>
  }
}

interface Group {
  samples: number[]
  failures: number
}

export async function naiveAnalyse(
  file: string,
  options: { exact?: boolean } = {}
): Promise<NaiveResult> {
  const latency = histogram(3)
  const endpoints = new Map<string, hdr.Histogram>()
  const buckets = new Map<number, hdr.Histogram>()
  const checks = new Map<string, { passes: number; fails: number }>()
  const overall: Group = { samples: [], failures: 0 }
  const byName = new Map<string, Group>()
  const byScenario = new Map<string, Group>()
  const add = (map: Map<string, Group>, key: string | undefined) => {
    if (key === undefined) return undefined
    let group = map.get(key)
    if (!group) map.set(key, (group = { samples: [], failures: 0 }))
    return group
  }
  let requests = 0
  let failures = 0
  let t0: number | undefined
  let input: NodeJS.ReadableStream = fs.createReadStream(file, {
    highWaterMark: 1 << 20
  })
  if (file.endsWith('.gz')) input = input.pipe(zlib.createGunzip())
  const lines = createInterface({ input, crlfDelay: Infinity })
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
      const failed = tags.expected_response === 'false'
      if (failed) failures++
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
      if (options.exact) {
        for (const group of [
          overall,
          add(byName, tags.name),
          add(byScenario, tags.scenario)
        ]) {
          if (!group) continue
          group.samples.push(row.data.value)
          if (failed) group.failures++
        }
      }
    } else if (row.metric === 'checks') {
      const c = checks.get(tags.check ?? '') ?? { passes: 0, fails: 0 }
      if (row.data.value) c.passes++
      else c.fails++
      checks.set(tags.check ?? '', c)
    }
  }
  const figures = (group: Group): ExactFigures => {
    const sorted = [...group.samples].sort((a, b) => a - b)
    return {
      requests: sorted.length,
      failures: group.failures,
      avg: sorted.reduce((s, v) => s + v, 0) / sorted.length,
      min: sorted[0],
      max: sorted[sorted.length - 1],
      p50: k6Percentile(sorted, 50),
      p90: k6Percentile(sorted, 90),
      p95: k6Percentile(sorted, 95),
      p99: k6Percentile(sorted, 99)
    }
  }
  const all = (map: Map<string, Group>) =>
    Object.fromEntries([...map].map(([k, g]) => [k, figures(g)]))
  return {
    requests,
    failures,
    p95: latency.getValueAtPercentile(95) / 1000,
    p99: latency.getValueAtPercentile(99) / 1000,
    endpoints: endpoints.size,
    exact: options.exact
      ? {
          overall: figures(overall),
          endpoints: all(byName),
          scenarios: all(byScenario),
          checks: Object.fromEntries(checks)
        }
      : undefined
  }
}

/** k6's TrendSink percentile: interpolated between sorted neighbours. */
function k6Percentile(sorted: number[], p: number): number {
  if (sorted.length === 1) return sorted[0]
  const i = (p / 100) * (sorted.length - 1)
  const lower = sorted[Math.floor(i)]
  return lower + (sorted[Math.ceil(i)] - lower) * (i - Math.floor(i))
}
