import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {
  capacity,
  drift,
  drifted,
  isRamping,
  limitsFromThresholds
} from '../src/results/findings.js'
import type { LatencyStats } from '../src/results/types.js'
import { analyseResultsFile, ResultsAnalyser } from '../src/results/analyser.js'
import type { SeriesWindow } from '../src/results/types.js'
import { parseSummary, readSummary } from '../src/results/summary.js'
import { TagFilteredStream } from '../src/results/tag-filter.js'
import { releaseGarbage } from '../src/shared/memory.js'
import { FIXTURES } from './helpers/action.js'
import { KERNEL_DEBUG_WASM } from './helpers/kernel-debug-wasm.js'

/**
 * Every analysis here runs the kernel built with its assertions: a logic
 * error in it throws instead of giving wrong figures.
 */
const DEBUG = { kernel: KERNEL_DEBUG_WASM }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-'))
function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name)
  fs.writeFileSync(file, content)
  return file
}

describe("results.json against k6's own summary of the same run", () => {
  it.each(['pass', 'fail', 'abort', 'down', 'handle'])('%s', async (name) => {
    const stream = await analyseResultsFile(
      path.join(FIXTURES, name, 'results.json'),
      DEBUG
    )
    const summary = readSummary(path.join(FIXTURES, name, 'summary.json'))
    const duration = summary.metrics.http_req_duration.values
    expect(stream.http.requests).toBe(summary.metrics.http_reqs.values.count)
    expect(stream.http.errorRate).toBeCloseTo(
      summary.metrics.http_req_failed.values.rate,
      10
    )
    for (const [p, key] of [
      [95, 'p(95)'],
      [50, 'med'],
      [90, 'p(90)']
    ] as const) {
      const ours = stream.http.latency[`p${p}`]
      expect(Math.abs(ours - duration[key])).toBeLessThanOrEqual(
        duration[key] * 0.01
      )
    }
    if (duration['p(99)'] !== undefined) {
      expect(
        Math.abs(stream.http.latency.p99 - duration['p(99)'])
      ).toBeLessThanOrEqual(duration['p(99)'] * 0.01)
    }
    // Every request lands in exactly one time bucket.
    expect(stream.series.buckets.reduce((sum, b) => sum + b.requests, 0)).toBe(
      stream.http.requests
    )
    expect(stream.series.buckets.length).toBeLessThanOrEqual(300)
    expect(stream.corruptLines).toBe(0)
    expect(stream.truncatedLastLine).toBe(false)
  })

  it('tag-filtered sub-metrics match per endpoint and per scenario', async () => {
    const stream = await analyseResultsFile(
      path.join(FIXTURES, 'pass', 'results.json'),
      DEBUG
    )
    const summary = readSummary(path.join(FIXTURES, 'pass', 'summary.json'))
    const endpoint = stream.endpoints.find(
      (e) => e.name === 'GET /api/products/:id'
    )
    expect(endpoint?.latency.p95).toBeCloseTo(
      summary.metrics['http_req_duration{name:GET /api/products/:id}'].values[
        'p(95)'
      ],
      6
    )
    const browse = stream.scenarios.find((s) => s.name === 'browse')
    expect(browse?.latency.p99).toBeCloseTo(
      summary.metrics['http_req_duration{scenario:browse}'].values['p(99)'],
      6
    )
    expect(endpoint?.statuses).toEqual({ '200': 240 })
  })

  it('counts failed checks by name and status codes per endpoint (fail run)', async () => {
    const stream = await analyseResultsFile(
      path.join(FIXTURES, 'fail', 'results.json'),
      DEBUG
    )
    expect(stream.checks).toEqual([
      { name: 'flaky ok', passes: 187, fails: 44 }
    ])
    const flaky = stream.endpoints.find((e) => e.name === 'GET /flaky')
    expect(flaky?.failures).toBe(44)
    expect(flaky?.statuses['500']).toBe(44)
  })

  it('down: refused requests count as failures with no status', async () => {
    const stream = await analyseResultsFile(
      path.join(FIXTURES, 'down', 'results.json'),
      DEBUG
    )
    expect(stream.http).toMatchObject({
      requests: 40,
      failures: 40,
      errorRate: 1,
      statuses: { '0': 40 }
    })
  })

  it('reads results.json.gz by its content, with the same figures', async () => {
    const gz = await analyseResultsFile(
      path.join(FIXTURES, 'pass-full-gz', 'results.json.gz'),
      DEBUG
    )
    const summary = readSummary(
      path.join(FIXTURES, 'pass-full-gz', 'summary.json')
    )
    expect(gz.http.requests).toBe(summary.metrics.http_reqs.values.count)
    expect(gz.http.latency.p99).toBeCloseTo(
      summary.metrics.http_req_duration.values['p(99)'],
      6
    )
  })

  it('gives the same answer whatever the chunk boundaries', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'fail', 'results.json'))
    const whole = await analyseResultsFile(
      path.join(FIXTURES, 'fail', 'results.json'),
      DEBUG
    )
    const analyser = new ResultsAnalyser(DEBUG)
    for (let at = 0; at < bytes.length; at += 997)
      analyser.push(bytes.subarray(at, at + 997))
    const pieces = analyser.finish()
    expect(pieces.http).toEqual(whole.http)
    expect(pieces.lines).toBe(whole.lines)
  })
})

