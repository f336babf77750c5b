import { describe, expect, it } from '@jest/globals'
import { compare, toleranceConfig } from '../src/baseline/compare.js'
import type { BaselineEntry, MetricSet } from '../src/baseline/entry.js'
import { regressionGate, gateVerdict } from '../src/baseline/gate.js'
import { shouldWrite } from '../src/baseline/run.js'
import type { RunContext } from '../src/context.js'

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
    objective: 'load',
    fingerprint: 'fp1',
    overall,
    endpoints: {},
    series: { bucketSeconds: 1, p95: [], rps: [], errorRate: [] },
    ...extra
  }
}

/** Six runs of history with a little spread around the given figures. */
function history(base: MetricSet): BaselineEntry[] {
  return [0.98, 1.01, 0.99, 1.02, 1.0, 0.995].map((k) =>
    run(
      Object.fromEntries(
        Object.entries(base).map(([key, v]) => [
          key,
          (v ?? 0) * (key === 'errorRate' ? 1 : k)
        ])
      )
    )
  )
}

const base = { p95: 100, p99: 150, rps: 200, errorRate: 0.001 }
const status = (c: ReturnType<typeof compare>, metric: string) =>
  c.metrics.find((m) => m.metric === metric)?.status

describe('compare', () => {
  it('flags latency up and throughput down, each in its worse direction', () => {
    const c = compare({
      current: run({ ...base, p95: 130, rps: 150 }),
      stored: history(base)
    })
    expect(status(c, 'p95')).toBe('regression')
    expect(status(c, 'rps')).toBe('regression')
    expect(status(c, 'p99')).toBe('ok')
    expect(c.regressions[0].reason).toMatch(
      /p95 latency 99\.8 ms → 130 ms \(\+30\.3%\) \(robust z \d+\.\d\)/
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

  it('needs the absolute floor: +20% of a 20 ms p95 is 4 ms, below 5 ms', () => {
    const fast = { p95: 20 }
    const c = compare({ current: run({ p95: 24 }), stored: history(fast) })
    expect(status(c, 'p95')).toBe('ok')
    const c2 = compare({ current: run({ p95: 26 }), stored: history(fast) })
    expect(status(c2, 'p95')).toBe('regression')
  })

  it('counts error rates in percentage points', () => {
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

  it('needs the change to stand out of the history’s own noise', () => {
    const noisy = [0.7, 1.3, 0.8, 1.25, 0.9, 1.2].map((k) =>
      run({ p95: 100 * k })
    )
    const c = compare({ current: run({ p95: 125 }), stored: noisy })
    expect(status(c, 'p95')).toBe('ok')
    expect(c.metrics[0].reason).toMatch(/within the noise \(robust z/)
  })

  it('does not gate when the load shape changed', () => {
    const c = compare({
      current: run({ ...base, p95: 200 }, { fingerprint: 'fp2' }),
      stored: history(base)
    })
    expect(c.fingerprintChanged).toBe(true)
    expect(c.regressions).toEqual([])
    expect(status(c, 'p95')).toBe('inconclusive')
    expect(
      regressionGate(c, {
        failOnRegression: true,
        waiverLabel: 'w',
        labels: []
      }).note
    ).toMatch(/load shape changed/)
  })

  it('takes tolerances per metric and per endpoint from the profile', () => {
    const tolerances = toleranceConfig({
      p95: { warn: 20, fail: 50 },
      endpoints: { checkout: { p95: { fail: 5, warn: 2 } } }
    })
    const stored = history(base).map((e) => ({
      ...e,
      endpoints: {
        checkout: { p95: e.overall.p95, requests: 10 },
        search: { p95: e.overall.p95, requests: 5 }
      }
    }))
    const current = run(
      { ...base, p95: 130 },
      {
        endpoints: {
          checkout: { p95: 108, requests: 10 },
          search: { p95: 108, requests: 5 }
        }
      }
    )
    const c = compare({ current, stored, tolerances })
    expect(status(c, 'p95')).toBe('warning') // +30%: beyond warn 20, under fail 50
    const endpoint = (name: string) =>
      c.endpoints.find((e) => e.scope === name && e.metric === 'p95')?.status
    expect(endpoint('checkout')).toBe('regression') // +8% > its own 5%
    expect(endpoint('search')).toBe('ok') // +8%: under the profile's p95 warn 20%
  })

  it('with little history and no time buckets says it cannot judge', () => {
    const c = compare({
      current: run({ p95: 150 }),
      stored: [run({ p95: 100 })]
    })
    expect(status(c, 'p95')).toBe('inconclusive')
    expect(c.metrics[0].reason).toMatch(/too few time buckets/)
  })

  it('with one run of history, a change beyond the noise but not clearly beyond the fail tolerance warns', () => {
    // Alternating wiggle: no autocorrelation to discount.
    const series = (level: number) =>
      Array.from({ length: 30 }, (_, i) => level + (i % 2 ? 0.5 : -0.5))
    const withSeries = (p95: number, level: number) =>
      run(
        { p95 },
        {
          series: {
            bucketSeconds: 1,
            p95: series(level),
            rps: [],
            errorRate: []
          }
        }
      )
    const baseline = withSeries(100, 100)
    // +12% overall, but the buckets sit only 4% above the baseline's: not
    // clearly beyond the 5% warn tolerance, clearly beyond nothing.
    const c = compare({ current: withSeries(112, 104), stored: [baseline] })
    expect(status(c, 'p95')).toBe('warning')
    expect(c.metrics[0].noise.method).toBe('mann-whitney')
    // Buckets 20% up: a regression.
    const r = compare({ current: withSeries(120, 120), stored: [baseline] })
    expect(status(r, 'p95')).toBe('regression')
    // Same buckets: within the noise, whatever the overall figure says.
    const same = compare({ current: withSeries(112, 100), stored: [baseline] })
    expect(status(same, 'p95')).toBe('ok')
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
    const gate = regressionGate(c, options)
    expect(gate.failing).toBe(true)
    expect(gateVerdict(true, gate)).toBe('regression')
    const waived = regressionGate(c, {
      ...options,
      labels: ['perf-gate:accept-regression']
    })
    expect(waived).toMatchObject({
      failing: false,
      waivedBy: 'perf-gate:accept-regression'
    })
    expect(gateVerdict(true, waived)).toBe('waived')
    expect(
      gateVerdict(
        true,
        regressionGate(c, { ...options, failOnRegression: false })
      )
    ).toBe('warn')
    expect(gateVerdict(false, waived)).toBe('fail')
  })
})

describe('who writes the baseline', () => {
  const context = (eventName: string, ref: string, pr = false): RunContext => ({
    eventName,
    repository: 'acme/shop',
    sha: 'abc',
    ref,
    runId: '1',
    runAttempt: '1',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    defaultBranch: 'main',
    dispatchInputs: {},
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
