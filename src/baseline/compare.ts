import type { RegressionTolerances } from '../profile/schema.js'
import {
  formatMs,
  formatPercent,
  formatRate,
  formatSignedPercent
} from '../report/format.js'
import type { BaselineEntry, MetricSet } from './entry.js'
import { mannWhitneyGreater, median, robustZ } from './stats.js'

/**
 * Regression = beyond the tolerance AND beyond the absolute floor AND beyond
 * the noise. Each alone is fooled: tolerances by noisy runners, floors by
 * tiny latencies, statistics by large runs where any difference is
 * "significant".
 */

export type MetricKey =
  'p50' | 'p95' | 'p99' | 'avg' | 'errorRate' | 'rps' | 'checksRate'

export interface Tolerance {
  /** Relative change (percent) in the worse direction that warns. */
  warn?: number
  /** Relative change (percent) in the worse direction that fails. */
  fail?: number
  /** Absolute change below which nothing counts: ms, percentage points, req/s. */
  floor: number
}

interface MetricSpec {
  label: string
  unit: 'ms' | 'ratio' | 'rps'
  worse: 'up' | 'down'
  /** Which per-bucket series measures its noise with fewer than 5 runs. */
  series: 'p95' | 'rps' | 'errorRate'
}

export const METRICS: Record<MetricKey, MetricSpec> = {
  p95: { label: 'p95 latency', unit: 'ms', worse: 'up', series: 'p95' },
  p99: { label: 'p99 latency', unit: 'ms', worse: 'up', series: 'p95' },
  p50: { label: 'p50 latency', unit: 'ms', worse: 'up', series: 'p95' },
  avg: { label: 'average latency', unit: 'ms', worse: 'up', series: 'p95' },
  errorRate: {
    label: 'error rate',
    unit: 'ratio',
    worse: 'up',
    series: 'errorRate'
  },
  rps: { label: 'throughput', unit: 'rps', worse: 'down', series: 'rps' },
  checksRate: {
    label: 'checks passed',
    unit: 'ratio',
    worse: 'down',
    series: 'errorRate'
  }
}

/** Order of the baseline table. */
export const METRIC_ORDER: MetricKey[] = [
  'p95',
  'p99',
  'p50',
  'avg',
  'errorRate',
  'rps',
  'checksRate'
]

/**
 * Defaults: latency +10% fails, +5% warns, 5 ms floor; throughput −10%
 * fails; error rate +0.5 percentage points. p50 and the average only warn:
 * gating on every statistic multiplies the false alarms.
 */
export const DEFAULT_TOLERANCES: Record<MetricKey, Tolerance> = {
  p95: { warn: 5, fail: 10, floor: 5 },
  p99: { warn: 5, fail: 10, floor: 5 },
  p50: { warn: 10, floor: 5 },
  avg: { warn: 10, floor: 5 },
  errorRate: { warn: 0, fail: 0, floor: 0.5 },
  rps: { warn: 5, fail: 10, floor: 1 },
  checksRate: { warn: 0, fail: 0, floor: 0.5 }
}

/** Metrics compared per endpoint. */
const ENDPOINT_METRICS: MetricKey[] = ['p95', 'errorRate']
const MAX_ENDPOINTS = 30

export const Z_LIMIT = 3
export const P_LIMIT = 0.01
export const MIN_HISTORY_FOR_Z = 5

export type Status =
  'regression' | 'warning' | 'ok' | 'improved' | 'inconclusive' | 'no-baseline'

export interface Noise {
  method: 'robust-z' | 'mann-whitney' | 'none'
  /** Robust z-score in the worse direction. */
  z?: number
  /** One-sided p-value that the change exceeds the tolerance. */
  p?: number
  /** Why the noise could not be measured. */
  why?: string
}

export interface MetricComparison {
  /** `overall` or the endpoint's name. */
  scope: string
  metric: MetricKey
  baseline?: number
  current?: number
  /** Relative change in percent, signed as measured (not by direction). */
  deltaPct?: number
  status: Status
  /** The tier that was crossed, for `regression` and `warning`. */
  tier?: 'fail' | 'warn'
  noise: Noise
  /** One line for a person. */
  reason?: string
}

export interface ToleranceConfig {
  metrics?: Partial<Record<MetricKey, Partial<Tolerance>>>
  endpoints?: Record<string, Partial<Record<MetricKey, Partial<Tolerance>>>>
}

export interface Comparison {
  /** Entries of the same fingerprint the run was compared with. */
  history: BaselineEntry[]
  /** The newest of them: its commit and date are shown. */
  reference?: BaselineEntry
  /** The load shape changed: shown for information, never gated. */
  fingerprintChanged: boolean
  metrics: MetricComparison[]
  endpoints: MetricComparison[]
  regressions: MetricComparison[]
  warnings: MetricComparison[]
}