describe('bad results files: counted or a clear error, never a crash', () => {
  const good = fs.readFileSync(
    path.join(FIXTURES, 'pass', 'results.json'),
    'utf8'
  )

  it('a truncated last line (k6 killed) is reported and the rest analysed', async () => {
    const file = write('truncated.json', good.slice(0, good.length - 40))
    const stream = await analyseResultsFile(file, DEBUG)
    expect(stream.truncatedLastLine).toBe(true)
    expect(stream.http.requests).toBeGreaterThan(300)
  })

  it('corrupt lines are counted and skipped', async () => {
    const lines = good.split('\n')
    lines.splice(
      100,
      0,
      'garbage',
      '{"metric":"http_req_duration","type":"Point","data":{"time":"x"'
    )
    const stream = await analyseResultsFile(
      write('corrupt.json', lines.join('\n')),
      DEBUG
    )
    expect(stream.corruptLines).toBe(2)
    expect(stream.http.requests).toBe(307)
  })

  it('a line too long to be k6 output is counted as corrupt and read past, in bounded memory', () => {
    const analyser = new ResultsAnalyser({ ...DEBUG, lineBytes: 1 << 20 })
    const text = Buffer.concat([
      // Two metric headers and an http_reqs sample, then the long line.
      Buffer.from(good.split('\n').slice(0, 3).join('\n')),
      Buffer.from('\n'),
      Buffer.alloc(3 << 20, 'x'),
      Buffer.from('\n' + good)
    ])
    for (let at = 0; at < text.length; at += 65_536)
      analyser.push(text.subarray(at, at + 65_536))
    const result = analyser.finish()
    expect(result.corruptLines).toBe(1)
    expect(result.http.requests).toBe(307)
    expect(result.lines).toBe(good.split('\n').filter(Boolean).length + 4)
    // At the end of the file it is not taken for a line k6 was cut off in.
    const last = new ResultsAnalyser({ ...DEBUG, lineBytes: 1 << 20 })
    last.push(Buffer.from(good))
    for (let i = 0; i < 48; i++) last.push(Buffer.alloc(65_536, 'x'))
    expect(last.finish()).toMatchObject({
      corruptLines: 1,
      truncatedLastLine: false
    })
  })

  it('damaged and random bytes never crash it', () => {
    // A small seeded generator: the same bytes on every run.
    let seed = 42
    const random = (): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
      return seed / 2 ** 32
    }
    const sample = Buffer.from(good.slice(0, 40_000))
    const specials = [0x22, 0x5c, 0x0a, 0x0d, 0x7b, 0x7d, 0x2c, 0x3a, 0x2e]
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(sample)
      for (let flips = 0; flips < 1 + round * 2; flips++) {
        const at = Math.floor(random() * bytes.length)
        bytes[at] =
          random() < 0.7
            ? specials[Math.floor(random() * specials.length)]
            : Math.floor(random() * 256)
      }
      const analyser = new ResultsAnalyser(DEBUG)
      for (let at = 0; at < bytes.length; at += 4_099)
        analyser.push(bytes.subarray(at, at + 4_099))
      const result = analyser.finish()
      expect(result.corruptLines).toBeLessThanOrEqual(result.lines)
    }
    const noise = new ResultsAnalyser(DEBUG)
    noise.push(
      Buffer.from(Array.from({ length: 200_000 }, () => random() * 256))
    )
    noise.push(Buffer.alloc(10_000, 0x0d))
    expect(noise.finish().http.requests).toBe(0)
  })

  it('a truncated gzip stream keeps what was decompressed', async () => {
    const gz = zlib.gzipSync(good)
    const stream = await analyseResultsFile(
      write('cut.json.gz', gz.subarray(0, gz.length - 200)),
      DEBUG
    )
    expect(stream.truncatedLastLine).toBe(true)
    expect(stream.http.requests).toBeGreaterThan(250)
  })

  it.each([
    ['a file of 0 bytes', 'empty.json', '', /is empty \(0 bytes\)/],
    [
      '.gz that is not gzip',
      'fake.json.gz',
      good,
      /is named \.gz but is not gzip/
    ],
    [
      'JSON that is not k6 output',
      'other.json',
      '{"a":1}\n{"b":2}\n',
      /is not k6 JSON output/
    ],
    ['a missing file', 'missing.json', undefined, /cannot be read/]
  ])('%s', async (_name, file, content, message) => {
    const target =
      content === undefined ? path.join(tmp, file) : write(file, content)
    await expect(analyseResultsFile(target, DEBUG)).rejects.toThrow(message)
    await expect(analyseResultsFile(target, DEBUG)).rejects.toThrow(
      new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `)
    )
  })
})

describe('summaries: the machine-readable format and crashed runs', () => {
  it("reads k6's schema-versioned summary (v2.2.0, --new-machine-readable-summary)", () => {
    const file = path.join(FIXTURES, 'v2.2.0', 'mrs-fail', 'summary.json')
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'))
    const summary = readSummary(file)
    expect(summary.format).toBe('machine-readable')
    expect(summary.testRunDurationMs).toBeCloseTo(raw.config.duration * 1000, 6)
    // p90/p95 under the other formats' names.
    const duration = summary.metrics.http_req_duration.values
    expect(duration['p(95)']).toBe(
      raw.results.metrics.find(
        (m: { name: string }) => m.name === 'http_req_duration'
      ).values.p95
    )
    // A counter's rate over k6's run time (the format keeps the count only).
    expect(summary.metrics.http_reqs.values.rate).toBeCloseTo(
      summary.metrics.http_reqs.values.count / raw.config.duration,
      9
    )
    // Checks: the share that passed, as the checks metric elsewhere, and each.
    expect(summary.metrics.checks.values.rate).toBeCloseTo(235 / 238, 9)
    expect(summary.checks).toEqual([
      { name: 'flaky ok', path: '::flaky ok', passes: 235, fails: 3 }
    ])
    // No thresholds in the file: results/complete-thresholds.ts judges them.
    expect(summary.thresholds).toEqual([])
    expect(summary.scriptSource).toBe(raw.config.script)
  })

  it('rejects a machine-readable summary of an unknown major schema', () => {
    // A real file, its schema version changed.
    const raw = JSON.parse(
      fs.readFileSync(
        path.join(FIXTURES, 'v2.2.0', 'mrs-pass', 'summary.json'),
        'utf8'
      )
    )
    raw.version = '2.0.0'
    expect(() => parseSummary(JSON.stringify(raw), 's.json')).toThrow(
      /schema 2\.0\.0; perf-gate reads schema 1\.x/
    )
  })

  it('a summary from a run that crashed (no metrics) says so', () => {
    // A real summary-export file, its metrics emptied (as a run that ended
    // before any sample leaves it).
    const raw = JSON.parse(
      fs.readFileSync(path.join(FIXTURES, 'pass', 'summary.json'), 'utf8')
    )
    raw.metrics = {}
    expect(() => parseSummary(JSON.stringify(raw), 's.json')).toThrow(
      /holds no metrics: the run ended before k6 recorded any sample/
    )
  })
})

/**
 * k6's own percentile (TrendSink.P): sort, then interpolate linearly
 * between the neighbours. The oracle the analyser's figures are held to.
 */
function exactPercentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort()
  if (sorted.length === 1) return sorted[0]
  const i = (p / 100) * (sorted.length - 1)
  const lower = sorted[Math.floor(i)]
  const upper = sorted[Math.ceil(i)]
  return lower + (upper - lower) * (i - Math.floor(i))
}

/** One k6 sample line, laid out as k6 writes it. */
function sampleLine(
  metric: string,
  ms: number,
  value: number,
  tags: Record<string, string>
): string {
  const time = new Date(Date.UTC(2026, 10, 22, 23, 58) + ms).toISOString()
  return JSON.stringify({
    metric,
    type: 'Point',
    data: { time, value, tags }
  })
}

describe('long runs and many endpoints: bounded memory, the same figures', () => {
  // 6,000 requests over 3 endpoints × 2 scenarios, log-normal-ish latencies.
  const requests = Array.from({ length: 6_000 }, (_, i) => ({
    name: ['GET /a', 'GET /b', 'POST /c'][i % 3],
    scenario: i % 5 === 0 ? 'spike' : 'steady',
    status: i % 97 === 0 ? '503' : '200',
    ms: Math.exp(((i * 7919) % 6_000) / 1_500) * (1 + (i % 3))
  }))
  const lines = requests.map((r, i) =>
    sampleLine('http_req_duration', i * 10, r.ms, {
      expected_response: r.status === '200' ? 'true' : 'false',
      name: r.name,
      scenario: r.scenario,
      status: r.status,
      url: `http://127.0.0.1${r.name.split(' ')[1]}?i=${i}`
    })
  )
  const text = lines.join('\n') + '\n'
  const exact = (pick: (r: (typeof requests)[number]) => boolean) =>
    Float64Array.from(requests.filter(pick).map((r) => r.ms))

  it('past the exact-sample budget every group stays within 1% of exact', () => {
    const analyser = new ResultsAnalyser({ ...DEBUG, exactSamples: 1_000 })
    analyser.push(Buffer.from(text))
    const result = analyser.finish()
    type Pair = [{ latency: LatencyStats } | undefined, Float64Array]
    const groups: Pair[] = [
      [result.http, exact(() => true)],
      ...['GET /a', 'GET /b', 'POST /c'].map((name): Pair => [
        result.endpoints.find((e) => e.name === name),
        exact((r) => r.name === name)
      ]),
      ...['steady', 'spike'].map((name): Pair => [
        result.scenarios.find((s) => s.name === name),
        exact((r) => r.scenario === name)
      ])
    ]
    for (const [group, samples] of groups) {
      expect(group?.latency.count).toBe(samples.length)
      for (const p of [50, 90, 95, 99] as const) {
        const want = exactPercentile(samples, p)
        const got = group?.latency[`p${p}`] ?? NaN
        expect(Math.abs(got - want) / want).toBeLessThan(0.01)
      }
    }
    expect(result.http.statuses).toEqual({ '200': 5_938, '503': 62 })
    expect(result.http.failures).toBe(62)
    expect(result.series.buckets.reduce((n, b) => n + b.requests, 0)).toBe(
      6_000
    )
  })

  it('within the budget the figures are exact, as k6 computes them', () => {
    const analyser = new ResultsAnalyser(DEBUG)
    analyser.push(Buffer.from(text))
    const result = analyser.finish()
    expect(result.http.latency.p95).toBe(
      exactPercentile(
        exact(() => true),
        95
      )
    )
    const b = result.endpoints.find((e) => e.name === 'GET /b')
    expect(b?.latency.p99).toBe(
      exactPercentile(
        exact((r) => r.name === 'GET /b'),
        99
      )
    )
  })

  it('shares one exact-sample budget: once it is spent, each endpoint turns to a histogram at its next sample', () => {
    const small = Float64Array.from({ length: 60 }, (_, i) => 1 + i / 7)
    const big = Float64Array.from(
      { length: 500 },
      (_, i) => 2 + ((i * 37) % 500) / 11
    )
    const line = (name: string, ms: number, i: number): string =>
      sampleLine('http_req_duration', i, ms, {
        expected_response: 'true',
        name,
        status: '200'
      })
    const run = (extra: number[]) => {
      const analyser = new ResultsAnalyser({ ...DEBUG, exactSamples: 100 })
      const text = [
        ...[...small].map((ms, i) => line('small', ms, i)),
        ...[...big].map((ms, i) => line('big', ms, 100 + i)),
        ...extra.map((ms, i) => line('small', ms, 700 + i))
      ]
      analyser.push(Buffer.from(text.join('\n') + '\n'))
      return analyser.finish()
    }
    const p95 = (result: ReturnType<typeof run>, name: string) =>
      result.endpoints.find((e) => e.name === name)?.latency.p95 ?? NaN
    // The budget ran out within big's samples: small, done by then, is
    // still exact (k6's interpolation to the digit)…
    expect(p95(run([]), 'small')).toBe(exactPercentile(small, 95))
    // …until its next sample.
    const smallAfter = Float64Array.from([...small, 9.5])
    const after = run([9.5])
    const want = exactPercentile(smallAfter, 95)
    expect(p95(after, 'small')).not.toBe(want)
    expect(Math.abs(p95(after, 'small') - want)).toBeLessThan(want * 0.01)
    const all = Float64Array.from([...smallAfter, ...big])
    expect(after.http.latency.count).toBe(561)
    for (const p of [50, 95, 99] as const) {
      const exactP = exactPercentile(all, p)
      expect(
        Math.abs(after.http.latency[`p${p}`] - exactP) / exactP
      ).toBeLessThan(0.01)
    }
  })

  it('time buckets hold their exact percentiles through widening and late samples', () => {
    // 6,000 samples 2 ms apart (the buckets widen from 10 ms to 40 ms),
    // then 30 late ones back in the first closed buckets, smaller than any.
    const samples = requests.map((r, i) => ({ t: i * 2, ms: r.ms }))
    for (let i = 0; i < 30; i++)
      samples.push({ t: i * 37, ms: 0.001 * (1 + (i % 7)) })
    const analyser = new ResultsAnalyser(DEBUG)
    analyser.push(
      Buffer.from(
        samples
          .map((s) => sampleLine('http_req_duration', s.t, s.ms, { name: 'a' }))
          .join('\n') + '\n'
      )
    )
    const { series } = analyser.finish()
    const width = series.bucketSeconds * 1000
    expect(width).toBe(40)
    for (const bucket of series.buckets) {
      const index = Math.round(bucket.t / series.bucketSeconds)
      const inside = Float64Array.from(
        samples.filter((s) => Math.floor(s.t / width) === index),
        (s) => s.ms
      )
      expect(bucket.requests).toBe(inside.length)
      // Exact up to the last bit of a 17-digit value as the kernel reads it.
      for (const p of [50, 95, 99] as const) {
        const want = exactPercentile(inside, p)
        expect(Math.abs(bucket[`p${p}`] - want)).toBeLessThanOrEqual(
          want * 1e-15
        )
      }
    }
  })

  it('past the endpoint × scenario cap, endpoints fold into (other) and scenarios stay whole', () => {
    const analyser = new ResultsAnalyser({ ...DEBUG, cells: 2 })
    analyser.push(Buffer.from(text))
    const result = analyser.finish()
    expect(result.endpoints.map((e) => e.name).sort()).toEqual([
      '(other)',
      'GET /a',
      'GET /b'
    ])
    expect(result.endpoints.reduce((n, e) => n + e.requests, 0)).toBe(6_000)
    const spike = result.scenarios.find((s) => s.name === 'spike')
    expect(spike?.requests).toBe(1_200)
    expect(spike?.latency.p95).toBe(
      exactPercentile(
        exact((r) => r.scenario === 'spike'),
        95
      )
    )
  })

  it('past 500 distinct names (untagged URLs) the rest are counted under (other)', () => {
    const analyser = new ResultsAnalyser(DEBUG)
    const names = Array.from({ length: 510 }, (_, i) => `GET /item/${i}`)
    analyser.push(
      Buffer.from(
        names
          .map((name, i) =>
            sampleLine('http_req_duration', i, 1 + i, { name, status: '200' })
          )
          .join('\n') + '\n'
      )
    )
    const result = analyser.finish()
    expect(result.endpoints).toHaveLength(501)
    const other = result.endpoints.find((e) => e.name === '(other)')
    expect(other?.requests).toBe(10)
    expect(other?.latency.min).toBe(501)
    expect(result.http.requests).toBe(510)
  })

  it('reads escaped and UTF-8 tag values as one name', () => {
    const raw = [
      // The same name, once escaped and once as UTF-8 bytes.
      '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-22T23:58:28.5Z","value":3,"tags":{"name":"caf\\u00e9","status":"200"}}}',
      sampleLine('http_req_duration', 1, 5, { name: 'café', status: '200' }),
      sampleLine('http_req_duration', 2, 7, {
        name: 'GET /q?x="1"',
        status: '404'
      }),
      sampleLine('checks', 3, 0, { check: 'body has "ok"' }),
      sampleLine('checks', 4, 1, { check: 'body has "ok"' })
    ]
    const analyser = new ResultsAnalyser(DEBUG)
    analyser.push(Buffer.from(raw.join('\n') + '\n', 'utf8'))
    const result = analyser.finish()
    expect(
      result.endpoints.map((e) => [e.name, e.requests, e.failures])
    ).toEqual([
      ['café', 2, 0],
      ['GET /q?x="1"', 1, 1]
    ])
    expect(result.checks).toEqual([
      { name: 'body has "ok"', passes: 1, fails: 1 }
    ])
    expect(result.corruptLines).toBe(0)
  })

  it('tells tag values of every length apart, escapes anywhere in them', () => {
    // Values are found and hashed 8 and 16 bytes at a time: lengths across
    // those widths, with an escaped quote or backslash at every position.
    const names = new Map<string, number>()
    for (let length = 1; length <= 40; length++) {
      const plain = 'abcdefghijklmnopqrstuvwxyz0123456789ABCD'.slice(0, length)
      names.set(plain, 0)
      for (let at = 0; at < length; at++) {
        names.set(plain.slice(0, at) + '"' + plain.slice(at + 1), 0)
        names.set(plain.slice(0, at) + '\\' + plain.slice(at + 1), 0)
      }
    }
    // In runs of 400: past 500 names the rest would share (other).
    const all = [...names.keys()]
    for (let from = 0; from < all.length; from += 400) {
      const lines: string[] = []
      for (const name of all.slice(from, from + 400)) {
        const times = 1 + (name.length % 3)
        names.set(name, times)
        for (let t = 0; t < times; t++)
          lines.push(sampleLine('http_req_duration', lines.length, 1, { name }))
      }
      const analyser = new ResultsAnalyser(DEBUG)
      analyser.push(Buffer.from(lines.join('\n') + '\n'))
      const { endpoints } = analyser.finish()
      expect(endpoints).toHaveLength(Math.min(400, all.length - from))
      for (const e of endpoints) expect(e.requests).toBe(names.get(e.name))
    }
  })
})

