import type { KeyFigures } from './figures.js'
import {
  capacity,
  capacityFinding,
  drift,
  isRamping,
  limitsFromThresholds,
  driftFinding,
  type Finding
} from './findings.js'
import type { ResultsAnalysis } from './types.js'
import type { SummaryResult } from './types.js'

/**
 * What results.json adds to the summary: units (the summary-export format
 * leaves them out; a metric's header says time, data, or neither, as for
 * a custom Trend of counts or the browser's CLS score). Threshold values k6 did not
 * export are computed by results/complete-thresholds.ts.
 */
export function enrichSummary(
  summary: SummaryResult,
  stream: ResultsAnalysis
): SummaryResult {
  const metrics = { ...summary.metrics }
  for (const [key, metric] of Object.entries(metrics)) {
    const info = stream.metrics[metric.metric]
    if (
      info &&
      (info.contains === 'time' ||
        info.contains === 'data' ||
        info.contains === 'default')
    ) {
      metrics[key] = { ...metric, contains: info.contains }
    }
  }
  return { ...summary, metrics }
}

/** Key figures, with what the summary lacks taken from results.json. */
export function completeFigures(
  figures: KeyFigures | undefined,
  stream: ResultsAnalysis
): KeyFigures {
  const f = { ...figures }
  const latency = stream.http.latency
  if (stream.http.requests > 0) {
    f.p50Ms ??= latency.p50
    f.p90Ms ??= latency.p90
    f.p95Ms ??= latency.p95
    f.p99Ms ??= latency.p99
    f.avgMs ??= latency.avg
    f.maxMs ??= latency.max
    f.requests ??= stream.http.requests
    f.rps ??= stream.http.rps
    f.errorRate ??= stream.http.errorRate
    f.failedRequests ??= stream.http.failures
  }
  if (stream.droppedIterations > 0)
    f.droppedIterations ??= stream.droppedIterations
  if (stream.maxVus > 0) f.maxVus ??= stream.maxVus
  if (stream.durationS > 0) f.durationS ??= stream.durationS
  return f
}

interface FindingOptions {
  /** The capacity model's production ÷ test factor, when there is one. */
  capacityFactor?: number
  /** A soak (or a run of 10 minutes or more): no drift is news too. */
  soak?: boolean
}

export function findings(
  stream: ResultsAnalysis,
  summary: SummaryResult | undefined,
  options: FindingOptions = {}
): Finding[] {
  const out: Finding[] = []
  const windows = stream.series.windows
  const d = drift(windows)
  if (d) {
    const finding = driftFinding(d, options.soak ?? stream.durationS >= 600)
    if (finding) out.push(finding)
  }
  // A rate held is news only under a rising load.
  if (isRamping(windows)) {
    const c = capacity(
      windows,
      limitsFromThresholds(summary?.thresholds ?? []),
      options.capacityFactor
    )
    if (c) out.push(capacityFinding(c))
  }
  return out
}
