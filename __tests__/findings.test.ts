import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { analyseResultsFile } from '../src/results/analyser.js'
import {
  capacity,
  drift,
  DRIFT_MIN_WINDOWS,
  drifted,
  isRamping,
  limitsFromThresholds
} from '../src/results/findings.js'
import type { ResultsAnalysis } from '../src/results/types.js'
import { NOISE_ROOT, SERVICES } from './helpers/corpus.js'

/**
 * Drift and the rate held, judged on real runs: the 140 of the noise
 * corpus (constant load, no drift inside a run: each run draws one speed)
 * must give no finding; real runs spliced end to end (one run, then a
 * slower one) are a service that got slower mid-run, and must.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'findings-'))

const lines = (file: string): string[] =>
  (file.endsWith('.gz')
    ? zlib.gunzipSync(fs.readFileSync(file))
    : fs.readFileSync(file)
  )
    .toString('utf8')
    .split('\n')
    .filter(Boolean)

/** Two real runs as one: the second's samples moved to follow the first's. */
async function spliced(a: string, b: string): Promise<ResultsAnalysis> {
  const first = lines(a)
  const second = lines(b)
  const time = (line: string): number | undefined => {
    const t = (JSON.parse(line) as { data?: { time?: string } }).data?.time
    return t ? Date.parse(t) : undefined
  }
  const end = Math.max(...first.map(time).filter((t): t is number => !!t))
  const start = Math.min(...second.map(time).filter((t): t is number => !!t))
  const shift = end - start + 50
  const moved = second.map((line) => {
    const row = JSON.parse(line) as { type: string; data: { time?: string } }
    if (row.type !== 'Point' || !row.data.time) return line
    row.data.time = new Date(Date.parse(row.data.time) + shift).toISOString()
    return JSON.stringify(row)
  })
  const file = path.join(
    tmp,
    `${path.basename(path.dirname(a))}-${path.basename(path.dirname(b))}.json`
  )
  fs.writeFileSync(file, `${[...first, ...moved].join('\n')}\n`)
  return analyseResultsFile(file)
}

const runDir = (service: string, run: string): string =>
  path.join(NOISE_ROOT, service, run, 'results.json.gz')

const runsOf = (service: string): string[] =>
  fs
    .readdirSync(path.join(NOISE_ROOT, service))
    .filter((n) => /^(aa|slow10|slow20)-\d+$/.test(n))
    .sort()

describe('drift, on the real corpus', () => {
  it('no single run of the corpus is long enough to be judged (10 s, 400 requests)', async () => {
    const stream = await analyseResultsFile(
      runDir('fast-lat20-drift5', 'aa-01')
    )
    expect(stream.series.windows.length).toBeLessThan(DRIFT_MIN_WINDOWS)
    expect(drift(stream.series.windows)).toBeUndefined()
  })

  it('two unchanged runs end to end (the runner’s speed changing mid-run) give no warning', async () => {
    const rows: string[] = []
    let warnings = 0
    let ramps = 0
    let judged = 0
    let maxZ = 0
    let maxChange = 0
    for (const service of SERVICES) {
      const aa = runsOf(service).filter((r) => r.startsWith('aa-'))
      let found = 0
      for (let i = 0; i + 1 < aa.length; i++) {
        const windows = (
          await spliced(runDir(service, aa[i]), runDir(service, aa[i + 1]))
        ).series.windows
        const d = drift(windows)
        if (isRamping(windows)) ramps++
        if (!d) continue
        judged++
        maxZ = Math.max(maxZ, d.p95Z)
        maxChange = Math.max(maxChange, d.p95Change)
        if (drifted(d)) found++
      }
      warnings += found
      rows.push(`| ${service} | ${aa.length - 1} | ${found} |`)
    }
    process.stdout.write(
      `\ndrift on unchanged real runs, spliced in pairs\n| service | cases | drift warnings |\n|---|---|---|\n${rows.join('\n')}\n` +
        `largest p95 change +${(maxChange * 100).toFixed(0)}%, largest z ${maxZ.toFixed(1)} (a warning needs both beyond +35% and 4); taken for a ramp: ${ramps}\n`
    )
    expect(judged).toBe(78)
    expect(warnings).toBe(0)
    // Constant load: none claims a rate held.
    expect(ramps).toBe(0)
  })

  it('a service that got slower mid-run is found: a run, then a slower one', async () => {
    const fast = runsOf('fast-lat20-drift5').filter((r) => r.startsWith('aa-'))
    const slow = runsOf('slow-lat60-drift8').filter((r) => r.startsWith('aa-'))
    const fast20 = runsOf('fast-lat20-drift5').filter((r) =>
      r.startsWith('slow20-')
    )
    let tripled = 0
    let twenty = 0
    const n = 15
    const changes: number[] = []
    for (let i = 0; i < n; i++) {
      // ~24 ms p95, then ~70 ms: a service three times slower.
      const big = drift(
        (
          await spliced(
            runDir('fast-lat20-drift5', fast[i]),
            runDir('slow-lat60-drift8', slow[i])
          )
        ).series.windows
      )
      if (big && drifted(big)) tripled++
      // The same service, then 20% slower (each run at its own speed).
      const small = drift(
        (
          await spliced(
            runDir('fast-lat20-drift5', fast[i]),
            runDir('fast-lat20-drift5', fast20[i])
          )
        ).series.windows
      )
      if (small) changes.push(small.p95Change)
      if (small && drifted(small)) twenty++
    }
    process.stdout.write(
      `drift found in spliced real runs: 3× slower ${tripled}/${n}; 20% slower ${twenty}/${n} ` +
        `(measured change ${Math.min(...changes).toFixed(2)}–${Math.max(...changes).toFixed(2)})\n`
    )
    expect(tripled).toBe(n)
  })
})

