import type { SeriesWindow } from './types.js'
import { parseThresholdExpression } from '../k6/thresholds.js'

/**
 * Something the numbers show that a person should look at, as data with
 * its figures; report/findings.ts puts it into words.
 */
export type Finding =
  | { kind: 'drift'; severity: 'info' | 'warning'; drift: Drift }
  | { kind: 'capacity'; severity: 'info'; capacity: Capacity }

export interface Drift {
  /** Median window p95 over the first steady windows, ms. */
  firstP95: number
  lastP95: number
  /** (last − first) / first. */
  p95Change: number
  /** Least-squares slope of window p95 over the run, ms per hour. */
  p95SlopeMsPerHour: number
  firstErrorRate: number
  lastErrorRate: number
  /** The change of log p95 over the run's own noise (window to window). */
  p95Z: number
  /** The same for the error rate (two proportions). */
  errorZ: number
  windows: number
  /** The run's window-to-window variation of p95 (a share, as 0.08). */
  noise: number
}

/** Share of the windows compared at each end (after as many of warm-up). */
const WINDOW = 0.15
/** Windows a run needs for drift to be judged. */
export const DRIFT_MIN_WINDOWS = 8
/**
 * How far beyond the run's own noise a change must be: calibrated on the
 * 140 real runs of __tests__/fixtures/k6-noise, none of which drifts
 * (corpus.test prints the false alarms and the spliced detections).
 */
const DRIFT_Z = 4
/**
 * A change smaller than this is not a drift warning, however certain: two
 * unchanged real runs of the corpus end to end (a runner that changed
 * speed mid-run) differ by up to +30% at p95.
 */
const DRIFT_MIN_CHANGE = 0.35
const ERROR_MIN_CHANGE = 0.01

/**
 * Compare the last windows of a run with its first steady ones (after a
 * warm-up as long): undefined when the run has too few windows or its
 * load changed (a ramp is a capacity question, not a drift).
 */
export function drift(windows: readonly SeriesWindow[]): Drift | undefined {
  const busy = windows.filter((w) => w.requests > 0 && w.p95 > 0)
  const n = busy.length
  if (n < DRIFT_MIN_WINDOWS) return undefined
  const k = Math.max(2, Math.floor(n * WINDOW))
  const first = busy.slice(k, 2 * k)
  const last = busy.slice(n - k)
  const rate = (ws: readonly SeriesWindow[]): number =>
    ws.reduce((s, w) => s + w.requests, 0) /
    ws.reduce((s, w) => s + w.seconds, 0)
  const load = rate(last) / rate(first)
  if (!(load > 0.75 && load < 1.33)) return undefined
  const logs = busy.map((w) => Math.log(w.p95))
  // The run's own noise: successive differences (robust to a trend).
  const diffs = logs.slice(1).map((x, i) => Math.abs(x - logs[i]))
  const noise = (1.4826 * median(diffs)) / Math.SQRT2
  const mean = (xs: number[]): number =>
    xs.reduce((a, b) => a + b, 0) / xs.length
  const shift =
    mean(last.map((w) => Math.log(w.p95))) -
    mean(first.map((w) => Math.log(w.p95)))
  const p95Z = noise > 0 ? shift / (noise * Math.sqrt(2 / k)) : 0
  const firstP95 = median(first.map((w) => w.p95))
  const lastP95 = median(last.map((w) => w.p95))
  const errors = (ws: readonly SeriesWindow[]) => ({
    failures: ws.reduce((s, w) => s + w.failures, 0),
    requests: ws.reduce((s, w) => s + w.requests, 0)
  })
  const e1 = errors(first)
  const e2 = errors(last)
  const r1 = e1.failures / e1.requests
  const r2 = e2.failures / e2.requests
  const pooled = (e1.failures + e2.failures) / (e1.requests + e2.requests)
  const se = Math.sqrt(
    pooled * (1 - pooled) * (1 / e1.requests + 1 / e2.requests)
  )
  return {
    firstP95,
    lastP95,
    p95Change: firstP95 > 0 ? (lastP95 - firstP95) / firstP95 : 0,
    p95SlopeMsPerHour: slope(busy.map((w) => [w.t / 3600, w.p95])),
    firstErrorRate: r1,
    lastErrorRate: r2,
    p95Z,
    errorZ: se > 0 ? (r2 - r1) / se : 0,
    windows: n,
    noise: Math.expm1(noise)
  }
}

