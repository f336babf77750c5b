import { tCdf, tQuantile } from './student-t.js'

/**
 * Is a new run's figure beyond what the history's runs would give? Runs of
 * the same test differ for two reasons: the runner (a CI machine is faster
 * or slower from one job to the next: "drift", the same for every request
 * of a run) and sampling (a run measures a few hundred requests, not all of
 * them). Both are measured, never assumed away:
 *
 * - the history's spread gives the drift; a prior of a few runs' weight
 *   stands in while the history is short (one run has no spread);
 * - each run's own sampling error (order statistics for percentiles, the
 *   binomial for rates) is known from its requests, so a low-traffic
 *   endpoint is judged by what its few requests can say;
 * - a new unchanged run then differs from the history's mean by a Student
 *   t variable (the history's mean and spread are themselves estimates):
 *   the false-alarm rate is α whatever the history's length.
 *
 * Values are on the scale the noise is even on: logarithms for latencies
 * and throughput (a runner 8% slower makes every figure 8% slower),
 * arcsin √rate for rates (the binomial's variance-stabilising transform).
 * The t quantile and distribution function are student-t.ts's, held to
 * @stdlib's values within 2e-10 in the tails this decides on.
 */

/** One run's figure on the judged scale, with its sampling variance. */
export interface Observation {
  value: number
  /** Variance of `value` from sampling alone; 0 when unknown. */
  variance: number
}

/** What the spread between runs is believed to be before any is seen. */
export interface Prior {
  /** Run-to-run standard deviation on the judged scale. */
  sd: number
  /** How many runs' worth of evidence the belief is. */
  weight: number
}

interface Prediction {
  /** History runs used. */
  runs: number
  /** Their mean, on the judged scale. */
  center: number
  /** Run-to-run standard deviation beyond sampling, pooled with the prior. */
  drift: number
  /** Degrees of freedom of the t distribution the prediction follows. */
  df: number
  /** Mean sampling variance of the history's runs. */
  sampling: number
}

/** The history's center and spread, the prior folded in. */
export function predict(
  history: readonly Observation[],
  prior: Prior
): Prediction {
  const runs = history.length
  const center = mean(history.map((o) => o.value))
  const sampling = mean(history.map((o) => o.variance))
  const spread =
    runs > 1
      ? history.reduce((sum, o) => sum + (o.value - center) ** 2, 0) /
        (runs - 1)
      : 0
  // What sampling explains of the spread is not drift.
  const drift = Math.max(0, spread - sampling)
  const df = prior.weight + runs - 1
  return {
    runs,
    center,
    drift: Math.sqrt((prior.weight * prior.sd ** 2 + (runs - 1) * drift) / df),
    df,
    sampling
  }
}

/**
 * The standard deviation of (new run − history mean) for a run whose own
 * sampling variance is `variance`: its drift and the mean's uncertainty,
 * its sampling and the history's.
 */
export function predictiveSd(prediction: Prediction, variance: number): number {
  const { drift, runs, sampling } = prediction
  return Math.sqrt(drift ** 2 * (1 + 1 / runs) + variance + sampling / runs)
}

export interface Test {
  /** Standardised change in the worse direction. */
  t: number
  /** One-sided p-value: how often an unchanged run would look this bad. */
  p: number
  df: number
  /** Predictive standard deviation on the judged scale. */
  sd: number
}

/** How far `observation` lies beyond the prediction in the `sign` direction. */
export function test(
  observation: Observation,
  prediction: Prediction,
  sign: 1 | -1
): Test {
  const sd = predictiveSd(prediction, observation.variance)
  const t =
    sd > 0
      ? (sign * (observation.value - prediction.center)) / sd
      : sign * (observation.value - prediction.center) > 0
        ? Infinity
        : 0
  return { t, p: 1 - tCdf(t, prediction.df), df: prediction.df, sd }
}

/** The t value a change must exceed to be flagged at false-alarm rate α. */
export function criticalT(alpha: number, df: number): number {
  // Few distinct pairs: a run asks for the same ones for every figure.
  const key = `${alpha}/${df}`
  let value = criticalValues.get(key)
  if (value === undefined) {
    value = tQuantile(1 - alpha, df)
    criticalValues.set(key, value)
  }
  return value
}
const criticalValues = new Map<string, number>()

/**
 * The history without the runs that lie far outside the rest (a main run
 * on a bad runner): beyond `limit` robust standard deviations of the
 * median, the MAD never taken below `minScale`. Needs 4 runs to tell.
 */
export function withoutOutliers<T extends Observation>(
  history: readonly T[],
  minScale: number,
  limit = OUTLIER_LIMIT
): { kept: T[]; outliers: T[] } {
  if (history.length < 4) return { kept: [...history], outliers: [] }
  const values = history.map((o) => o.value)
  const m = median(values)
  const scale = Math.max(
    MAD_TO_SIGMA * median(values.map((v) => Math.abs(v - m))),
    minScale
  )
  const kept: T[] = []
  const outliers: T[] = []
  for (const o of history) {
    if (Math.abs(o.value - m) / scale > limit) outliers.push(o)
    else kept.push(o)
  }
  return { kept, outliers }
}

/** Robust standard deviations beyond which a history run is set aside. */
const OUTLIER_LIMIT = 3.5

/** MAD × 1.4826 estimates σ for normal data. */
const MAD_TO_SIGMA = 1.4826

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN
  return values.reduce((sum, v) => sum + v, 0) / values.length
}