export interface CompareInput {
  current: BaselineEntry
  /** All stored entries for the objective, any fingerprint, oldest first. */
  stored: BaselineEntry[]
  tolerances?: ToleranceConfig
}

export function compare(input: CompareInput): Comparison {
  const { current } = input
  const usable = input.stored.filter(
    (e) => e.runId !== current.runId || e.commit !== current.commit
  )
  let history = usable.filter((e) => e.fingerprint === current.fingerprint)
  let fingerprintChanged = false
  if (history.length === 0 && usable.length > 0) {
    // Show the nearest thing, but do not gate on a different load shape.
    const latest = usable[usable.length - 1]
    history = usable.filter((e) => e.fingerprint === latest.fingerprint)
    fingerprintChanged = true
  }
  const reference = history.at(-1)
  const metrics = METRIC_ORDER.map((metric) =>
    compareMetric({
      scope: 'overall',
      metric,
      current: current.overall,
      currentSeries: current.series,
      history: history.map((e) => e.overall),
      referenceSeries: history.map((e) => e.series),
      tolerance: tolerance(input.tolerances, metric)
    })
  ).filter((c) => c.current !== undefined || c.baseline !== undefined)

  const endpointNames = Object.entries(current.endpoints)
    .sort((a, b) => (b[1].requests ?? 0) - (a[1].requests ?? 0))
    .slice(0, MAX_ENDPOINTS)
    .map(([name]) => name)
  const endpoints: MetricComparison[] = []
  for (const name of endpointNames) {
    const past = history
      .map((e) => e.endpoints[name])
      .filter((m): m is MetricSet => !!m)
    for (const metric of ENDPOINT_METRICS) {
      endpoints.push(
        compareMetric({
          scope: name,
          metric,
          current: current.endpoints[name],
          history: past,
          tolerance: tolerance(input.tolerances, metric, name)
        })
      )
    }
  }

  if (fingerprintChanged) {
    for (const c of [...metrics, ...endpoints]) {
      if (c.status === 'regression' || c.status === 'warning') {
        c.reason = `${c.reason ?? ''} (not gated: the load shape changed)`
        c.status = 'inconclusive'
      }
    }
  }
  const all = [...metrics, ...endpoints]
  return {
    history,
    reference,
    fingerprintChanged,
    metrics,
    endpoints,
    regressions: all.filter((c) => c.status === 'regression'),
    warnings: all.filter((c) => c.status === 'warning')
  }
}

/** The profile's `regression:` block, in compare()'s terms. */
export function toleranceConfig(
  profile: RegressionTolerances | undefined
): ToleranceConfig | undefined {
  if (!profile) return undefined
  const { endpoints, error_rate, checks_rate, ...rest } = profile
  return {
    metrics: { ...rest, errorRate: error_rate, checksRate: checks_rate },
    endpoints: Object.fromEntries(
      Object.entries(endpoints ?? {}).map(([name, t]) => [
        name,
        { p95: t.p95, errorRate: t.error_rate }
      ])
    )
  }
}

function tolerance(
  config: ToleranceConfig | undefined,
  metric: MetricKey,
  endpoint?: string
): Tolerance {
  const merged: Tolerance = { ...DEFAULT_TOLERANCES[metric] }
  for (const layer of [
    config?.metrics?.[metric],
    endpoint ? config?.endpoints?.[endpoint]?.[metric] : undefined
  ]) {
    for (const [key, v] of Object.entries(layer ?? {})) {
      if (v !== undefined) merged[key as keyof Tolerance] = v
    }
  }
  return merged
}

interface MetricInput {
  scope: string
  metric: MetricKey
  current?: MetricSet
  currentSeries?: BaselineEntry['series']
  history: MetricSet[]
  /** Bucket series of the runs compared with (used below 5 runs). */
  referenceSeries?: BaselineEntry['series'][]
  tolerance: Tolerance
}

