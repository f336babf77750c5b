import type { SeriesBucket } from './types.js'
import { parseThresholdExpression } from '../k6/thresholds.js'

/**
 * Something the numbers show that a person should look at, as data with
 * its figures; report/findings.ts puts it into words.
 */
export type Finding =
  | { kind: 'soak-drift'; severity: 'info' | 'warning'; drift: Drift }
  | { kind: 'capacity'; severity: 'info'; capacity: Capacity }

export interface Drift {
  /** Median bucket p95 over the first steady window, ms. */
  firstP95: number
  lastP95: number
  /** (last − first) / first. */
  p95Change: number
  /** Least-squares slope of bucket p95 over the run, ms per hour. */
  p95SlopeMsPerHour: number
  firstErrorRate: number
  lastErrorRate: number
}

const WINDOW = 0.15

/**
 * Compare the last window of a run with its first steady window (after a
 * warm-up of the same length). Undefined when the run is too short to say.
 */
export function drift(buckets: readonly SeriesBucket[]): Drift | undefined {
  const busy = buckets.filter((b) => b.requests > 0 && Number.isFinite(b.p95))
  if (busy.length < 20) return undefined
  const size = Math.max(3, Math.floor(busy.length * WINDOW))
  const first = busy.slice(size, 2 * size)
  const last = busy.slice(-size)
  const firstP95 = median(first.map((b) => b.p95))
  const lastP95 = median(last.map((b) => b.p95))
  return {
    firstP95,
    lastP95,
    p95Change: firstP95 > 0 ? (lastP95 - firstP95) / firstP95 : 0,
    p95SlopeMsPerHour: slope(busy.map((b) => [b.t / 3600, b.p95])),
    firstErrorRate: errorRate(first),
    lastErrorRate: errorRate(last)
  }
}

/** A soak finding: a warning when latency or errors grew over the run. */
export function soakFinding(drift: Drift): Finding {
  const grew = drift.p95Change > 0.2
  const errorsGrew = drift.lastErrorRate - drift.firstErrorRate > 0.01
  return {
    kind: 'soak-drift',
    severity: grew || errorsGrew ? 'warning' : 'info',
    drift
  }
}

export interface CapacityLimits {
  /** The latency limit in ms and the percentile it applies to. */
  latencyMs?: number
  percentile?: 50 | 95 | 99
  errorRate?: number
}

/** Limits from the run's own thresholds on http_req_duration / _failed. */
export function limitsFromThresholds(
  thresholds: readonly { metric: string; expression: string }[]
): CapacityLimits {
  const limits: CapacityLimits = {}
  for (const t of thresholds) {
    let parsed
    try {
      parsed = parseThresholdExpression(t.expression)
    } catch {
      continue
    }
    if (!['<', '<='].includes(parsed.operator)) continue
    if (
      t.metric === 'http_req_duration' &&
      parsed.aggregation === 'p' &&
      [50, 95, 99].includes(parsed.percentile ?? 0) &&
      (limits.percentile === undefined ||
        (parsed.percentile ?? 0) < limits.percentile)
    ) {
      limits.latencyMs = parsed.value
      limits.percentile = parsed.percentile as 50 | 95 | 99
    }
    if (t.metric === 'http_req_failed' && parsed.aggregation === 'rate') {
      limits.errorRate = parsed.value
    }
  }
  return limits
}

export interface Capacity {
  /** Highest request rate held while within the limits, req/s. */
  sustainedRps: number
  /** Seconds into the run when the limits were first crossed for good. */
  breachedAtS?: number
  breachedBy?: 'latency' | 'errors'
  /** sustainedRps × the capacity model's factor, when there is one. */
  productionRps?: number
}

/**
 * Under a rising load, the highest rate sustained before latency or errors
 * crossed the limits (two buckets in a row, so one slow bucket is noise).
 */
export function capacity(
  buckets: readonly SeriesBucket[],
  limits: CapacityLimits,
  factor?: number
): Capacity | undefined {
  if (limits.latencyMs === undefined && limits.errorRate === undefined)
    return undefined
  const busy = buckets.filter((b) => b.requests > 0)
  if (busy.length < 6) return undefined
  let sustained = 0
  let strikes = 0
  let breach: Capacity['breachedBy']
  let breachedAtS: number | undefined
  for (const b of busy) {
    const latency =
      limits.percentile === 99
        ? b.p99
        : limits.percentile === 50
          ? b.p50
          : b.p95
    const slow = limits.latencyMs !== undefined && latency > limits.latencyMs
    const failing =
      limits.errorRate !== undefined && b.errorRate > limits.errorRate
    if (slow || failing) {
      strikes++
      if (strikes === 2) {
        breach = slow ? 'latency' : 'errors'
        breachedAtS = b.t
        break
      }
    } else {
      strikes = 0
      sustained = Math.max(sustained, b.rps)
    }
  }
  return {
    sustainedRps: sustained,
    breachedAtS,
    breachedBy: breach,
    productionRps: factor !== undefined ? sustained * factor : undefined
  }
}

export function capacityFinding(capacity: Capacity): Finding {
  return { kind: 'capacity', severity: 'info', capacity }
}

/** Does the request rate climb over the run (a ramping objective)? */
export function isRamping(buckets: readonly SeriesBucket[]): boolean {
  const busy = buckets.filter((b) => b.requests > 0)
  if (busy.length < 9) return false
  const third = Math.floor(busy.length / 3)
  const mean = (xs: readonly SeriesBucket[]): number =>
    xs.reduce((sum, b) => sum + b.rps, 0) / xs.length
  return mean(busy.slice(-third)) > 1.5 * mean(busy.slice(0, third))
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function slope(points: [number, number][]): number {
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return den > 0 ? num / den : 0
}

function errorRate(buckets: readonly SeriesBucket[]): number {
  const requests = buckets.reduce((s, b) => s + b.requests, 0)
  const failures = buckets.reduce((s, b) => s + b.errorRate * b.requests, 0)
  return requests ? failures / requests : 0
}