describe('the rate held under a rising load, on real runs', () => {
  /**
   * A ladder of real runs: six of the fast service thinned to 1/6 … 6/6
   * of their requests (about 7 to 40 req/s), then two of the slow one at
   * 40 req/s (p95 ~70 ms): the knee, for a `p(95)<50` threshold.
   */
  async function ladder(): Promise<ResultsAnalysis> {
    const fast = runsOf('fast-lat20-drift5').filter((r) => r.startsWith('aa-'))
    const slow = runsOf('slow-lat60-drift8').filter((r) => r.startsWith('aa-'))
    const steps = [
      ...[1, 2, 3, 4, 5, 6].map((k, i) => ({
        file: runDir('fast-lat20-drift5', fast[i]),
        keep: k / 6
      })),
      ...[0, 1].map((i) => ({
        file: runDir('slow-lat60-drift8', slow[i]),
        keep: 1
      }))
    ]
    const out: string[] = []
    let clock = 0
    for (const step of steps) {
      const rows = lines(step.file).map(
        (l) =>
          JSON.parse(l) as {
            type: string
            metric: string
            data: { time?: string }
          }
      )
      const times = rows
        .filter((r) => r.type === 'Point' && r.data.time)
        .map((r) => Date.parse(r.data.time!))
      const start = Math.min(...times)
      const offset = (clock || start) - start
      for (const row of rows) {
        if (row.type === 'Point' && row.data.time) {
          const t = Date.parse(row.data.time)
          // One request's lines share its time: keep or drop them together.
          const hash = (t * 2654435761) % 1000
          if (row.metric.startsWith('http_req') && hash >= step.keep * 1000)
            continue
          row.data.time = new Date(t + offset).toISOString()
        }
        out.push(JSON.stringify(row))
      }
      clock = Math.max(...times) + offset + 50
    }
    const file = path.join(tmp, 'ladder.json')
    fs.writeFileSync(file, `${out.join('\n')}\n`)
    return analyseResultsFile(file)
  }

  it('the rate held is held over a span before the knee, never one busy window', async () => {
    const stream = await ladder()
    const windows = stream.series.windows
    expect(isRamping(windows)).toBe(true)
    const c = capacity(
      windows,
      limitsFromThresholds([
        { metric: 'http_req_duration', expression: 'p(95)<50' }
      ]),
      6.8
    )
    const busiest = Math.max(...windows.map((w) => w.rps))
    // The top fast step on its own: its rate over its whole run.
    const top = await analyseResultsFile(
      runDir(
        'fast-lat20-drift5',
        runsOf('fast-lat20-drift5').filter((r) => r.startsWith('aa-'))[5]
      )
    )
    const topRate = top.http.requests / top.durationS
    // What one bucket said (the old measure): a burst, not a rate held.
    const busiestBucket = Math.max(...stream.series.buckets.map((b) => b.rps))
    process.stdout.write(
      `ladder of real runs: ${windows.length} windows; held ${c?.sustainedRps.toFixed(1)} req/s for ${c?.heldS.toFixed(1)} s, ` +
        `knee at ${c?.breachedAtS?.toFixed(0)} s (by ${c?.breachedBy}); the top step's own rate ${topRate.toFixed(1)} req/s; ` +
        `busiest window ${busiest.toFixed(1)}, busiest bucket ${busiestBucket.toFixed(0)} req/s\n`
    )
    expect(c?.breachedBy).toBe('latency')
    // The knee is the first slow step, 60 s in (6 steps of 10 s).
    expect(c!.breachedAtS!).toBeGreaterThan(55)
    expect(c!.breachedAtS!).toBeLessThan(65)
    // The top fast step's rate, held at least 5 s; a bucket says far more.
    expect(c!.heldS).toBeGreaterThanOrEqual(5)
    expect(Math.abs(c!.sustainedRps / topRate - 1)).toBeLessThan(0.1)
    expect(busiestBucket).toBeGreaterThan(1.25 * c!.sustainedRps)
    expect(c!.productionRps).toBeCloseTo(c!.sustainedRps * 6.8, 6)
  })
})