/** Latency or errors grew over the run, beyond its own noise. */
export function drifted(d: Drift): boolean {
  const latency = d.p95Change > DRIFT_MIN_CHANGE && d.p95Z > DRIFT_Z
  const errors =
    d.lastErrorRate - d.firstErrorRate > ERROR_MIN_CHANGE && d.errorZ > DRIFT_Z
  return latency || errors
}

/**
 * A drift finding: a warning when the run drifted; for a soak (whose
 * purpose it is) also an info that it did not.
 */
export function driftFinding(d: Drift, soak: boolean): Finding | undefined {
  if (drifted(d)) return { kind: 'drift', severity: 'warning', drift: d }
  return soak ? { kind: 'drift', severity: 'info', drift: d } : undefined
}

interface CapacityLimits {
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
  /**
   * The highest request rate held over a span of at least SUSTAIN_S (or a
   * 20th of the run) while within the limits, req/s.
   */
  sustainedRps: number
  /** How long that rate was held, s. */
  heldS: number
  /** Seconds into the run when the limits were first crossed for good. */
  breachedAtS?: number
  breachedBy?: 'latency' | 'errors'
  /** sustainedRps × the capacity model's factor, when there is one. */
  productionRps?: number
  factor?: number
}

/** A rate counts as sustained when held this long (or a 20th of the run). */
const SUSTAIN_S = 5

/**
 * Under a rising load, the highest rate sustained before latency or errors
 * crossed the limits (two windows in a row: one slow window is noise).
 */
export function capacity(
  windows: readonly SeriesWindow[],
  limits: CapacityLimits,
  factor?: number
): Capacity | undefined {
  if (limits.latencyMs === undefined && limits.errorRate === undefined)
    return undefined
  const busy = windows.filter((w) => w.requests > 0)
  if (busy.length < 6) return undefined
  const runS = busy.reduce((s, w) => s + w.seconds, 0)
  const span = Math.min(SUSTAIN_S, runS / 4, Math.max(runS / 20, 0))
  const latency = (w: SeriesWindow): number =>
    limits.percentile === 99 ? w.p99 : limits.percentile === 50 ? w.p50 : w.p95
  const slow = (w: SeriesWindow): boolean =>
    limits.latencyMs !== undefined && latency(w) > limits.latencyMs
  const failing = (w: SeriesWindow): boolean =>
    limits.errorRate !== undefined && w.errorRate > limits.errorRate
  let strikes = 0
  let breach: Capacity['breachedBy']
  let breachedAtS: number | undefined
  let within = busy.length
  for (let i = 0; i < busy.length; i++) {
    if (slow(busy[i]) || failing(busy[i])) {
      strikes++
      if (strikes === 2) {
        breach = slow(busy[i]) ? 'latency' : 'errors'
        breachedAtS = busy[i - 1].t
        within = i - 1
        break
      }
    } else strikes = 0
  }
  // The best rate over any span of at least `span` seconds of windows
  // that all held the limits.
  let sustained = 0
  let heldS = 0
  const good = (w: SeriesWindow): boolean => !slow(w) && !failing(w)
  for (let i = 0; i < within; i++) {
    let requests = 0
    let seconds = 0
    for (let j = i; j < within && good(busy[j]); j++) {
      requests += busy[j].requests
      seconds += busy[j].seconds
      if (seconds >= span - 1e-9) {
        const rps = requests / seconds
        if (rps > sustained) {
          sustained = rps
          heldS = seconds
        }
        break
      }
    }
  }
  if (sustained === 0) return undefined
  return {
    sustainedRps: sustained,
    heldS,
    breachedAtS,
    breachedBy: breach,
    productionRps: factor !== undefined ? sustained * factor : undefined,
    factor
  }
}

export function capacityFinding(capacity: Capacity): Finding {
  return { kind: 'capacity', severity: 'info', capacity }
}

/** Does the request rate climb over the run (a ramping objective)? */
export function isRamping(windows: readonly SeriesWindow[]): boolean {
  const busy = windows.filter((w) => w.requests > 0)
  if (busy.length < 6) return false
  const third = Math.floor(busy.length / 3)
  const mean = (xs: readonly SeriesWindow[]): number =>
    xs.reduce((sum, w) => sum + w.requests, 0) /
    xs.reduce((sum, w) => sum + w.seconds, 0)
  const start = mean(busy.slice(0, third))
  return (
    mean(busy.slice(-third)) > 1.5 * start ||
    Math.max(...busy.map((w) => w.rps)) > 2 * start
  )
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
