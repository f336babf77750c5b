import type { HistoryRun, ReportedPoint } from '../baseline/history.js'
import { requestsNeeded } from './compare.js'
import { tCdf } from './student-t.js'
import { criticalT } from './statistics.js'

/**
 * Change points in a series of main's runs: the runs where a figure moved
 * to another level and stayed there. What one pull request's comparison
 * cannot see (ten merges of +2% each, every one within the noise) shows
 * here as a level that is not the one before.
 *
 * The method is E-divisive means with a Student t significance test, as
 * Apache Otava (formerly Hunter) runs it, made deterministic:
 *
 * - the series is on the scale its noise is even on (logarithms for
 *   latency and throughput, arcsin √rate for rates), so a runner 6% slower
 *   moves every figure by the same step;
 * - every split of a segment is a candidate; its left and right windows
 *   (at most `window` runs each, so that an older level does not muddy a
 *   newer one) are compared by a two-sample t statistic with their pooled
 *   spread (E-divisive with the energy exponent 2 is this statistic);
 * - the strongest candidate whose change is at least `minChange` is a
 *   change point when its two-sided p is below `alpha`; the segments on
 *   both sides are then searched the same way.
 *
 * A change point's index is the first run of the new level. Its interval
 * is the t interval of the difference of the two windows' means.
 */

export interface ChangePointOptions {
  /** Two-sided significance a change point needs. */
  alpha: number
  /**
   * The smallest change that counts, on the series' own terms: relative
   * (0.05 is 5%) for a log-scale series, absolute for a rate.
   */
  minChange: number
  /** Runs each side of a change point needs, at least. */
  minSegment: number
  /** Runs compared on each side of a candidate, at most. */
  window: number
}

/**
 * Calibrated on the calibration half of the recorded runs
 * (__tests__/change-points.test.ts prints the rates on every half): the
 * largest α of 0.001, 0.0005, 0.0003 and 0.0001 with no false change
 * point on that half's unchanged series, windows of 10 runs, three runs
 * each side; a change of 5% at least, as Nyrkiö runs it.
 */
export const CHANGE_POINT_DEFAULTS: ChangePointOptions = {
  alpha: 0.0005,
  minChange: 0.05,
  minSegment: 3,
  window: 10
}

/** A split of the series: the last level and the new one. */
export interface Split {
  /** The first run of the new level (an index into the series). */
  index: number
  /** Runs compared on each side. */
  before: { runs: number; mean: number }
  after: { runs: number; mean: number }
  t: number
  df: number
  /** Two-sided. */
  p: number
  /** A 95% interval of after − before, on the series' scale. */
  interval: [number, number]
}

/**
 * The change points of `values` (on their judged scale), earliest first.
 * `changeOf` says how large a step from one mean to another is, in the
 * units `minChange` is in.
 */
export function findSplits(
  values: readonly number[],
  changeOf: (before: number, after: number) => number,
  options: ChangePointOptions = CHANGE_POINT_DEFAULTS
): Split[] {
  const sums = prefixSums(values)
  const found: Split[] = []
  const search = (start: number, end: number): void => {
    const best = strongestSplit(sums, start, end, changeOf, options)
    if (!best || best.p >= options.alpha) return
    found.push(best)
    search(start, best.index)
    search(best.index, end)
  }
  search(0, values.length)
  return found.sort((a, b) => a.index - b.index)
}

/** Running sums of the values and their squares: any window's mean and spread at once. */
interface Sums {
  sum: Float64Array
  squares: Float64Array
}

function prefixSums(values: readonly number[]): Sums {
  const sum = new Float64Array(values.length + 1)
  const squares = new Float64Array(values.length + 1)
  values.forEach((x, i) => {
    sum[i + 1] = sum[i] + x
    squares[i + 1] = squares[i] + x * x
  })
  return { sum, squares }
}

