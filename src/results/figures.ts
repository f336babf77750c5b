import { percentileValue } from './summary.js'
import type { SummaryResult } from './types.js'

/** The figures a person looks at first, all optional: runs differ. */
export interface KeyFigures {
  p50Ms?: number
  p90Ms?: number
  p95Ms?: number
  p99Ms?: number
  avgMs?: number
  maxMs?: number
  requests?: number
  rps?: number
  /** Share of failed requests (`http_req_failed`), 0..1. */
  errorRate?: number
  failedRequests?: number
  /** Share of passed checks, 0..1. */
  checksRate?: number
  checksTotal?: number
  iterations?: number
  droppedIterations?: number
  /** Highest number of active VUs. */
  maxVus?: number
  /** VUs k6 allocated (vus_max): an arrival-rate pool, used or not. */
  allocatedVus?: number
  durationS?: number
}

export function keyFigures(
  summary: SummaryResult,
  wallTimeMs?: number
): KeyFigures {
  const m = summary.metrics
  const duration = m.http_req_duration?.values ?? {}
  const reqs = m.http_reqs?.values
  const failed = m.http_req_failed?.values
  const checks = m.checks?.values
  const iterations = m.iterations?.values

  return {
    p50Ms: percentileValue(duration, 50),
    p90Ms: percentileValue(duration, 90),
    p95Ms: percentileValue(duration, 95),
    p99Ms: percentileValue(duration, 99),
    avgMs: duration.avg,
    maxMs: duration.max,
    requests: reqs?.count,
    rps: reqs?.rate,
    errorRate: failed?.rate,
    failedRequests: failed?.passes,
    checksRate: checks?.rate,
    checksTotal:
      checks && checks.passes !== undefined && checks.fails !== undefined
        ? checks.passes + checks.fails
        : undefined,
    iterations: iterations?.count,
    droppedIterations: m.dropped_iterations?.values.count,
    maxVus: m.vus?.values.max ?? m.vus_max?.values.max,
    allocatedVus: m.vus_max?.values.max,
    durationS: runDurationS(summary, wallTimeMs)
  }
}

/**
 * Only the handleSummary format records the duration; otherwise a counter's
 * count ÷ rate gives it back, and k6's own wall time is the last resort.
 */
function runDurationS(
  summary: SummaryResult,
  wallTimeMs?: number
): number | undefined {
  if (summary.testRunDurationMs !== undefined) {
    return summary.testRunDurationMs / 1000
  }
  for (const name of ['http_reqs', 'iterations']) {
    const values = summary.metrics[name]?.values
    if (values?.count && values.rate) return values.count / values.rate
  }
  return wallTimeMs !== undefined ? wallTimeMs / 1000 : undefined
}