function value(set: MetricSet | undefined, metric: MetricKey) {
  const v = set?.[metric]
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

export function compareMetric(input: MetricInput): MetricComparison {
  const spec = METRICS[input.metric]
  const current = value(input.current, input.metric)
  const past = input.history
    .map((s) => value(s, input.metric))
    .filter((v): v is number => v !== undefined)
  const base: MetricComparison = {
    scope: input.scope,
    metric: input.metric,
    current,
    status: 'no-baseline',
    noise: { method: 'none' }
  }
  if (past.length === 0 || current === undefined) {
    return { ...base, baseline: past.length ? median(past) : undefined }
  }
  // The reference value: the history's median once there is one worth the
  // name, the newest run before that.
  const baseline =
    past.length >= MIN_HISTORY_FOR_Z ? median(past) : past[past.length - 1]
  const sign = spec.worse === 'up' ? 1 : -1
  // Rates are compared in percentage points, as their floors are given.
  const scale = spec.unit === 'ratio' ? 100 : 1
  const worseBy = sign * (current - baseline) * scale
  const relative =
    baseline === 0
      ? worseBy > 0
        ? Infinity
        : 0
      : (sign * (current - baseline)) / Math.abs(baseline)
  const deltaPct =
    baseline === 0 ? undefined : ((current - baseline) / baseline) * 100
  const result: MetricComparison = {
    ...base,
    baseline,
    deltaPct,
    status: 'ok'
  }
  const { warn, fail, floor } = input.tolerance

  const crossed = (limit: number | undefined): boolean =>
    limit !== undefined && relative * 100 > limit && worseBy > floor
  // The fail tier first; a change that is not clearly beyond the fail
  // tolerance may still be clearly beyond the warn tolerance.
  const tiers = (['fail', 'warn'] as const).filter((t) =>
    crossed(t === 'fail' ? fail : warn)
  )
  if (tiers.length === 0) {
    const better = -worseBy > floor && -relative * 100 > (fail ?? warn ?? 0)
    result.status = better ? 'improved' : 'ok'
    return result
  }

  const change = describeChange(input.metric, baseline, current, deltaPct)
  let noise: Noise = { method: 'none' }
  for (const t of tiers) {
    const shiftPct = t === 'fail' ? (warn ?? 0) : 0
    noise = measureNoise(input, current, past, sign, shiftPct)
    const beyond =
      noise.method === 'robust-z'
        ? (noise.z ?? 0) > Z_LIMIT
        : noise.method === 'mann-whitney'
          ? (noise.p ?? 1) < P_LIMIT
          : false
    if (beyond) {
      result.noise = noise
      result.status = t === 'fail' ? 'regression' : 'warning'
      result.tier = t
      result.reason = `${change} (${noiseText(noise)})`
      return result
    }
  }
  result.noise = noise
  result.status = noise.method === 'none' ? 'inconclusive' : 'ok'
  result.reason =
    noise.method === 'none'
      ? `${change}, but ${noise.why}`
      : `${change}, within the noise (${noiseText(noise)})`
  return result
}

function measureNoise(
  input: MetricInput,
  current: number,
  past: number[],
  sign: number,
  shiftPct: number
): Noise {
  if (past.length >= MIN_HISTORY_FOR_Z) {
    return { method: 'robust-z', z: sign * robustZ(current, past) }
  }
  const spec = METRICS[input.metric]
  const mine = clean(input.currentSeries?.[spec.series])
  // Up to four earlier runs: their buckets pooled, for a steadier level.
  const theirs = (input.referenceSeries ?? []).flatMap((s) =>
    clean(s[spec.series])
  )
  if (!input.currentSeries || !input.referenceSeries?.length) {
    return {
      method: 'none',
      why: `fewer than ${MIN_HISTORY_FOR_Z} runs of history to judge the noise`
    }
  }
  // A failure needs evidence that the run is slower than the baseline by
  // more than the warn tolerance, not merely by something: the buckets are
  // tested against the baseline's moved by that much. Without it, a single
  // baseline run fails 2% of unchanged pull requests (see noise.test.ts).
  const shift = 1 + (sign * shiftPct) / 100
  const test =
    sign > 0
      ? mannWhitneyGreater(
          mine,
          theirs.map((v) => v * shift)
        )
      : mannWhitneyGreater(
          theirs.map((v) => v * shift),
          mine
        )
  if (!test) {
    return {
      method: 'none',
      why: 'too few time buckets to judge the noise (need 8 per run)'
    }
  }
  return { method: 'mann-whitney', p: test.p }
}

function clean(values: (number | null)[] | undefined): number[] {
  return (values ?? []).filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v)
  )
}

function noiseText(noise: Noise): string {
  if (noise.method === 'robust-z') return `robust z ${noise.z?.toFixed(1)}`
  if (noise.method === 'mann-whitney') {
    const p = noise.p ?? 1
    return `Mann–Whitney p ${p < 0.0001 ? '< 0.0001' : p.toFixed(4)}`
  }
  return noise.why ?? 'no noise estimate'
}

function describeChange(
  metric: MetricKey,
  baseline: number,
  current: number,
  deltaPct: number | undefined
): string {
  const pct =
    deltaPct === undefined || !Number.isFinite(deltaPct)
      ? ''
      : ` (${formatSignedPercent(deltaPct)})`
  return `${METRICS[metric].label} ${formatMetricValue(metric, baseline)} → ${formatMetricValue(metric, current)}${pct}`
}

/** A metric's value in its own unit: `12.3 ms`, `45.6/s`, `0.50%`. */
export function formatMetricValue(
  metric: MetricKey,
  value: number | undefined
): string {
  const unit = METRICS[metric].unit
  if (unit === 'ms') return formatMs(value)
  if (unit === 'rps') return formatRate(value)
  return formatPercent(value)
}
