import type { BaselineEntry, MetricSet } from '../baseline/entry.js'
import {
  criticalT,
  median,
  predict,
  predictiveSd,
  test,
  withoutOutliers,
  type Observation,
  type Prior
} from './statistics.js'

/**
 * Compare one run with the history of its branch, metric by metric. A
 * change is a regression when it is beyond the noise (the history's own
 * spread and the run's own sampling error: see statistics.ts) AND beyond
 * the relative tolerance (a change too small to matter is not news, however
 * certain) AND beyond the absolute floor, when one is set. Everything here
 * is data; the words are made in report/.
 */

export type MetricKey =
  'p50' | 'p95' | 'p99' | 'avg' | 'errorRate' | 'rps' | 'checksRate'

type Unit = 'ms' | 'ratio' | 'rps'

interface MetricSpec {
  unit: Unit
  worse: 'up' | 'down'
  /** For percentiles: the share of requests below it. */
  quantile?: number
}

export const METRICS: Record<MetricKey, MetricSpec> = {
  p95: { unit: 'ms', worse: 'up', quantile: 0.95 },
  p99: { unit: 'ms', worse: 'up', quantile: 0.99 },
  p50: { unit: 'ms', worse: 'up', quantile: 0.5 },
  avg: { unit: 'ms', worse: 'up' },
  errorRate: { unit: 'ratio', worse: 'up' },
  rps: { unit: 'rps', worse: 'down' },
  checksRate: { unit: 'ratio', worse: 'down' }
}

/** Order of the baseline table. */
const METRIC_ORDER: MetricKey[] = [
  'p95',
  'p99',
  'p50',
  'avg',
  'errorRate',
  'rps',
  'checksRate'
]

interface Tolerance {
  /** Relative change (percent) in the worse direction that warns. */
  warn?: number
  /** Relative change (percent) in the worse direction that fails. */
  fail?: number
  /**
   * Absolute change below which nothing counts: ms, percentage points,
   * requests/s. None for latency by default: the noise decides.
   */
  floor: number
}

/**
 * Defaults: latency p95/p99 +10% fails, +5% warns; p50 and the average
 * only warn (gating on every statistic multiplies the false alarms);
 * throughput −10% fails; error rate and checks +0.5 percentage points.
 */
const DEFAULT_TOLERANCES: Record<MetricKey, Tolerance> = {
  p95: { warn: 5, fail: 10, floor: 0 },
  p99: { warn: 5, fail: 10, floor: 0 },
  p50: { warn: 10, floor: 0 },
  avg: { warn: 10, floor: 0 },
  errorRate: { warn: 0, fail: 0, floor: 0.5 },
  rps: { warn: 5, fail: 10, floor: 0 },
  checksRate: { warn: 0, fail: 0, floor: 0.5 }
}

/**
 * Metrics compared per endpoint: its latency by the statistic its requests
 * support (the p95 from 200 requests on; below that its median, which 20
 * requests already measure, so a doubled endpoint of a short pull request
 * run is caught), and its error rate.
 */
export function endpointMetrics(
  requests: number | null | undefined
): MetricKey[] {
  const tail = (requests ?? 0) >= requestsNeeded('p95')
  return [tail ? 'p95' : 'p50', 'errorRate']
}

/**
 * An endpoint judged by its median: a change must pass the noise and +20%
 * to fail, or to warn (an endpoint of few requests is noisy: a lower warn
 * tier added warnings on unchanged runs, corpus.test.ts). Overall the
 * median only warns: there the p95 and p99 gate.
 */
const ENDPOINT_MEDIAN: Tolerance = { warn: 20, fail: 20, floor: 0 }
const MAX_ENDPOINTS = 30

/**
 * False-alarm rate of each tier per figure judged. A run is judged on
 * several figures whose noise is largely shared (a slow runner slows p50,
 * p95 and the average alike), so half of the run's targets (fail 1%, warn
 * 5%) per figure keeps the run within them; the endpoints share one
 * figure's rate between them. Measured on real runs in corpus.test.ts.
 */
const ALPHA = { fail: 0.005, warn: 0.025 } as const

/**
 * Run-to-run spread assumed before the history can measure it, as a share
 * (latency, throughput) or on the arcsine scale (rates), worth PRIOR_WEIGHT
 * runs. From the calibration half of __tests__/fixtures/k6-noise (aa-01 to
 * aa-20: a coefficient of variation of p95 of 6.2% and 6.5%), rounded up;
 * corpus.test.ts judges it on the other half.
 */
