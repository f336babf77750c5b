import type { KeyFigures } from './figures.js'
import {
  capacity,
  capacityFinding,
  drift,
  isRamping,
  limitsFromThresholds,
  soakFinding,
  type Finding
} from './findings.js'
import type { LatencyStats } from './types.js'
import type { EndpointStats, ResultsAnalysis } from './types.js'
import { parseMetricKey, parseThresholdExpression } from '../k6/thresholds.js'
import type { SummaryResult } from './types.js'

/**
 * What results.json adds to the summary: units for custom metrics (the
 * summary-export format leaves them out), and threshold values k6 did not
 * export (a `p(99)` threshold without p(99) in summaryTrendStats).
 */
export function enrichSummary(
  summary: SummaryResult,
  stream: ResultsAnalysis
): SummaryResult {
  const metrics = { ...summary.metrics }
  for (const [key, metric] of Object.entries(metrics)) {
    const info = stream.metrics[metric.metric]
    if (info && (info.contains === 'time' || info.contains === 'data')) {
      metrics[key] = { ...metric, contains: info.contains }
    }
  }
  const thresholds = summary.thresholds.map((t) =>
    t.observed !== undefined
      ? t
      : { ...t, observed: observedFromStream(t.metric, t.expression, stream) }
  )
  return { ...summary, metrics, thresholds }
}

/** Latency statistics of http_req_duration or its name/scenario sub-metric. */
function observedFromStream(
  key: string,
  expression: string,
  stream: ResultsAnalysis
): number | undefined {
  let parsed
  let metric
  try {
    parsed = parseThresholdExpression(expression)
    metric = parseMetricKey(key)
  } catch {
    return undefined
  }
  if (metric.metric !== 'http_req_duration') return undefined
  const tags = Object.entries(metric.tags)
  let latency: LatencyStats | undefined
  if (tags.length === 0) latency = stream.http.latency
  else if (tags.length === 1 && tags[0][0] === 'name')
    latency = find(stream.endpoints, tags[0][1])
  else if (tags.length === 1 && tags[0][0] === 'scenario')
    latency = find(stream.scenarios, tags[0][1])
  if (!latency) return undefined
  switch (parsed.aggregation) {
    case 'avg':
      return latency.avg
    case 'min':
      return latency.min
    case 'max':
      return latency.max
    case 'med':
      return latency.p50
    case 'p': {
      const key = `p${parsed.percentile}` as 'p50' | 'p90' | 'p95' | 'p99'
      return [50, 90, 95, 99].includes(parsed.percentile ?? -1)
        ? latency[key]
        : undefined
    }
    default:
      return undefined
  }
}

function find(groups: EndpointStats[], name: string): LatencyStats | undefined {
  return groups.find((g) => g.name === name)?.latency
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

export interface FindingOptions {
  /** The capacity model's production ÷ test factor, when there is one. */
  capacityFactor?: number
  /** Look for drift: soak objectives, or any run of 10 minutes or more. */
  soak?: boolean
}

export function findings(
  stream: ResultsAnalysis,
  summary: SummaryResult | undefined,
  options: FindingOptions = {}
): Finding[] {
  const out: Finding[] = []
  const buckets = stream.series.buckets
  if (options.soak ?? stream.durationS >= 600) {
    const d = drift(buckets)
    if (d) out.push(soakFinding(d))
  }
  if (isRamping(buckets)) {
    const c = capacity(
      buckets,
      limitsFromThresholds(summary?.thresholds ?? []),
      options.capacityFactor
    )
    if (c) out.push(capacityFinding(c))
  }
  return out
}
