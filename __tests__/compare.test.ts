import { describe, expect, it } from '@jest/globals'
import type { BaselineEntry, MetricSet } from '../src/baseline/entry.js'
import { shouldWrite } from '../src/pipeline/baseline.js'
import type { RunContext } from '../src/action/context.js'
import {
  compare,
  toleranceConfig,
  type Comparison
} from '../src/judge/compare.js'
import {
  decideRegressions,
  type RegressionDecision
} from '../src/judge/regressions.js'
import {
  applyRegressions,
  verdictLabel,
  type Verdict
} from '../src/judge/verdict.js'
import {
  describeComparison,
  sensitivityLine
} from '../src/report/comparison.js'

let n = 0
function run(
  overall: MetricSet,
  extra: Partial<BaselineEntry> = {}
): BaselineEntry {
  n++
  return {
    commit: `commit${n}`,
    ref: 'refs/heads/main',
    runId: String(n),
    date: new Date(Date.UTC(2026, 10, 1, n)).toISOString(),
    runner: { os: 'Linux', arch: 'X64' },
    durationS: 60,
    objective: 'load',
    fingerprint: 'fp1',
    overall: { requests: 3000, ...overall },
    endpoints: {},
    series: { bucketSeconds: 1, p95: [], rps: [], errorRate: [] },
    ...extra
  }
}

/** Runs of history with a little spread (about 1.5%) around the figures. */
function history(
  base: MetricSet,
  spread = [0.98, 1.01, 0.99, 1.02, 1.0, 0.995]
): BaselineEntry[] {
  return spread.map((k) =>
    run(
      Object.fromEntries(
        Object.entries(base).map(([key, v]) => [
          key,
          (v ?? 0) * (/Rate$/.test(key) || key === 'requests' ? 1 : k)
        ])
      )
    )
  )
}

const base = { p95: 100, p99: 150, rps: 200, errorRate: 0.001 }
/** 20 runs within ±1%: a history that has measured a steady service. */
const TWENTY_STEADY_RUNS = Array.from(
  { length: 20 },
  (_, i) => 1 + ((i % 5) - 2) * 0.005
)
/** The `verdict` output of a run that passed (or not) on its own. */
function label(runPassed: boolean, decision: RegressionDecision): string {
  const own: Verdict = {
    passed: runPassed,
    failures: runPassed ? [] : [{ kind: 'abort-on-fail' }],
    warnings: [],
    failedThresholds: [],
    thresholdCount: 0
  }
  return verdictLabel(applyRegressions(own, decision))
}

const find = (c: Comparison, metric: string) =>
  c.metrics.find((m) => m.metric === metric)
const status = (c: Comparison, metric: string) => find(c, metric)?.status

