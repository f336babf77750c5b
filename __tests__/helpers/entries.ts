import type { BaselineEntry } from '../../src/baseline/entry.js'

/** A stored baseline entry, the nth run on main: later n, later date. */
export function entry(
  n: number,
  overrides: Partial<BaselineEntry> = {}
): BaselineEntry {
  return {
    commit: `c${String(n).padStart(6, '0')}`.padEnd(40, '0'),
    ref: 'refs/heads/main',
    runId: String(100 + n),
    date: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(),
    runner: { os: 'Linux', arch: 'X64' },
    objective: 'load',
    fingerprint: 'fp1',
    overall: { p95: 100 + n, rps: 50, errorRate: 0 },
    endpoints: {},
    series: {
      bucketSeconds: 1,
      p95: [100, 101],
      rps: [50, 50],
      errorRate: [0, 0]
    },
    ...overrides
  }
}

/**
 * Six earlier runs on main made of `latest` (a real run's entry), each ten
 * times as fast: against them the same run is a clear regression.
 */
export function fasterHistory(latest: BaselineEntry): BaselineEntry[] {
  const tenth = (v: number | null | undefined): number =>
    typeof v === 'number' ? v / 10 : NaN
  return [1, 2, 3, 4, 5, 6].map((i) => ({
    ...latest,
    runId: String(i),
    commit: `${i}`.repeat(40),
    date: new Date(Date.UTC(2026, 10, i)).toISOString(),
    overall: {
      ...latest.overall,
      p95: tenth(latest.overall.p95) * (1 + i / 1000),
      p99: tenth(latest.overall.p99) * (1 + i / 1000)
    },
    endpoints: {}
  }))
}
