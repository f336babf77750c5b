import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { keyFigures } from '../src/results/figures.js'
import {
  detectSummaryFormat,
  parseSummary,
  readSummary
} from '../src/results/summary.js'
import { FIXTURES } from './helpers/action.js'

const fixture = (name: string, file = 'summary.json') =>
  path.join(FIXTURES, name, file)

describe('--summary-export files from real runs', () => {
  it('pass: every threshold passed (false in the file means passed)', () => {
    const summary = readSummary(fixture('pass'))
    expect(summary.format).toBe('summary-export')
    expect(summary.thresholds).toHaveLength(13)
    expect(summary.thresholds.every((t) => t.passed)).toBe(true)
  })

  it('fail: true in the file means the threshold FAILED', () => {
    const summary = readSummary(fixture('fail'))
    const failed = summary.thresholds.filter((t) => !t.passed)
    expect(failed.map((t) => `${t.metric} ${t.expression}`).sort()).toEqual([
      'checks rate>0.95',
      'http_req_duration p(95)<20',
      'http_req_duration p(99)<5',
      'http_req_duration{name:GET /slow} p(95)<30',
      'http_req_failed rate<0.05'
    ])
  })

  it('reads a Rate by its value, not by passes (passes = non-zero samples)', () => {
    const pass = readSummary(fixture('pass')).metrics.http_req_failed
    // {"passes": 0, "fails": 307, "value": 0}: 307 GOOD requests
    expect(pass.values).toMatchObject({ rate: 0, passes: 0, fails: 307 })
    const fail = readSummary(fixture('fail')).metrics.http_req_failed
    expect(fail.values.rate).toBeCloseTo(44 / 462, 10)
    expect(keyFigures(readSummary(fixture('fail'))).failedRequests).toBe(44)
  })

  it("computes each threshold's observed value from the metric it reads", () => {
    const summary = readSummary(fixture('pass'))
    const observed = Object.fromEntries(
      summary.thresholds.map((t) => [`${t.metric} ${t.expression}`, t.observed])
    )
    expect(observed).toMatchObject({
      'http_req_duration p(95)<500': 5.6558509,
      'http_req_duration p(99.9)<2000': 6.015823214000006,
      'http_req_duration{name:GET /api/products/:id} avg<200': 3.5331373000000004,
      'order_latency med<100': 2.566164,
      'orders_created count>5': 66,
      'http_reqs rate>10': 49.768631912111886,
      'checks rate>0.99': 1,
      'errors rate<0.01': 0
    })
  })

  it('an observed value k6 did not export stays unknown', () => {
    const summary = readSummary(fixture('fail'))
    const p99 = summary.thresholds.find((t) => t.expression === 'p(99)<5')
    expect(p99).toMatchObject({
      passed: false,
      statistic: 'p(99)',
      observed: undefined
    })
  })

  it('infers metric types and units the format leaves out', () => {
    const { metrics } = readSummary(fixture('pass'))
    expect(metrics.http_req_duration).toMatchObject({
      type: 'trend',
      contains: 'time'
    })
    expect(metrics.http_reqs).toMatchObject({ type: 'counter' })
    expect(metrics.vus).toMatchObject({ type: 'gauge' })
    expect(metrics.checks).toMatchObject({ type: 'rate' })
    expect(metrics.data_sent).toMatchObject({
      type: 'counter',
      contains: 'data'
    })
    expect(
      metrics['http_req_duration{name:GET /api/products/:id}']
    ).toMatchObject({
      metric: 'http_req_duration',
      tags: { name: 'GET /api/products/:id' }
    })
  })

  it('collects checks from nested groups', () => {
    const { checks } = readSummary(fixture('pass'))
    expect(checks).toEqual(
      expect.arrayContaining([
        {
          name: 'status is 200',
          path: '::catalog::status is 200',
          passes: 240,
          fails: 0
        },
        { name: 'status is 201', path: '::status is 201', passes: 66, fails: 0 }
      ])
    )
    expect(checks).toHaveLength(4)
  })

  it.each([
    'pass',
    'pass-full-gz',
    'fail',
    'abort',
    'down',
    'handle',
    'scripterr'
  ])('%s parses to the verdict its exit code tells', (name) => {
    const summary = readSummary(fixture(name))
    const exitCode = Number(
      fs.readFileSync(fixture(name, 'exitcode.txt'), 'utf8')
    )
    const anyFailed = summary.thresholds.some((t) => !t.passed)
    expect(anyFailed).toBe(exitCode === 99)
  })
})

describe('the handleSummary() data object', () => {
  it('is detected and read: values nested, {ok: true} means passed', () => {
    const summary = readSummary(fixture('handle', 'handle-summary.json'))
    expect(summary.format).toBe('handle-summary')
    expect(summary.testRunDurationMs).toBeCloseTo(3025.846192)
    expect(summary.thresholds).toEqual([
      expect.objectContaining({
        metric: 'http_req_failed',
        expression: 'rate<0.2',
        passed: true
      }),
      expect.objectContaining({
        metric: 'http_req_duration',
        expression: 'p(95)<500',
        passed: true
      })
    ])
    expect(summary.metrics.http_req_duration.values['p(95)']).toBeCloseTo(
      3.72620815
    )
    expect(summary.checks).toEqual([
      { name: 'ok', path: '::ok', passes: 102, fails: 12 }
    ])
  })

  it('agrees with the summary-export of the same run', () => {
    const exported = readSummary(fixture('handle'))
    const handled = readSummary(fixture('handle', 'handle-summary.json'))
    expect(handled.metrics.http_req_failed.values.rate).toBe(
      exported.metrics.http_req_failed.values.rate
    )
    expect(keyFigures(handled).p95Ms).toBe(keyFigures(exported).p95Ms)
  })
})

describe('what is not a k6 summary', () => {
  it.each([
    ['an empty file', '', /is empty: k6 wrote no summary/],
    ['not JSON', '{"metrics": ', /is not JSON/],
    ['some other JSON', '{"name": "package"}', /is not a k6 summary/],
    ['an array', '[1, 2]', /is not a k6 summary/],
    [
      'metrics that are not objects',
      '{"metrics": {"a": 1}, "root_group": {}}',
      /is not a k6 summary/
    ]
  ])('%s: a clear error naming the file', (_name, text, message) => {
    expect(() => parseSummary(text, '/x/summary.json')).toThrow(message)
    expect(() => parseSummary(text, '/x/summary.json')).toThrow(
      /^\/x\/summary\.json: /
    )
  })

  it('a missing file names the file', () => {
    expect(() => readSummary('/nope/summary.json')).toThrow(
      /^\/nope\/summary\.json: cannot be read/
    )
  })

  it('detectSummaryFormat', () => {
    expect(detectSummaryFormat({ metrics: {}, root_group: {} })).toBe(
      'summary-export'
    )
    expect(detectSummaryFormat({ metrics: {} })).toBeUndefined()
  })
})