/** The candidate with the largest |t| in [start, end) that is large enough. */
function strongestSplit(
  sums: Sums,
  start: number,
  end: number,
  changeOf: (before: number, after: number) => number,
  options: ChangePointOptions
): Split | undefined {
  const { minSegment: m, window: w } = options
  let best: { tau: number; from: number; to: number; t: number } | undefined
  for (let tau = start + m; tau <= end - m; tau++) {
    const from = Math.max(start, tau - w)
    const to = Math.min(end, tau + w)
    const t = tStatistic(sums, from, tau, to)
    if (t === undefined) continue
    const a = mean0(sums, from, tau)
    const b = mean0(sums, tau, to)
    if (Math.abs(changeOf(a, b)) < options.minChange) continue
    if (!best || Math.abs(t) > Math.abs(best.t)) best = { tau, from, to, t }
  }
  return best && tTest(sums, best.from, best.tau, best.to)
}

function mean0(sums: Sums, from: number, to: number): number {
  return (sums.sum[to] - sums.sum[from]) / (to - from)
}

/** Sum of squared deviations from the window's mean. */
function deviations(sums: Sums, from: number, to: number): number {
  const n = to - from
  const total = sums.sum[to] - sums.sum[from]
  return Math.max(
    0,
    sums.squares[to] - sums.squares[from] - (total * total) / n
  )
}

/** The two windows' pooled t statistic; undefined without a spread to judge by. */
function tStatistic(
  sums: Sums,
  from: number,
  tau: number,
  to: number
): number | undefined {
  const left = tau - from
  const right = to - tau
  const df = left + right - 2
  if (df < 1) return undefined
  const pooled = (deviations(sums, from, tau) + deviations(sums, tau, to)) / df
  const se = Math.sqrt(pooled * (1 / left + 1 / right))
  const diff = mean0(sums, tau, to) - mean0(sums, from, tau)
  // Identical runs: no spread to judge by; a change is then certain.
  return se > 0 ? diff / se : diff === 0 ? 0 : Math.sign(diff) * Infinity
}

/** The split at `tau`, its two windows [from, tau) and [tau, to) compared. */
function tTest(sums: Sums, from: number, tau: number, to: number): Split {
  const left = tau - from
  const right = to - tau
  const df = left + right - 2
  const a = mean0(sums, from, tau)
  const b = mean0(sums, tau, to)
  const pooled = (deviations(sums, from, tau) + deviations(sums, tau, to)) / df
  const se = Math.sqrt(pooled * (1 / left + 1 / right))
  const t = tStatistic(sums, from, tau, to) ?? 0
  const p = 2 * (1 - tCdf(Math.abs(t), df))
  const half = se * criticalT(0.025, df)
  return {
    index: tau,
    before: { runs: left, mean: a },
    after: { runs: right, mean: b },
    t,
    df,
    p,
    interval: [b - a - half, b - a + half]
  }
}

/** A figure that moved at a change point. */
export interface FigureShift {
  /** `overall`, or the endpoint's name. */
  scope: string
  metric: ShiftMetric
  /** The levels either side, in the figure's unit (ms, a share, requests/s). */
  before: number
  after: number
  /**
   * The step: relative for latency and throughput (0.12 is +12%),
   * absolute for the error rate (0.01 is +1 percentage point).
   */
  change: number
  /** A 95% interval of the step, in the same terms. */
  interval: [number, number]
  p: number
}

export type ShiftMetric = 'p95' | 'p99' | 'p50' | 'errorRate' | 'rps'

/** A run where one or more figures moved to another level. */
export interface ChangePoint {
  /** The first run of the new level, an index into the runs. */
  index: number
  firstAfter: HistoryRun
  lastBefore: HistoryRun
  /** The figures that moved: the whole run's first (p95 first), then the endpoints' surest first. */
  figures: FigureShift[]
}

const SERIES: { metric: ShiftMetric; endpoints: boolean }[] = [
  { metric: 'p95', endpoints: true },
  { metric: 'p99', endpoints: false },
  { metric: 'p50', endpoints: true },
  { metric: 'errorRate', endpoints: true },
  { metric: 'rps', endpoints: false }
]
/** An error rate moves by percentage points: 0.5 at least. */
const ERROR_RATE_MIN_CHANGE = 0.005
/** Figures moving within this many runs of each other are one change point. */
const SAME_POINT = 2

/**
 * The change points of a branch's runs (oldest first): each figure the
 * history judges (a percentile only where every run counted had the
 * requests to measure it), found on its own, then grouped by the run
 * where they moved.
 */