describe('what k6 may write', () => {
  it('reads CRLF endings, zone offsets, exponents and new minutes; a malformed time is a corrupt line', () => {
    const sample = (time: string, value: string, name: string): string =>
      `{"metric":"http_req_duration","type":"Point","data":{"time":"${time}","value":${value},"tags":{"name":"${name}","status":"200"}}}`
    const lines = [
      sample('2026-11-22T23:58:59.999Z', '1e-3', 'a'),
      // The next minute, written in another zone: 23:59:00.5 UTC.
      sample('2026-11-23T00:59:00.5+01:00', '2.5E+1', 'b'),
      sample('2026-11-22T23:59:00Z', '7', 'a'),
      sample('2026-11-22 23:59', '3', 'a')
    ]
    const analyser = new ResultsAnalyser(DEBUG)
    analyser.push(Buffer.from(lines.join('\r\n') + '\r\n'))
    const result = analyser.finish()
    expect(result.lines).toBe(4)
    expect(result.corruptLines).toBe(1)
    expect(result.http.requests).toBe(3)
    expect(result.startTime).toBe('2026-11-22T23:58:59.999Z')
    expect(result.endTime).toBe('2026-11-22T23:59:00.500Z')
    expect(result.http.latency).toMatchObject({ min: 0.001, max: 25 })
    expect(result.endpoints.map((e) => [e.name, e.requests])).toEqual([
      ['a', 2],
      ['b', 1]
    ])
  })

  it('reads only its five metrics, not names that start like them', () => {
    const names = [
      'http_req_duration',
      'checks',
      'vus',
      'iterations',
      'dropped_iterations'
    ]
    const lookalikes = names.flatMap((name) => [
      name + 's',
      name + '_x',
      name.slice(0, -1),
      name.slice(1)
    ])
    const tags = { name: 'a', check: 'c', status: '200' }
    const lines = [
      ...names.map((metric, i) => sampleLine(metric, i, 2, tags)),
      ...lookalikes.map((metric, i) => sampleLine(metric, i, 5, tags))
    ]
    const analyser = new ResultsAnalyser(DEBUG)
    analyser.push(Buffer.from(lines.join('\n') + '\n'))
    const result = analyser.finish()
    expect(result.http.requests).toBe(1)
    expect(result.checks).toEqual([{ name: 'c', passes: 1, fails: 0 }])
    expect(result.maxVus).toBe(2)
    expect(result.iterations).toBe(2)
    expect(result.droppedIterations).toBe(2)
    expect(result.corruptLines).toBe(0)
  })

  it('reads numbers of every length: values and fractions of a second', () => {
    // Digits are read 8 at a time: runs of 1 to 17 digits on either side
    // of the point, each value the only one of its endpoint.
    let seed = 7
    const digits = (n: number) =>
      Array.from({ length: n }, () => {
        seed = (seed * 48271) % 2147483647
        return String(seed % 10)
      }).join('')
    const texts: string[] = []
    for (let whole = 1; whole <= 15; whole++)
      for (let fraction = 0; fraction <= 17; fraction++)
        texts.push(
          String(Number(digits(whole))) +
            (fraction ? '.' + digits(fraction) : '')
        )
    for (let from = 0; from < texts.length; from += 400) {
      const lines = texts
        .slice(from, from + 400)
        .map(
          (value, i) =>
            `{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-22T23:58:28.${digits(1 + (i % 12))}Z","value":${value},"tags":{"name":"v${i}"}}}`
        )
      const analyser = new ResultsAnalyser(DEBUG)
      analyser.push(Buffer.from(lines.join('\n') + '\n'))
      const result = analyser.finish()
      expect(result.corruptLines).toBe(0)
      for (const [i, value] of texts.slice(from, from + 400).entries()) {
        const got = result.endpoints.find((e) => e.name === `v${i}`)
        const want = Number(value)
        expect(Math.abs((got?.latency.max ?? NaN) - want)).toBeLessThanOrEqual(
          want * 1e-15
        )
      }
    }
    // Fractions of a second of 1 to 12 digits (a time in ms since 1970 is
    // exact to a quarter of a microsecond).
    for (let n = 1; n <= 12; n++) {
      const fraction = digits(n)
      const analyser = new ResultsAnalyser(DEBUG)
      analyser.push(
        Buffer.from(
          [
            sampleLine('vus', 0, 1, {}),
            `{"metric":"vus","type":"Point","data":{"time":"2026-11-22T23:58:01.${fraction}Z","value":1,"tags":{}}}`
          ].join('\n') + '\n'
        )
      )
      const { durationS } = analyser.finish()
      expect(Math.abs(durationS - (1 + Number('0.' + fraction)))).toBeLessThan(
        1e-6
      )
    }
  })
})

