import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { StderrAnalyser } from '../src/k6/log.js'
import { sinkValue, TrendSink } from '../src/k6/sinks.js'
import { parseThresholdExpression } from '../src/k6/thresholds.js'
import { analyseRun } from '../src/results/analyse.js'
import { parseSummary } from '../src/results/summary.js'
import {
  crossedMetrics,
  thresholdsInScript
} from '../src/results/complete-thresholds.js'
import { MetricWatch, type WatchResult } from '../src/results/watch.js'
import { FIXTURES } from './helpers/action.js'

/**
 * Thresholds judged from results.json, with k6's own sinks, checked
 * against what k6 itself wrote about the same run: every value k6
 * exported, and every threshold it listed.
 */

const read = (fixture: string, file: string): Buffer =>
  fs.readFileSync(path.join(FIXTURES, fixture, file))

/** Watch these keys over a recorded results.json, fed in odd-sized pieces. */
function watched(
  fixture: string,
  keys: string[],
  fromHeaders = false,
  piece = 4093
): WatchResult {
  const watch = new MetricWatch(keys, fromHeaders)
  const bytes = read(fixture, 'results.json')
  for (let at = 0; at < bytes.length; at += piece)
    watch.push(bytes.subarray(at, at + piece))
  return watch.finish()
}

const stderrOf = (fixture: string) => {
  const analyser = new StderrAnalyser()
  for (const line of read(fixture, 'stderr.txt').toString('utf8').split('\n'))
    analyser.push(line)
  return analyser.result()
}

const MRS = [
  'v1.6.1/mrs-pass',
  'v1.6.1/mrs-fail',
  'v2.2.0/mrs-pass',
  'v2.2.0/mrs-fail'
]

describe("k6's sinks over results.json give k6's own figures", () => {
  it.each(MRS)(
    '%s: every statistic of the machine-readable summary, to the digit',
    (fixture) => {
      const summary = parseSummary(read(fixture, 'summary.json').toString())
      const keys = Object.keys(summary.metrics).filter(
        (k) => !k.startsWith('checks_')
      )
      const result = watched(fixture, keys)
      const durationS = (summary.testRunDurationMs ?? 0) / 1000
      let compared = 0
      for (const key of keys) {
        const metric = summary.metrics[key]
        const sink = result.sinks.get(key)
        expect([key, sink?.type]).toEqual([key, metric.type])
        for (const [stat, value] of Object.entries(metric.values)) {
          if (
            ['passes', 'fails', 'matches', 'total', 'min', 'max'].includes(
              stat
            ) &&
            metric.type !== 'trend'
          )
            continue
          const expression = parseThresholdExpression(
            `${stat === 'p(90)' || stat === 'p(95)' ? stat : stat}<0`
          )
          const ours = sinkValue(sink!, expression, durationS)
          expect([key, stat, ours]).toEqual([
            key,
            stat,
            expect.closeTo(value, 9)
          ])
          compared++
        }
      }
      process.stdout.write(`${fixture}: ${compared} statistics equal k6's\n`)
      expect(compared).toBeGreaterThan(30)
    }
  )

  it.each([
    'pass',
    'fail',
    'v1.6.1/pass',
    'v1.6.1/fail',
    'v2.2.0/pass',
    'v2.2.0/fail',
    'v1.3.0/tagstat',
    'v2.2.0/tagstat'
  ])('%s: every threshold value k6 exported in summary.json', (fixture) => {
    const summary = parseSummary(read(fixture, 'summary.json').toString())
    const result = watched(
      fixture,
      summary.thresholds.map((t) => t.metric)
    )
    const known = summary.thresholds.filter((t) => t.observed !== undefined)
    for (const t of known) {
      const ours = sinkValue(
        result.sinks.get(t.metric)!,
        parseThresholdExpression(t.expression),
        0
      )
      // Counter rates need k6's run time, which this format does not keep.
      if (
        t.statistic === 'rate' &&
        summary.metrics[t.metric]?.type === 'counter'
      )
        continue
      expect([t.metric, t.expression, ours]).toEqual([
        t.metric,
        t.expression,
        expect.closeTo(t.observed!, 9)
      ])
    }
  })

  it('a Trend past its exact budget keeps count, min, max and avg exact, and a percentile close', () => {
    const exact = new TrendSink()
    const sampled = new TrendSink(1000)
    for (let i = 0; i < 100_000; i++) {
      const v = ((i * 7919) % 100_000) / 100
      exact.add(v)
      sampled.add(v)
    }
    expect(sampled.exact).toBe(false)
    expect([sampled.count, sampled.min, sampled.max, sampled.avg]).toEqual([
      exact.count,
      exact.min,
      exact.max,
      exact.avg
    ])
    expect(
      Math.abs(sampled.percentile(0.95) / exact.percentile(0.95) - 1)
    ).toBeLessThan(0.05)
  })
})

