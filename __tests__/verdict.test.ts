import { formatDuration } from '../src/shared/duration.js'
import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  k6MessageLine,
  StderrAnalyser,
  type StderrDigest
} from '../src/k6/log.js'
import type { K6Run, Outcome } from '../src/k6/run.js'
import { classifyOutcome } from '../src/k6/run.js'
import type { SummaryResult } from '../src/results/types.js'
import { decideVerdict } from '../src/judge/verdict.js'
import { verdictText } from '../src/report/verdict.js'
import { FIXTURES } from './helpers/action.js'

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
    [97, digest(), 'cloud-error'],
    [98, digest(), 'cloud-error'],
    [100, digest(), 'setup-timeout'],
    [101, digest(), 'teardown-timeout'],
    [109, digest(), 'k6-panic'],
    [110, digest(), 'marked-failed'],
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

describe("k6's own words, in one line", () => {
  /** The digest of a recorded stderr, as the action reads it. */
  const recorded = (fixture: string): StderrDigest => {
    const analyser = new StderrAnalyser()
    for (const line of fs
      .readFileSync(path.join(FIXTURES, fixture, 'stderr.txt'), 'utf8')
      .split('\n'))
      analyser.push(line)
    return analyser.result()
  }

  it.each<[number, Outcome, Partial<StderrDigest>, string]>([
    [
      110,
      'marked-failed',
      recorded('v2.2.0/testfail'),
      'the script marked the test as failed (exec.test.fail, exit code 110): saw 200 from /api/status at iteration 40'
    ],
    [
      100,
      'setup-timeout',
      recorded('v1.3.0/setuptimeout'),
      'setup() ran past its time limit (exit code 100): setup() execution timed out after 1 seconds (You can increase the time limit via the setupTimeout option)'
    ],
    [
      101,
      'teardown-timeout',
      {},
      "teardown() ran past its time limit (exit code 101); raise teardownTimeout in the script's options, or make teardown() faster"
    ],
    [
      109,
      'k6-panic',
      {},
      "k6 crashed (exit code 109, a panic inside k6: a k6 bug, not the script's); try another k6-version"
    ],
    [
      97,
      'cloud-error',
      {},
      'k6 exited with a k6 Cloud code (97); perf-gate runs k6 locally: remove cloud options from k6-args'
    ],
    [
      104,
      'invalid-options',
      recorded('badthreshold'),
      'k6 rejected the test options (exit code 104): failed parsing threshold expression\'s "p95<500" left hand side; reason: failed parsing method from expression'
    ],
    [
      107,
      'script-error',
      {
        errors: [
          'TypeError: x is undefined\n\tat setup (file:///home/runner/work/app/app/perf/load.js:9:3(12))\n\tat native'
        ]
      },
      'the script failed (exit code 107): TypeError: x is undefined'
    ],
    [
      255,
      'script-error',
      recorded('syntaxerr'),
      'the script failed (exit code 255): syntaxerr.js:3:0 Expected "}" but found "export"'
    ]
  ])('exit %i (%s)', (code, outcome, stderr, words) => {
    const verdict = decideVerdict({
      run: k6Run(outcome, code, stderr),
      failOnIterationErrors: true,
      workspace: '/home/runner/work/app/app'
    })
    expect(verdict.passed).toBe(false)
    expect(verdictText(verdict, undefined).headline).toBe(
      `perf-gate failed: ${words}`
    )
  })

  it('a runner path becomes workspace-relative, and a long message is clipped', () => {
    expect(
      k6MessageLine(
        'GoError: open file:///home/runner/work/app/app/perf/data.csv: no such file',
        '/home/runner/work/app/app'
      )
    ).toBe('GoError: open perf/data.csv: no such file')
    const long = k6MessageLine('x'.repeat(1000))
    expect(long).toHaveLength(300)
    expect(long.endsWith('…')).toBe(true)
  })
})

describe('durations as people read them', () => {
  it.each<[number, string]>([
    [6.2, '6.2s'],
    [30, '30s'],
    [59.9, '59.9s'],
    [59.96, '1m'],
    [90, '1m 30s'],
    [119.6, '2m'], // was "1m 60s"
    [660, '11m'],
    [3600, '1h'],
    [7500, '2h 5m'],
    [7501.4, '2h 5m 1s']
  ])('%s s is %s', (...[seconds, words]: [number, string]) => {
    expect(formatDuration(seconds)).toBe(words)
  })
})