describe('latency histograms', () => {
  it('match exact percentiles within 1% past the exact budget, from 1 ms to 400 ms', () => {
    const samples = Float64Array.from({ length: 30_000 }, (_, i) =>
      Math.exp(((i * 7919) % 30_000) / 5000)
    )
    const analyser = new ResultsAnalyser({ ...DEBUG, exactSamples: 1_000 })
    const lines = [...samples].map((ms, i) =>
      sampleLine('http_req_duration', i, ms, { name: 'GET /', status: '200' })
    )
    analyser.push(Buffer.from(lines.join('\n') + '\n'))
    const { latency } = analyser.finish().http
    expect(latency.count).toBe(30_000)
    expect(latency.max).toBe(Math.max(...samples))
    for (const p of [50, 90, 95, 99] as const) {
      const exact = exactPercentile(samples, p)
      expect(Math.abs(latency[`p${p}`] - exact) / exact).toBeLessThan(0.01)
      // A histogram's answer, not the exact one.
      expect(latency[`p${p}`]).not.toBe(exact)
    }
  })
})

describe('drift and capacity findings (synthetic windows: an extra, the real runs judge them in findings.test)', () => {
  const window = (
    t: number,
    rps: number,
    p95: number,
    errorRate = 0,
    seconds = 60
  ): SeriesWindow => ({
    t,
    seconds,
    requests: rps * seconds,
    failures: Math.round(rps * seconds * errorRate),
    rps,
    errorRate,
    p50: p95 / 2,
    p95,
    p99: p95 * 1.2
  })

  it('drift: latency that grows over a soak, beyond the run’s own noise', () => {
    const windows = Array.from({ length: 100 }, (_, i) =>
      window(
        i * 60,
        50,
        (100 + i * 2) * (1 + 0.02 * Math.sin(i)),
        i > 80 ? 0.03 : 0
      )
    )
    const d = drift(windows)
    expect(d?.p95Change).toBeGreaterThan(0.5)
    expect(d?.p95SlopeMsPerHour).toBeCloseTo(120, -1)
    expect(d?.lastErrorRate).toBeGreaterThan(d?.firstErrorRate ?? 1)
    expect(drifted(d!)).toBe(true)
  })

  it('drift: a flat run shows none; a ramp is not judged for drift', () => {
    const flat = drift(
      Array.from({ length: 100 }, (_, i) => window(i * 60, 50, 100 + (i % 3)))
    )
    expect(Math.abs(flat?.p95Change ?? 1)).toBeLessThan(0.05)
    expect(drifted(flat!)).toBe(false)
    const ramp = Array.from({ length: 100 }, (_, i) =>
      window(i * 60, 10 + i, 100 + i * 5)
    )
    expect(drift(ramp)).toBeUndefined()
  })

  it('capacity: the highest rate held over a span before latency broke its threshold', () => {
    const windows = Array.from({ length: 60 }, (_, i) =>
      window(i * 5, 10 + i * 5, i < 40 ? 80 : 900, 0, 5)
    )
    expect(isRamping(windows)).toBe(true)
    const limits = limitsFromThresholds([
      { metric: 'http_req_duration', expression: 'p(95)<500' },
      { metric: 'http_req_failed', expression: 'rate<0.01' }
    ])
    expect(limits).toEqual({ latencyMs: 500, percentile: 95, errorRate: 0.01 })
    expect(capacity(windows, limits, 6.8)).toEqual({
      sustainedRps: 10 + 39 * 5,
      heldS: 5,
      breachedAtS: 40 * 5,
      breachedBy: 'latency',
      productionRps: (10 + 39 * 5) * 6.8,
      factor: 6.8
    })
  })
})