describe('compare', () => {
  it('flags latency up and throughput down, each in its worse direction', () => {
    const c = compare({
      current: run({ ...base, p95: 130, rps: 150 }),
      stored: history(base)
    })
    expect(status(c, 'p95')).toBe('regression')
    expect(status(c, 'rps')).toBe('regression')
    expect(status(c, 'p99')).toBe('ok')
    expect(describeComparison(find(c, 'p95')!)).toMatch(
      /^p95 latency 99\.\d ms → 130 ms \(\+30\.\d%\): beyond the \+\d+\.\d% \(\d+\.\d ms\) a change must exceed to fail with 6 runs of history \(p [<=] 0\.0\d+\)$/
    )
    // Faster and busier is better, never a regression.
    const better = compare({
      current: run({ ...base, p95: 70, rps: 260 }),
      stored: history(base)
    })
    expect(status(better, 'p95')).toBe('improved')
    expect(status(better, 'rps')).toBe('improved')
    expect(better.regressions).toEqual([])
  })

  it('has no fixed latency floor: a 20 ms service 20% slower is caught (4 ms, under the old 5 ms floor)', () => {
    const fast = { p95: 20 }
    const c = compare({ current: run({ p95: 24 }), stored: history(fast) })
    expect(status(c, 'p95')).toBe('regression')
    // The user can still set one: the profile's floor, or the input.
    const floored = compare({
      current: run({ p95: 24 }),
      stored: history(fast),
      tolerances: toleranceConfig(undefined, { floorMs: 5 })
    })
    expect(status(floored, 'p95')).toBe('ok')
    expect(find(floored, 'p95')?.evidence?.cutoff.fail?.by).toBe('floor')
  })

  it('keeps a 2 ms → 3 ms change on a trivial endpoint from failing when its runs say it is noise', () => {
    // The endpoint wobbles from run to run: its history says so.
    const wobbly = [2.0, 3.1, 1.8, 2.9, 2.2, 2.6].map((p95) =>
      run({ p95: 20 }, { endpoints: { '/ping': { p95, requests: 600 } } })
    )
    const c = compare({
      current: run(
        { p95: 20 },
        { endpoints: { '/ping': { p95: 3, requests: 600 } } }
      ),
      stored: wobbly
    })
    const ping = c.endpoints.find(
      (e) => e.scope === '/ping' && e.metric === 'p95'
    )
    expect(ping?.status).toBe('ok')
    // One run of history cannot show the wobble, but this run's own
    // sampling error (few requests above its p95) can.
    const one = compare({
      current: run(
        { p95: 20 },
        { endpoints: { '/ping': { p95: 3, p95Se: 0.3, requests: 250 } } }
      ),
      stored: [
        run(
          { p95: 20 },
          { endpoints: { '/ping': { p95: 2, p95Se: 0.3, requests: 250 } } }
        )
      ]
    })
    expect(
      one.endpoints.find((e) => e.scope === '/ping' && e.metric === 'p95')
        ?.status
    ).toBe('ok')
  })

  it('says what a run cannot judge and what would fix it', () => {
    const c = compare({
      current: run({ p95: 200, p99: 400, requests: 150 }),
      stored: history({ p95: 100, p99: 150, requests: 150 })
    })
    const p99 = find(c, 'p99')
    expect(p99?.status).toBe('not-judged')
    expect(p99?.notJudged).toEqual({
      why: 'too-few-requests',
      requests: 150,
      needed: 1000
    })
    expect(describeComparison(p99!)).toMatch(
      /^p99 latency 150 ms → 400 ms \(\+16\d\.\d%\): needs at least 1000 requests to be judged \(this run had 150\): a longer or heavier run would give it$/
    )
    expect(status(c, 'p95')).toBe('not-judged')
  })

  it('judges against one run of history with the prior spread, and says what more history would catch', () => {
    const one = [run({ p95: 100 })]
    expect(
      status(compare({ current: run({ p95: 110 }), stored: one }), 'p95')
    ).toBe('ok')
    expect(
      status(compare({ current: run({ p95: 150 }), stored: one }), 'p95')
    ).toBe('warning')
    const c = compare({ current: run({ p95: 200 }), stored: one })
    expect(status(c, 'p95')).toBe('regression')
    const e = find(c, 'p95')?.evidence
    expect(e?.runs).toBe(1)
    expect(e?.withTenRuns?.fail?.relative).toBeLessThan(
      e?.cutoff.fail?.relative ?? 0
    )
    // The flagged p95's row says its cut-off: no second line says it again.
    expect(sensitivityLine(c)).toBeUndefined()
    const ok = compare({ current: run({ p95: 110 }), stored: one })
    expect(sensitivityLine(ok)).toMatch(
      /^With 1 run of history this gate fails p95 changes above \+\d+\.\d% \(\d+(\.\d)? ms\) and warns above \+\d+\.\d% \(\d+(\.\d)? ms\); with 10 runs it would fail above about \+\d+\.\d% /
    )
  })

  it('counts error rates in percentage points, beyond the binomial noise', () => {
    const small = compare({
      current: run({ ...base, errorRate: 0.004 }),
      stored: history(base)
    })
    expect(status(small, 'errorRate')).toBe('ok') // +0.3 pp
    const big = compare({
      current: run({ ...base, errorRate: 0.03 }),
      stored: history(base)
    })
    expect(status(big, 'errorRate')).toBe('regression') // +2.9 pp
  })

  it('a check rate falling from 100% to 0% is a regression', () => {
    const checks = { p95: 100, checksRate: 1, checks: 600 }
    const c = compare({
      current: run({ p95: 100, checksRate: 0, checks: 600 }),
      stored: history(checks)
    })
    expect(status(c, 'checksRate')).toBe('regression')
  })

  it('a −12% throughput change fails once the history shows it is beyond the noise, as the README says', () => {
    const steady = history(base, TWENTY_STEADY_RUNS)
    const c = compare({ current: run({ ...base, rps: 176 }), stored: steady })
    expect(status(c, 'rps')).toBe('regression')
    expect(find(c, 'rps')?.evidence?.cutoff.fail).toMatchObject({
      by: 'tolerance',
      relative: 0.1
    })
    // Six runs cannot yet tell −12% from the noise: it warns, and the
    // table says what it would take to fail.
    const short = compare({
      current: run({ ...base, rps: 176 }),
      stored: history(base)
    })
    expect(status(short, 'rps')).toBe('warning')
    expect(find(short, 'rps')?.evidence?.cutoff.fail?.by).toBe('noise')
  })

  it('needs the change to stand out of the history’s own noise', () => {
    const noisy = history({ p95: 100 }, [0.7, 1.3, 0.8, 1.25, 0.9, 1.2])
    const c = compare({ current: run({ p95: 125 }), stored: noisy })
    expect(status(c, 'p95')).toBe('ok')
    expect(find(c, 'p95')?.evidence?.cutoff.fail?.by).toBe('noise')
  })

  it('leaves out runs that are not comparable: another runner, a run cut short, an outlier', () => {
    const stored = [
      ...history({ p95: 100 }),
      run({ p95: 300 }, { runner: { os: 'macOS', arch: 'ARM64' } }),
      run({ p95: 100 }, { durationS: 12 }),
      run({ p95: 260 })
    ]
    const c = compare({ current: run({ p95: 101 }), stored })
    expect(c.excluded).toEqual({
      runner: 1,
      duration: 1,
      older: 0,
      outliers: 1
    })
    expect(c.history).toHaveLength(6)
    expect(status(c, 'p95')).toBe('ok')
  })

  it('does not gate when the load shape changed', () => {
    const c = compare({
      current: run({ ...base, p95: 200 }, { fingerprint: 'fp2' }),
      stored: history(base)
    })
    expect(c.fingerprintChanged).toBe(true)
    expect(c.regressions).toEqual([])
    expect(status(c, 'p95')).toBe('not-judged')
    expect(
      decideRegressions(c, {
        failOnRegression: true,
        waiverLabel: 'w',
        labels: []
      }).note
    ).toBe('load-shape-changed')
  })

  it('takes tolerances per metric and per endpoint from the profile', () => {
    const tolerances = toleranceConfig({
      p95: { warn: 20, fail: 50 },
      endpoints: { checkout: { p95: { fail: 12, warn: 2 } } }
    })
    const stored = history(base, TWENTY_STEADY_RUNS).map((e) => ({
      ...e,
      endpoints: {
        checkout: { p95: e.overall.p95, requests: 600 },
        search: { p95: e.overall.p95, requests: 600 }
      }
    }))
    const current = run(
      { ...base, p95: 130 },
      {
        endpoints: {
          checkout: { p95: 115, requests: 600 },
          search: { p95: 115, requests: 600 }
        }
      }
    )
    const c = compare({ current, stored, tolerances })
    expect(status(c, 'p95')).toBe('warning') // +30%: beyond warn 20, under fail 50
    const endpoint = (name: string) =>
      c.endpoints.find((e) => e.scope === name && e.metric === 'p95')?.status
    expect(endpoint('checkout')).toBe('regression') // +15% > its own 12%
    expect(endpoint('search')).toBe('ok') // +15%: under the profile's p95 warn 20%
  })

  it('a waiver label turns failing regressions into a waived verdict', () => {
    const c = compare({
      current: run({ ...base, p95: 130 }),
      stored: history(base)
    })
    const options = {
      failOnRegression: true,
      waiverLabel: 'perf-gate:accept-regression',
      labels: [] as string[]
    }
    const gate = decideRegressions(c, options)
    expect(gate.failing).toBe(true)
    expect(label(true, gate)).toBe('regression')
    const waived = decideRegressions(c, {
      ...options,
      labels: ['perf-gate:accept-regression']
    })
    expect(waived).toMatchObject({
      failing: false,
      waivedBy: 'perf-gate:accept-regression'
    })
    expect(label(true, waived)).toBe('waived')
    expect(
      label(true, decideRegressions(c, { ...options, failOnRegression: false }))
    ).toBe('warn')
    expect(label(false, waived)).toBe('fail')
  })
})

