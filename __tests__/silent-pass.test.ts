import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { decideVerdict } from '../src/judge/verdict.js'
import type { K6Run, Outcome } from '../src/k6/run.js'
import { verdictText } from '../src/report/verdict.js'
import { keyFigures } from '../src/results/figures.js'
import { parseSummary, readSummary } from '../src/results/summary.js'
import {
  annotations,
  FAKE_K6,
  FIXTURES,
  fixtureScript,
  runAction
} from './helpers/action.js'

/**
 * Runs that must not pass: nothing worked, or the figures are not k6's.
 * Each starts from a real recorded run.
 */
function k6Run(outcome: Outcome, exitCode: number): K6Run {
  return {
    argv: [],
    exitCode,
    outcome,
    summaryPath: '',
    resultsPath: '',
    logPath: '',
    wallTimeMs: 1000,
    stderr: {
      lines: 0,
      iterationErrors: 0,
      firstIterationErrors: [],
      requestFailures: {},
      errors: []
    }
  }
}

describe('a run where nothing worked', () => {
  // Every request refused (the target down), as k6 recorded it.
  const down = readSummary(path.join(FIXTURES, 'down', 'summary.json'))
  // The same figures from a script that sets no thresholds: the guard's case.
  const noThresholds = { ...down, thresholds: [] }
  const rate = keyFigures(down).errorRate

  it('fails on perf-gate’s error-rate guard when the script sets no threshold on failed requests', () => {
    expect(rate).toBe(1)
    const verdict = decideVerdict({
      run: k6Run('passed', 0),
      summary: noThresholds,
      failOnIterationErrors: true,
      errorGuard: 0.1,
      errorRate: rate,
      guardsErrors: false
    })
    expect(verdict.passed).toBe(false)
    expect(verdictText(verdict, noThresholds).reasons).toEqual([
      "100.00% of requests failed, above perf-gate's error-rate guard of 10.00% (the script sets no threshold on http_req_failed; set one, or change error-guard)"
    ])
  })

  it('leaves the judging to the script’s own threshold when it has one, and is off when asked', () => {
    const own = decideVerdict({
      run: k6Run('thresholds-crossed', 99),
      summary: down,
      failOnIterationErrors: true,
      errorGuard: 0.1,
      errorRate: rate,
      guardsErrors: true
    })
    expect(own.failures.map((r) => r.kind)).not.toContain('error-guard')
    expect(own.errorGuard).toBeUndefined()
    const off = decideVerdict({
      run: k6Run('passed', 0),
      summary: noThresholds,
      failOnIterationErrors: true,
      errorGuard: undefined,
      errorRate: rate,
      guardsErrors: false
    })
    expect(off.passed).toBe(true)
  })

  it('says so in the job summary when the guard applied and held (a real run without such a threshold)', async () => {
    const run = await runAction({
      files: {
        'perf/tagstat.js': fs.readFileSync(
          path.join(FIXTURES, 'v1.3.0', 'tagstat', 'script.js'),
          'utf8'
        )
      },
      inputs: { script: 'perf/tagstat.js', 'k6-path': FAKE_K6 },
      env: { FAKE_K6_FIXTURE: 'v1.3.0/tagstat' },
      event: { name: 'push', payload: {} }
    })
    expect(run.code).toBe(0)
    expect(run.summary).toContain(
      "The script sets no threshold on `http_req_failed`: perf-gate's error-rate guard applied (fails above 10.00%; input `error-guard`): 0.00% of requests failed."
    )
  })
})

describe('figures that are not k6’s', () => {
  const text = fs.readFileSync(
    path.join(FIXTURES, 'pass', 'summary.json'),
    'utf8'
  )
  const tampered = (
    change: (
      data: Record<string, Record<string, Record<string, unknown>>>
    ) => void
  ): string => {
    const data = JSON.parse(text)
    change(data)
    return JSON.stringify(data)
  }

  it('a statistic that is not a number is named and refused', () => {
    expect(() =>
      parseSummary(
        tampered((d) => (d.metrics.http_req_duration['p(95)'] = 'fast')),
        'summary.json'
      )
    ).toThrow(
      'summary.json: is not a k6 summary: metrics.http_req_duration.p(95) is "fast", not a figure k6 writes'
    )
  })

  it('a negative rate or a rate above 1 is refused', () => {
    expect(() =>
      parseSummary(
        tampered((d) => (d.metrics.http_reqs.rate = -5)),
        'summary.json'
      )
    ).toThrow('metrics.http_reqs.rate is -5: http_reqs is never negative')
    expect(() =>
      parseSummary(
        tampered((d) => (d.metrics.checks.value = 3)),
        'summary.json'
      )
    ).toThrow('metrics.checks.rate is 3: a rate is a share from 0 to 1')
  })

  it('such a summary fails the run with one line, and no output reports its figures', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tampered-'))
    fs.cpSync(path.join(FIXTURES, 'pass'), path.join(root, 'pass'), {
      recursive: true
    })
    fs.copyFileSync(
      path.join(FIXTURES, 'version.txt'),
      path.join(root, 'version.txt')
    )
    fs.writeFileSync(
      path.join(root, 'pass', 'summary.json'),
      tampered((d) => (d.metrics.http_reqs.rate = -5))
    )
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6 },
      env: { FAKE_K6_FIXTURES: root },
      event: { name: 'push', payload: {} }
    })
    expect(run.code).toBe(1)
    expect(run.outputs.passed).toBe('false')
    expect(run.outputs.rps).not.toBe('-5')
    const failure = annotations(run.stdout).find((l) =>
      l.includes('perf-gate failed')
    )
    expect(failure).toMatch(
      /perf-gate failed: k6's summary could not be read: .*summary\.json: is not a k6 summary: metrics\.http_reqs\.rate is -5/
    )
    expect(failure?.split('\n')).toHaveLength(1)
  })

  it('exit 99 with a summary whose thresholds all held says so, and fails on k6’s word', () => {
    const pass = readSummary(path.join(FIXTURES, 'pass', 'summary.json'))
    const verdict = decideVerdict({
      run: k6Run('thresholds-crossed', 99),
      summary: pass,
      failOnIterationErrors: true
    })
    expect(verdict.passed).toBe(false)
    expect(verdictText(verdict, pass).reasons[0]).toBe(
      `k6 exited 99 (a threshold was crossed) though its summary shows all ${pass.thresholds.length} thresholds held; k6's exit code decides`
    )
  })
})