describe("one tag value's samples cut out as the bytes stream by (a paired run's change alone)", () => {
  const run = path.join(
    FIXTURES,
    '..',
    'k6-noise',
    'fast-lat20-drift5',
    'aa-01',
    'results.json.gz'
  )
  const STATUS = 'GET /api/status'
  const PRODUCT = 'GET /api/products/:id'

  /** The real run's bytes pushed through the filter in chunks of `size`. */
  function filtered(size: number): ReturnType<TagFilteredStream['finish']> {
    const bytes = zlib.gunzipSync(fs.readFileSync(run))
    const stream = new TagFilteredStream('name', STATUS, DEBUG)
    for (let at = 0; at < bytes.length; at += size)
      stream.push(bytes.subarray(at, at + size))
    return stream.finish()
  }

  it.each([[1 << 20], [4096], [97]])(
    'reads in chunks of %d bytes the run as if the dropped endpoint had not been asked for',
    async (size) => {
      const whole = await analyseResultsFile(run, DEBUG)
      const kept = filtered(size)
      const product = whole.endpoints.find((e) => e.name === PRODUCT)
      expect(whole.endpoints.map((e) => e.name).sort()).toEqual(
        [PRODUCT, STATUS].sort()
      )
      // The other endpoint's figures, to the digit; nothing of the dropped one.
      expect(kept.endpoints.map((e) => e.name)).toEqual([PRODUCT])
      expect(kept.endpoints[0].requests).toBe(product?.requests)
      expect(kept.endpoints[0].latency.p95).toBe(product?.latency.p95)
      expect(kept.http.requests).toBe(product?.requests)
      expect(kept.http.latency.p99).toBe(product?.latency.p99)
      // What belongs to no endpoint (VUs, iterations) is kept whole.
      expect(kept.maxVus).toBe(whole.maxVus)
      expect(kept.corruptLines).toBe(0)
    }
  )
})

describe('after reading a results file', () => {
  it('its garbage is collected before the report and the upload need memory', async () => {
    // What the buffers of a pass over the file were: unreachable, not freed.
    let chunk: Buffer | undefined = Buffer.alloc(1 << 20)
    const ref = new WeakRef(chunk)
    chunk = undefined
    // A WeakRef holds what it was made with until the job ends.
    await new Promise((resolve) => setImmediate(resolve))
    await releaseGarbage()
    expect(ref.deref()).toBeUndefined()
  })
})