export function historyChangePoints(
  runs: readonly HistoryRun[],
  options: ChangePointOptions = CHANGE_POINT_DEFAULTS
): ChangePoint[] {
  const shifts: { index: number; shift: FigureShift }[] = []
  const scopes = [
    'overall',
    ...new Set(runs.flatMap((r) => Object.keys(r.endpoints)))
  ]
  for (const scope of scopes) {
    for (const { metric, endpoints } of SERIES) {
      if (scope !== 'overall' && !endpoints) continue
      shifts.push(...figureShifts(runs, scope, metric, options))
    }
  }
  shifts.sort((a, b) => a.shift.p - b.shift.p)
  const points: ChangePoint[] = []
  for (const { index, shift } of shifts) {
    const near = points.find((c) => Math.abs(c.index - index) <= SAME_POINT)
    if (near) near.figures.push(shift)
    else {
      points.push({
        index,
        firstAfter: runs[index],
        lastBefore: runs[index - 1],
        figures: [shift]
      })
    }
  }
  // The whole run's figures first, in the order the report reads them
  // (p95 first); the endpoints' surest first.
  const order = SERIES.map((s) => s.metric)
  const rank = (f: FigureShift): number =>
    f.scope === 'overall' ? order.indexOf(f.metric) : order.length
  for (const point of points) {
    point.figures.sort((a, b) => rank(a) - rank(b) || a.p - b.p)
  }
  return points.sort((a, b) => a.index - b.index)
}

/** One figure's series, its change points in the figure's own terms. */
function figureShifts(
  runs: readonly HistoryRun[],
  scope: string,
  metric: ShiftMetric,
  options: ChangePointOptions
): { index: number; shift: FigureShift }[] {
  const rate = metric === 'errorRate'
  const needed = metric === 'rps' || rate ? 0 : requestsNeeded(metric)
  const at: number[] = []
  const values: number[] = []
  runs.forEach((r, i) => {
    const set = scope === 'overall' ? r.overall : r.endpoints[scope]
    const v = set?.[metric]
    if (typeof v !== 'number' || (!rate && v <= 0)) return
    if ((set.requests ?? Infinity) < needed) return
    at.push(i)
    values.push(rate ? Math.asin(Math.sqrt(Math.min(1, v))) : Math.log(v))
  })
  const back = (x: number): number =>
    rate ? Math.sin(Math.min(Math.PI / 2, Math.max(0, x))) ** 2 : Math.exp(x)
  const changeOf = (a: number, b: number): number =>
    rate ? back(b) - back(a) : Math.exp(b - a) - 1
  const splits = findSplits(
    values,
    changeOf,
    rate ? { ...options, minChange: ERROR_RATE_MIN_CHANGE } : options
  )
  return splits.map((s) => ({
    index: at[s.index],
    shift: {
      scope,
      metric,
      before: back(s.before.mean),
      after: back(s.after.mean),
      change: changeOf(s.before.mean, s.after.mean),
      interval: rate
        ? [
            back(s.before.mean + s.interval[0]) - back(s.before.mean),
            back(s.before.mean + s.interval[1]) - back(s.before.mean)
          ]
        : [Math.exp(s.interval[0]) - 1, Math.exp(s.interval[1]) - 1],
      p: s.p
    }
  }))
}

/** A branch's history as one run sees it. */
export interface HistoryView {
  /** The branch the runs are of. */
  branch: string
  /** Its runs of this load shape, oldest first (this run last when it is one). */
  runs: HistoryRun[]
  points: ChangePoint[]
  /** Points this run reports for the first time (it is one of the runs). */
  fresh: ChangePoint[]
  /** This run is the last of the runs: it records the branch's history. */
  records: boolean
}

/** The change points of `runs`, those not reported before marked fresh. */
export function historyView(
  branch: string,
  runs: HistoryRun[],
  reported: readonly ReportedPoint[],
  /** This run is the last of `runs`: it may report. */
  reports: boolean
): HistoryView {
  const points = historyChangePoints(runs)
  const index = new Map(runs.map((r, i) => [r.runId, i]))
  const known = reported
    .map((p) => index.get(p.runId))
    .filter((i): i is number => i !== undefined)
  const fresh = reports
    ? points.filter(
        (p) => !known.some((i) => Math.abs(i - p.index) <= SAME_POINT)
      )
    : []
  return { branch, runs, points, fresh, records: reports }
}