export const DEFAULT_NOISE = 0.07
const RATE_NOISE = 0.01
const PRIOR_WEIGHT = 3

/** History runs used, the newest. */
const HISTORY_WINDOW = 20
/** A history run whose duration is this far from the others' is incomplete. */
const DURATION_TOLERANCE = 0.25
/** Requests a percentile needs beyond it to be judged: p95 needs 60. */
const TAIL_SAMPLES = 10
const MIN_REQUESTS = 10

export type Status =
  'regression' | 'warning' | 'ok' | 'improved' | 'not-judged' | 'no-baseline'

/** The smallest change in the worse direction that a tier flags. */
export interface Cutoff {
  /** As a share of the baseline: 0.12 is +12% (a drop of 12% for throughput). */
  relative: number
  /** In the metric's unit: ms, a share (rates), requests/s. */
  absolute: number
  /** What set it: the noise, the tolerance or the floor. */
  by: 'noise' | 'tolerance' | 'floor'
}

interface Evidence {
  /** History runs the comparison used. */
  runs: number
  /** Standardised change in the worse direction (Student t). */
  t: number
  df: number
  /** One-sided: how often an unchanged run would look at least this bad. */
  p: number
  /** The false-alarm rate of each tier for this test. */
  alpha: { warn: number; fail?: number }
  cutoff: { warn: Cutoff; fail?: Cutoff }
  /** The same cut-offs with 10 runs of history, when there are fewer. */
  withTenRuns?: { warn: Cutoff; fail?: Cutoff }
}

type NotJudged =
  | { why: 'no-value' }
  | { why: 'too-few-requests'; requests: number; needed: number }
  | { why: 'load-shape-changed' }

export interface MetricComparison {
  /** `overall` or the endpoint's name. */
  scope: string
  metric: MetricKey
  /** The history's center: its geometric mean (rates: pooled). */
  baseline?: number
  current?: number
  /** Relative change in percent, signed as measured (not by direction). */
  deltaPct?: number
  status: Status
  /** The tier that was crossed, for `regression` and `warning`. */
  tier?: 'fail' | 'warn'
  evidence?: Evidence
  notJudged?: NotJudged
}

export interface ToleranceConfig {
  metrics?: Partial<Record<MetricKey, Partial<Tolerance>>>
  endpoints?: Record<string, Partial<Record<MetricKey, Partial<Tolerance>>>>
  /** Run-to-run spread of latency and throughput assumed at first. */
  noise?: number
}

/** History runs left out, by why. */
interface Excluded {
  /** Another runner OS or CPU than this run's. */
  runner: number
  /** A duration far from the others' (aborted, cut short). */
  duration: number
  /** Older than the newest HISTORY_WINDOW. */
  older: number
  /**
   * Far outside the others (a main run on a bad runner), judged by the
   * median latency, the steadiest figure a run has.
   */
  outliers: number
}

export interface Comparison {
  /** Entries of the same fingerprint the run was compared with, oldest first. */
  history: BaselineEntry[]
  /** The newest of them: its commit and date are shown. */
  reference?: BaselineEntry
  excluded: Excluded
  /** The load shape changed: shown for information, never gated. */
  fingerprintChanged: boolean
  metrics: MetricComparison[]
  endpoints: MetricComparison[]
  regressions: MetricComparison[]
  warnings: MetricComparison[]
}

