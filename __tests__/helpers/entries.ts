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