describe('the machine-readable summary: thresholds judged, as k6 judged them', () => {
  it.each(['v1.6.1', 'v2.2.0'])(
    '%s: the same thresholds as the classic summary of the same script, and k6’s verdict on each',
    async (version) => {
      for (const [mrs, classic] of [
        ['mrs-pass', 'pass'],
        ['mrs-fail', 'fail']
      ]) {
        const dir = path.join(FIXTURES, version, mrs)
        const analysis = await analyseRun({
          summaryPath: path.join(dir, 'summary.json'),
          resultsPath: path.join(dir, 'results.json'),
          expectSummary: true,
          exitCode: Number(
            read(`${version}/${mrs}`, 'exitcode.txt').toString()
          ),
          k6Errors: stderrOf(`${version}/${mrs}`).errors
        })
        const listed = parseSummary(
          read(`${version}/${classic}`, 'summary.json').toString()
        ).thresholds
        const names = (ts: { metric: string; expression: string }[]) =>
          ts.map((t) => `${t.metric} ${t.expression}`).sort()
        expect(names(analysis.summary!.thresholds)).toEqual(names(listed))
        // Crossed: on exactly the metrics k6 named in its log.
        const crossed =
          crossedMetrics(stderrOf(`${version}/${mrs}`).errors) ?? []
        expect(
          [
            ...new Set(
              analysis
                .summary!.thresholds.filter((t) => !t.passed)
                .map((t) => t.metric)
            )
          ].sort()
        ).toEqual([...crossed].sort())
        // Every threshold has its value, said to come from results.json.
        for (const t of analysis.summary!.thresholds) {
          expect([t.metric, t.expression, t.observedFrom]).toEqual([
            t.metric,
            t.expression,
            'results.json'
          ])
          expect(Number.isFinite(t.observed)).toBe(true)
        }
        // Checks and the request rate, as k6 counted them.
        expect(analysis.figures?.rps).toBeCloseTo(
          analysis.stream!.http.requests /
            (analysis.summary!.testRunDurationMs! / 1000),
          6
        )
        expect(analysis.summary!.metrics.checks?.values.rate).toBeGreaterThan(0)
      }
    }
  )

  it("reads k6's crossed list, tag filters with commas included", () => {
    expect(crossedMetrics(stderrOf('v2.2.0/mrs-fail').errors)).toEqual([
      'http_req_duration',
      'http_req_duration{name:GET /slow}'
    ])
    expect(
      crossedMetrics([
        "thresholds on metrics 'http_req_duration{name:GET /a, b}, checks' were crossed; at least one has abortOnFail enabled, stopping test prematurely"
      ])
    ).toEqual(['http_req_duration{name:GET /a, b}', 'checks'])
    expect(crossedMetrics(['something else'])).toBeUndefined()
  })

  it('reads a sub-metric’s thresholds from the script k6 ran, plain strings only', () => {
    const script = JSON.parse(
      read('v2.2.0/mrs-fail', 'summary.json').toString()
    ).config.script as string
    expect(
      thresholdsInScript(script, 'http_req_duration{name:GET /slow}')
    ).toEqual(['p(95)<30'])
    expect(
      thresholdsInScript(
        "thresholds: { 'x{a:b}': [{ threshold: 'p(95)<1', abortOnFail: true }] }",
        'x{a:b}'
      )
    ).toBeUndefined()
    expect(thresholdsInScript('nothing here', 'x{a:b}')).toBeUndefined()
  })
})