describe('who writes the baseline', () => {
  const context = (eventName: string, ref: string, pr = false): RunContext => ({
    eventName,
    job: 'perf',
    repository: 'acme/shop',
    sha: 'abc',
    ref,
    runId: '1',
    runAttempt: '1',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    defaultBranch: 'main',
    dispatchInputs: {},
    onRunner: true,
    runner: { os: 'Linux', arch: 'X64' },
    tempDir: '/tmp',
    artifactService: false,
    stepSummary: false,
    pullRequest: pr
      ? {
          number: 7,
          baseRef: 'main',
          baseSha: 'b',
          headSha: 'h',
          fromFork: true,
          labels: []
        }
      : undefined
  })

  it('auto: passing push and schedule runs on the default branch only', () => {
    expect(shouldWrite('auto', context('push', 'refs/heads/main'), true)).toBe(
      true
    )
    expect(
      shouldWrite('auto', context('schedule', 'refs/heads/main'), true)
    ).toBe(true)
    expect(shouldWrite('auto', context('push', 'refs/heads/main'), false)).toBe(
      'this run did not pass'
    )
    expect(
      shouldWrite('auto', context('push', 'refs/heads/feature'), true)
    ).toMatch(/only push and schedule runs on the default branch/)
    expect(
      shouldWrite('auto', context('workflow_dispatch', 'refs/heads/main'), true)
    ).toMatch(/this is workflow_dispatch/)
  })

  it('pull requests (and so forks) never write, not even with always', () => {
    const pr = context('pull_request', 'refs/pull/7/merge', true)
    expect(shouldWrite('always', pr, true)).toBe(
      'pull request runs never write the baseline'
    )
    expect(
      shouldWrite('always', context('workflow_dispatch', 'refs/heads/x'), false)
    ).toBe(true)
    expect(shouldWrite('never', context('push', 'refs/heads/main'), true)).toBe(
      'update-baseline is never'
    )
  })
})