interface CompareInput {
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
  let sameShape = usable.filter((e) => e.fingerprint === current.fingerprint)
  let fingerprintChanged = false
  if (sameShape.length === 0 && usable.length > 0) {
    // Show the nearest thing, but do not gate on a different load shape.
    const latest = usable[usable.length - 1]
    sameShape = usable.filter((e) => e.fingerprint === latest.fingerprint)
    fingerprintChanged = true
  }
  const { history, excluded } = comparableHistory(current, sameShape)
  const reference = history.at(-1)
  const metrics = METRIC_ORDER.map((metric) =>
    compareMetric({
      scope: 'overall',
      metric,
      current: current.overall,
      history: history.map((e) => e.overall),
      tolerance: tolerance(input.tolerances, metric),
      noise: input.tolerances?.noise,
      alphaShare: 1
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
    for (const metric of endpointMetrics(current.endpoints[name].requests)) {
      endpoints.push(
        compareMetric({
          scope: name,
          metric,
          current: current.endpoints[name],
          history: past,
          tolerance: tolerance(input.tolerances, metric, name),
          noise: input.tolerances?.noise,
          // Each endpoint is one more chance of a false alarm: they share
          // the endpoints' part of the run's false-alarm rate.
          alphaShare: 1 / endpointNames.length
        })
      )
    }
  }

  if (fingerprintChanged) {
    for (const c of [...metrics, ...endpoints]) {
      if (c.status !== 'no-baseline') {
        c.status = 'not-judged'
        c.tier = undefined
        c.notJudged = { why: 'load-shape-changed' }
      }
    }
  }
  const all = [...metrics, ...endpoints]
  return {
    history,
    reference,
    excluded,
    fingerprintChanged,
    metrics,
    endpoints,
    regressions: all.filter((c) => c.status === 'regression'),
    warnings: all.filter((c) => c.status === 'warning')
  }
}

/**
 * The runs a comparison may use: on this run's kind of runner, complete
 * (their duration near the others'), the newest HISTORY_WINDOW.
 */
function comparableHistory(
  current: BaselineEntry,
  entries: readonly BaselineEntry[]
): { history: BaselineEntry[]; excluded: Excluded } {
  const excluded: Excluded = { runner: 0, duration: 0, older: 0, outliers: 0 }
  const sameRunner = entries.filter((e) => {
    const same =
      e.runner.os === current.runner.os && e.runner.arch === current.runner.arch
    if (!same) excluded.runner++
    return same
  })
  const durations = sameRunner
    .map((e) => e.durationS)
    .filter((d): d is number => typeof d === 'number' && d > 0)
  const typical = durations.length >= 3 ? median(durations) : undefined
  const complete = sameRunner.filter((e) => {
    const ok =
      typical === undefined ||
      typeof e.durationS !== 'number' ||
      Math.abs(e.durationS / typical - 1) <= DURATION_TOLERANCE
    if (!ok) excluded.duration++
    return ok
  })
  const recent = complete.slice(-HISTORY_WINDOW)
  excluded.older = complete.length - recent.length
  const steadiest = recent.map((entry) => ({
    entry,
    value: Math.log(
      value(entry.overall, 'p50') ?? value(entry.overall, 'p95') ?? NaN
    ),
    variance: 0
  }))
  const measured = steadiest.filter((o) => Number.isFinite(o.value))
  const { outliers } = withoutOutliers(measured, Math.log(1 + DEFAULT_NOISE))
  excluded.outliers = outliers.length
  const set = new Set(outliers.map((o) => o.entry))
  return { history: recent.filter((e) => !set.has(e)), excluded }
}

/** The profile's `regression:` block, in compare()'s terms. */
export function toleranceConfig(
  profile:
    | {
        endpoints?: Record<
          string,
          { p95?: Partial<Tolerance>; error_rate?: Partial<Tolerance> }
        >
        error_rate?: Partial<Tolerance>
        checks_rate?: Partial<Tolerance>
        noise?: number
        p50?: Partial<Tolerance>
        p95?: Partial<Tolerance>
        p99?: Partial<Tolerance>
        avg?: Partial<Tolerance>
        rps?: Partial<Tolerance>
      }
    | undefined,
  overrides: { floorMs?: number; noise?: number } = {}
): ToleranceConfig | undefined {
  const latencyFloor =
    overrides.floorMs !== undefined ? { floor: overrides.floorMs } : undefined
  if (!profile && !latencyFloor && overrides.noise === undefined)
    return undefined
  const { endpoints, error_rate, checks_rate, noise, ...rest } = profile ?? {}
  const metrics: ToleranceConfig['metrics'] = {
    ...rest,
    errorRate: error_rate,
    checksRate: checks_rate
  }
  if (latencyFloor) {
    for (const key of ['p50', 'p95', 'p99', 'avg'] as const) {
      metrics[key] = { ...metrics[key], ...latencyFloor }
    }
  }
  return {
    metrics,
    endpoints: Object.fromEntries(
      Object.entries(endpoints ?? {}).map(([name, t]) => [
        name,
        {
          p95: latencyFloor ? { ...t.p95, ...latencyFloor } : t.p95,
          errorRate: t.error_rate
        }
      ])
    ),
    noise: overrides.noise ?? noise
  }
}

function tolerance(
  config: ToleranceConfig | undefined,
  metric: MetricKey,
  endpoint?: string
): Tolerance {
  const merged: Tolerance = {
    ...(endpoint && metric === 'p50'
      ? ENDPOINT_MEDIAN
      : DEFAULT_TOLERANCES[metric])
  }
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
  history: MetricSet[]
  tolerance: Tolerance
  /** Run-to-run spread of latency and throughput assumed at first. */
  noise?: number
  /** This test's share of the run's false-alarm rate. */
  alphaShare: number
}

/** The judged scale of each unit (see statistics.ts). */
const SCALES: Record<
  Unit,
  { to: (v: number) => number; from: (x: number) => number }
> = {
  ms: { to: Math.log, from: Math.exp },
  rps: { to: Math.log, from: Math.exp },
  ratio: {
    to: (r) => Math.asin(Math.sqrt(Math.min(1, Math.max(0, r)))),
    from: (x) => Math.sin(Math.min(Math.PI / 2, Math.max(0, x))) ** 2
  }
}

function value(set: MetricSet | undefined, metric: MetricKey) {
  const v = set?.[metric]
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined
  // A latency or throughput of 0 has no logarithm: nothing was measured.
  return METRICS[metric].unit !== 'ratio' && v <= 0 ? undefined : v
}

/** The sampling variance of a run's figure, on the judged scale. */
function samplingVariance(set: MetricSet, metric: MetricKey): number {
  const v = value(set, metric)
  if (v === undefined) return 0
  switch (metric) {
    case 'p50':
    case 'p95':
    case 'p99':
    case 'avg': {
      const se = set[`${metric}Se`]
      return typeof se === 'number' && se > 0 ? se ** 2 : 0
    }
    case 'rps':
      return set.requests ? 1 / set.requests : 0
    case 'errorRate':
      return set.requests ? 1 / (4 * set.requests) : 0
    case 'checksRate':
      return set.checks ? 1 / (4 * set.checks) : 0
  }
}

/** Requests a metric needs to be judged, when it needs more than a few. */
export function requestsNeeded(metric: MetricKey): number {
  const q = METRICS[metric].quantile
  return q === undefined
    ? MIN_REQUESTS
    : Math.max(MIN_REQUESTS, Math.ceil(TAIL_SAMPLES / (1 - q)))
}

function priorFor(metric: MetricKey, noise: number | undefined): Prior {
  return METRICS[metric].unit === 'ratio'
    ? { sd: RATE_NOISE, weight: PRIOR_WEIGHT }
    : { sd: Math.log(1 + (noise ?? DEFAULT_NOISE)), weight: PRIOR_WEIGHT }
}

/**
 * The history's prediction of the metric, or the comparison already
 * decided: no history, no value this run, or too few requests to judge.
 */
function predictBaseline(input: MetricInput):
  | MetricComparison
  | {
      result: MetricComparison
      prediction: ReturnType<typeof predict>
      observations: Observation[]
      current: number
      /** This run's figures. */
      set: MetricSet
      baseline: number
    } {
  const scale = SCALES[METRICS[input.metric].unit]
  const current = value(input.current, input.metric)
  const past = input.history
    .map((set) => ({ set, v: value(set, input.metric) }))
    .filter((p): p is { set: MetricSet; v: number } => p.v !== undefined)
  const result: MetricComparison = {
    scope: input.scope,
    metric: input.metric,
    current,
    status: 'no-baseline'
  }
  if (past.length === 0) return result
  const prior = priorFor(input.metric, input.noise)
  const observations = past.map(({ set, v }) => ({
    value: scale.to(v),
    variance: samplingVariance(set, input.metric)
  }))
  const prediction = predict(observations, prior)
  const baseline = scale.from(prediction.center)
  result.baseline = baseline
  if (current === undefined || !input.current) {
    return { ...result, status: 'not-judged', notJudged: { why: 'no-value' } }
  }
  result.deltaPct =
    baseline === 0 ? undefined : ((current - baseline) / baseline) * 100
  const requests =
    input.metric === 'checksRate'
      ? input.current.checks
      : input.current.requests
  const needed = requestsNeeded(input.metric)
  if (typeof requests === 'number' && requests < needed) {
    return {
      ...result,
      status: 'not-judged',
      notJudged: { why: 'too-few-requests', requests, needed }
    }
  }
  return {
    result,
    prediction,
    observations,
    current,
    set: input.current,
    baseline
  }
}

/** What a metric's cutoffs are made from. */
interface Edges {
  scale: (typeof SCALES)[keyof typeof SCALES]
  /** 1 when worse is up, −1 when worse is down. */
  sign: number
  /** The predicted baseline, on the judged scale. */
  center: number
  baseline: number
  floorUnits: number
  alpha: { warn: number; fail?: number }
  /** The tolerances, in percent. */
  warn: number
  fail?: number
}

/**
 * Each tier's cutoff: the largest of the noise's edge (the prediction's
 * critical t), the tolerance and the floor.
 */
function cutoffsAt(
  edges: Edges,
  sd: number,
  df: number
): { warn: Cutoff; fail?: Cutoff } {
  const { scale, sign, baseline, floorUnits } = edges
  const at = (share: number, tolerancePct: number): Cutoff => {
    const edge = scale.from(edges.center + sign * criticalT(share, df) * sd)
    const candidates: Cutoff[] = [
      {
        by: 'noise',
        absolute: sign * (edge - baseline),
        relative:
          baseline > 0 ? (sign * (edge - baseline)) / baseline : Infinity
      },
      {
        by: 'tolerance',
        absolute: (tolerancePct / 100) * baseline,
        relative: tolerancePct / 100
      },
      {
        by: 'floor',
        absolute: floorUnits,
        relative: baseline > 0 ? floorUnits / baseline : Infinity
      }
    ]
    return candidates.reduce((a, b) => (b.absolute > a.absolute ? b : a))
  }
  const { alpha, fail } = edges
  return {
    warn: at(alpha.warn, edges.warn),
    ...(alpha.fail !== undefined && fail !== undefined
      ? { fail: at(alpha.fail, fail) }
      : {})
  }
}

function compareMetric(input: MetricInput): MetricComparison {
  const start = predictBaseline(input)
  if (!('prediction' in start)) return start
  const { result, prediction, observations, current, baseline } = start
  const currentSet = start.set
  const spec = METRICS[input.metric]
  const scale = SCALES[spec.unit]
  const sign = spec.worse === 'up' ? 1 : -1
  const observation: Observation = {
    value: scale.to(current),
    variance: samplingVariance(currentSet, input.metric)
  }
  const measured = test(observation, prediction, sign)
  const { warn, fail, floor } = input.tolerance
  const alpha = {
    warn: ALPHA.warn * input.alphaShare,
    fail: fail === undefined ? undefined : ALPHA.fail * input.alphaShare
  }
  // In the worse direction, in the metric's unit and relative to the baseline.
  const worseBy = sign * (current - baseline)
  const relative =
    baseline === 0 ? (worseBy > 0 ? Infinity : 0) : worseBy / baseline
  const floorUnits = spec.unit === 'ratio' ? floor / 100 : floor

  const edges: Edges = {
    scale,
    sign,
    center: prediction.center,
    baseline,
    floorUnits,
    alpha,
    warn: warn ?? 0,
    fail
  }
  const cutoffs = (sd: number, df: number) => cutoffsAt(edges, sd, df)
  const cutoff = cutoffs(measured.sd, prediction.df)
  result.evidence = {
    runs: observations.length,
    t: measured.t,
    df: measured.df,
    p: measured.p,
    alpha,
    cutoff,
    withTenRuns:
      observations.length < 10
        ? cutoffs(
            predictiveSd({ ...prediction, runs: 10 }, observation.variance),
            PRIOR_WEIGHT + 9
          )
        : undefined
  }
  // A tier is crossed when the change is beyond every one of its limits:
  // beyond the noise, the tolerance and the floor.
  const beyond = (c: Cutoff | undefined) =>
    c !== undefined && worseBy > c.absolute && worseBy > 0
  if (beyond(cutoff.fail)) {
    return { ...result, status: 'regression', tier: 'fail' }
  }
  if (beyond(cutoff.warn)) return { ...result, status: 'warning', tier: 'warn' }
  // Better by as much as a warning would need, in the other direction.
  const improved =
    -worseBy > floorUnits &&
    -relative * 100 > (warn ?? 0) &&
    -measured.t > criticalT(alpha.warn, prediction.df)
  return { ...result, status: improved ? 'improved' : 'ok' }
}
