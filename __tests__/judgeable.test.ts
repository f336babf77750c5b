import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {
  endpointSet,
  type BaselineEntry,
  type MetricSet
} from '../src/baseline/entry.js'
import { compare } from '../src/judge/compare.js'
import { judgeable } from '../src/judge/judgeable.js'
import { analyseResultsFile } from '../src/results/analyser.js'
import { NOISE_ROOT, SERVICES } from './helpers/corpus.js'

/**
 * An endpoint's verdict by the size of its sample, measured on real runs
 * (__tests__/fixtures/k6-noise: real k6 against a service whose speed
 * drifts from run to run, unchanged and 10% and 20% slower). A pull
 * request's endpoint of k requests is the first k requests of GET
 * /api/products/:id in a real run (its results.json cut to them, then
 * analysed as perf-gate analyses any run); its history the same endpoint
 * of main's last runs, of the same size. "Twice as slow" is an unchanged
 * run with that endpoint's latencies doubled: real samples, scaled.
 */
const ENDPOINT = 'GET /api/products/:id'
const SIZES = [20, 50, 100, 200, 400]
const HISTORY = 10
type Kind = 'aa' | 'slow10' | 'slow20' | 'doubled'

interface Sample {
  run: string
  kind: Kind
  size: number
  set: MetricSet
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'judgeable-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** The run's results.json with the endpoint's first `size` requests only. */
function cut(lines: string[], size: number, factor: number): string {
  const times = new Set<string>()
  const out: string[] = []
  const tag = `"name":"${ENDPOINT}"`
  for (const line of lines) {
    if (!line.includes('"type":"Point"')) {
      out.push(line)
      continue
    }
    if (!line.includes(tag)) continue
    const time = /"time":"([^"]+)"/.exec(line)?.[1] ?? ''
    if (!times.has(time)) {
      if (times.size >= size) continue
      times.add(time)
    }
    out.push(
      factor !== 1 && line.startsWith('{"metric":"http_req_duration"')
        ? line.replace(
            /"value":([\d.]+)/,
            (_m, v: string) => `"value":${Number(v) * factor}`
          )
        : line
    )
  }
  return `${out.join('\n')}\n`
}

async function samples(service: string): Promise<Sample[]> {
  const dir = path.join(NOISE_ROOT, service)
  const out: Sample[] = []
  for (const run of fs.readdirSync(dir).sort()) {
    const match = /^(aa|slow10|slow20)-\d+$/.exec(run)
    if (!match) continue
    const lines = zlib
      .gunzipSync(fs.readFileSync(path.join(dir, run, 'results.json.gz')))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
    const kinds: [Kind, number][] =
      match[1] === 'aa'
        ? [
            ['aa', 1],
            ['doubled', 2]
          ]
        : [[match[1] as Kind, 1]]
    for (const [kind, factor] of kinds) {
      for (const size of SIZES) {
        const file = path.join(tmp, `${service}-${run}-${kind}-${size}.json`)
        fs.writeFileSync(file, cut(lines, size, factor))
        const stream = await analyseResultsFile(file)
        const stats = stream.endpoints.find((e) => e.name === ENDPOINT)
        if (stats) out.push({ run, kind, size, set: endpointSet(stats) })
        fs.rmSync(file)
      }
    }
  }
  return out
}

function entry(sample: Sample, i: number): BaselineEntry {
  return {
    commit: sample.run,
    ref: 'refs/heads/main',
    runId: `${sample.run}-${sample.kind}`,
    date: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
    runner: { os: 'Linux', arch: 'X64' },
    objective: 'smoke',
    fingerprint: 'f',
    overall: {},
    endpoints: { [ENDPOINT]: sample.set },
    series: { bucketSeconds: 0, p95: [], rps: [], errorRate: [] }
  }
}

interface Row {
  service: string
  size: number
  statistic: string
  cases: number
  failed: number
  slow10: number
  slow20: number
  doubled: number
}

const rows: Row[] = []
const bySize = new Map<string, Sample[]>()
beforeAll(async () => {
  for (const service of SERVICES) {
    for (const s of await samples(service)) {
      const key = `${service} ${s.size}`
      bySize.set(key, [...(bySize.get(key) ?? []), s])
    }
  }
}, 120_000)

afterAll(() => {
  process.stdout.write(
    [
      '',
      `An endpoint's verdict by its sample size, on real runs (${HISTORY} runs of history):`,
      '| service | requests | judged by | unchanged cases | unchanged failed | +10% failed | +20% failed | twice as slow failed |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.service} | ${r.size} | ${r.statistic} | ${r.cases} | ${pct(r.failed)} | ${pct(r.slow10)} | ${pct(r.slow20)} | ${pct(r.doubled)} |`
      ),
      ''
    ].join('\n')
  )
})

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}

describe('an endpoint is judged by the statistic its requests support', () => {
  it.each(SERVICES.flatMap((s) => SIZES.map((n) => [s, n] as const)))(
    '%s, %i requests',
    (service, size) => {
      const all = bySize.get(`${service} ${size}`) ?? []
      const unchanged = all.filter((s) => s.kind === 'aa')
      const rate = (kind: Kind) => {
        let failed = 0
        let cases = 0
        let statistic = ''
        for (const candidate of all.filter((s) => s.kind === kind)) {
          // Main's last runs: the unchanged runs before it, wrapping around.
          const pool = unchanged.filter((s) => s.run !== candidate.run)
          const start = Math.max(0, unchanged.indexOf(candidate) - HISTORY)
          const history = Array.from(
            { length: HISTORY },
            (_, i) => pool[(start + i) % pool.length]
          ).map(entry)
          const current = {
            ...entry(candidate, 99),
            ref: 'refs/pull/1',
            runId: 'pr'
          }
          const comparison = compare({ current, stored: history })
          const latency = comparison.endpoints.find(
            (c) => c.metric === 'p95' || c.metric === 'p50'
          )
          statistic = latency?.metric ?? 'none'
          cases++
          if (latency?.status === 'regression') failed++
        }
        return { failed: cases ? failed / cases : 0, cases, statistic }
      }
      const aa = rate('aa')
      const row: Row = {
        service,
        size,
        statistic: aa.statistic === 'p50' ? 'median' : aa.statistic,
        cases: aa.cases,
        failed: aa.failed,
        slow10: rate('slow10').failed,
        slow20: rate('slow20').failed,
        doubled: rate('doubled').failed
      }
      rows.push(row)
      // The statistic is the one the plan promised for this many requests.
      const promised = judgeable(new Map([[ENDPOINT, size]])).endpoints[0]
      expect(row.statistic).toBe(
        promised.latency === 'p50' ? 'median' : promised.latency
      )
      // Unchanged runs fail no more than the gate's own rate allows.
      expect(row.failed).toBeLessThanOrEqual(0.02)
      // A doubled endpoint is caught from 20 requests on.
      expect(row.doubled).toBeGreaterThanOrEqual(0.9)
    }
  )
})
