import { describe, expect, it } from '@jest/globals'
import type { StderrDigest } from '../src/k6/log.js'
import type { K6Run, Outcome } from '../src/k6/run.js'
import { classifyOutcome } from '../src/k6/run.js'
import type { SummaryResult } from '../src/results/types.js'
import { decideVerdict } from '../src/judge/verdict.js'
import { verdictText } from '../src/report/verdict.js'

const quiet: StderrDigest = {
  lines: 0,
  iterationErrors: 0,
  firstIterationErrors: [],
  requestFailures: {},
  errors: []
}

function k6Run(
  outcome: Outcome,
  exitCode: number,
  stderr: Partial<StderrDigest> = {}
): K6Run {
  return {
    argv: [],
    exitCode,
    outcome,
    summaryPath: '/r/summary.json',
    resultsPath: '/r/results.json',
    logPath: '/r/k6.log',
    stderr: { ...quiet, ...stderr },
    wallTimeMs: 1000
  }
}

const summary = (passed: boolean): SummaryResult => ({
  format: 'summary-export',
  metrics: {
    http_req_duration: {
      key: 'http_req_duration',
      metric: 'http_req_duration',
      tags: {},
      type: 'trend',
      contains: 'time',
      values: { 'p(95)': 612.4 }
    }
  },
  thresholds: [
    {
      metric: 'http_req_duration',
      expression: 'p(95)<500',
      passed,
      statistic: 'p(95)',
      observed: 612.4
    }
  ],
  checks: []
})

describe('decideVerdict', () => {
  it('passes a clean run', () => {
    const verdict = decideVerdict({
      run: k6Run('passed', 0),
      summary: summary(true),
      failOnIterationErrors: true
    })
    expect(verdict.passed).toBe(true)
    expect(verdictText(verdict, summary(true))).toMatchObject({
      headline: 'perf-gate passed: all 1 threshold held',
      reasons: []
    })
  })

  it("names a crossed threshold with its observed value in the metric's unit", () => {
    const verdict = decideVerdict({
      run: k6Run('thresholds-crossed', 99),
      summary: summary(false),
      failOnIterationErrors: true
    })
    expect(verdict.passed).toBe(false)
    expect(verdictText(verdict, summary(false)).reasons).toEqual([
      '1 threshold crossed: http_req_duration p(95)<500 (p(95)=612 ms)'
    ])
  })

  it('fails exit 99 even when no summary names the threshold', () => {
    const verdict = decideVerdict({
      run: k6Run('thresholds-crossed', 99),
      failOnIterationErrors: true
    })
    expect(verdictText(verdict, undefined).reasons[0]).toMatch(
      /k6 reports crossed thresholds \(exit code 99\)/
    )
  })

  it('never passes a clean exit whose summary could not be read', () => {
    const verdict = decideVerdict({
      run: k6Run('passed', 0),
      summaryError: 'summary.json: is not JSON',
      failOnIterationErrors: true
    })
    expect(verdict.passed).toBe(false)
    expect(verdictText(verdict, undefined).reasons).toEqual([
      "k6's summary could not be read: summary.json: is not JSON"
    ])
  })

  it('turns iteration exceptions into a warning when asked to', () => {
    const stderr = {
      iterationErrors: 3,
      firstIterationErrors: [{ message: 'TypeError: x', count: 3 }]
    }
    const strict = decideVerdict({
      run: k6Run('iteration-errors', 0, stderr),
      summary: summary(true),
      failOnIterationErrors: true
    })
    const lenient = decideVerdict({
      run: k6Run('iteration-errors', 0, stderr),
      summary: summary(true),
      failOnIterationErrors: false
    })
    expect(strict.passed).toBe(false)
    expect(verdictText(strict, undefined).reasons[0]).toBe(
      '3 exceptions thrown inside iterations (k6 exits 0 on these); first: TypeError: x'
    )
    expect(lenient.passed).toBe(true)
    expect(verdictText(lenient, undefined).warnings).toEqual(
      verdictText(strict, undefined).reasons
    )
  })

  it.each<[Outcome, number, string]>([
    [
      'invalid-options',
      104,
      'k6 rejected the test options (exit code 104): bad'
    ],
    ['script-error', 107, 'the script failed (exit code 107): bad'],
    [
      'aborted-by-script',
      108,
      'the script aborted the test (exec.test.abort, exit code 108): bad'
    ],
    ['k6-error', 255, 'k6 failed with exit code 255: bad']
  ])("%s explains itself with k6's own error", (outcome, code, reason) => {
    const verdict = decideVerdict({
      run: k6Run(outcome, code, { errors: ['bad'] }),
      failOnIterationErrors: true
    })
    expect(verdictText(verdict, undefined).reasons).toEqual([reason])
    expect(verdictText(verdict, undefined).headline).toBe(
      `perf-gate failed: ${reason}`
    )
  })

  it('a cancelled run fails and says so', () => {
    const run = {
      ...k6Run('cancelled', 105),
      cancelledBy: 'SIGTERM' as NodeJS.Signals
    }
    const verdict = decideVerdict({
      run,
      summary: summary(true),
      failOnIterationErrors: true
    })
    expect(verdictText(verdict, undefined).reasons).toEqual([
      'the run was cancelled (SIGTERM); k6 stopped before the test finished'
    ])
  })
})

describe('classifyOutcome', () => {
  const digest = (
    errors: string[] = [],
    iterationErrors = 0
  ): StderrDigest => ({ ...quiet, errors, iterationErrors })
  it.each<[number, StderrDigest, Outcome]>([
    [0, digest(), 'passed'],
    [0, digest([], 2), 'iteration-errors'],
    [99, digest(), 'thresholds-crossed'],
    [104, digest(), 'invalid-options'],
    [105, digest(), 'cancelled'],
    [107, digest(), 'script-error'],
    [108, digest(), 'aborted-by-script'],
    [
      255,
      digest(['load.js:3:0 Expected "}" but found "export"']),
      'script-error'
    ],
    [255, digest(['something else broke']), 'k6-error'],
    [1, digest(), 'k6-error']
  ])('exit %i → %s', (code, stderr, outcome) => {
    expect(classifyOutcome(code, stderr, undefined, '/w/perf/load.js')).toBe(
      outcome
    )
  })

  it('a forwarded signal means cancelled whatever the exit code', () => {
    expect(classifyOutcome(0, digest(), 'SIGINT', '/w/x.js')).toBe('cancelled')
  })
})
