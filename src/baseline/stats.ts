/**
 * The statistics behind "beyond the noise". Small, exact and dependency
 * free: a median, a MAD, and a Mann–Whitney U test with the normal
 * approximation (tie-corrected), which is accurate for the 20–300 time
 * buckets a run has.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median absolute deviation, unscaled. */
export function mad(values: readonly number[]): number {
  const m = median(values)
  return median(values.map((v) => Math.abs(v - m)))
}

/** MAD × 1.4826 estimates σ for normal data. */
export const MAD_TO_SIGMA = 1.4826

/**
 * How many robust standard deviations `value` lies above the history's
 * median. A history with no spread at all (MAD 0) gets a floor of 0.5% of
 * its median, so identical runs do not turn every tiny change into z = ∞.
 */
export function robustZ(value: number, history: readonly number[]): number {
  const m = median(history)
  const scale = Math.max(MAD_TO_SIGMA * mad(history), Math.abs(m) * 0.005)
  if (scale === 0) return value === m ? 0 : Infinity * Math.sign(value - m)
  return (value - m) / scale
}

export interface MannWhitney {
  u: number
  /** One-sided p-value for "a tends to be larger than b". */
  p: number
  n1: number
  n2: number
}

/** Below this many values per side the normal approximation is not used. */
export const MWU_MIN_SAMPLES = 8

/**
 * One-sided Mann–Whitney U test of H1 "values in `a` tend to be larger than
 * in `b`", with midranks for ties, the tie-corrected variance and a
 * continuity correction. Returns undefined when either side is too small.
 */
export function mannWhitneyGreater(
  a: readonly number[],
  b: readonly number[]
): MannWhitney | undefined {
  const xs = a.filter(Number.isFinite)
  const ys = b.filter(Number.isFinite)
  const n1 = xs.length
  const n2 = ys.length
  if (n1 < MWU_MIN_SAMPLES || n2 < MWU_MIN_SAMPLES) return undefined
  const all = [
    ...xs.map((v) => ({ v, first: true })),
    ...ys.map((v) => ({ v, first: false }))
  ].sort((p, q) => p.v - q.v)
  const n = all.length
  let rankSumA = 0
  let tieTerm = 0
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && all[j + 1].v === all[i].v) j++
    const rank = (i + j + 2) / 2
    const size = j - i + 1
    if (size > 1) tieTerm += size ** 3 - size
    for (let k = i; k <= j; k++) if (all[k].first) rankSumA += rank
    i = j + 1
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2
  const mean = (n1 * n2) / 2
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)))
  if (variance <= 0) return { u, p: 1, n1, n2 }
  // Neighbouring buckets of a run are not independent: a runner that is
  // slow for a minute makes several in a row slow. The variance is inflated
  // by (1 + r) / (1 − r), r the lag-1 autocorrelation, as for the mean of
  // an AR(1) series: fewer effective samples, honest p-values.
  const inflation = (autocorrelationFactor(xs) + autocorrelationFactor(ys)) / 2
  const z = (u - mean - 0.5) / Math.sqrt(variance * inflation)
  return { u, p: normalUpperTail(z), n1, n2 }
}

/** (1 + r) / (1 − r) for the lag-1 autocorrelation r, clamped to [0, 0.9]. */
export function autocorrelationFactor(series: readonly number[]): number {
  const n = series.length
  if (n < 3) return 1
  let mean = 0
  for (const v of series) mean += v / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    const d = series[i] - mean
    den += d * d
    if (i > 0) num += d * (series[i - 1] - mean)
  }
  const r = den > 0 ? Math.min(0.9, Math.max(0, num / den)) : 0
  return (1 + r) / (1 - r)
}

/** P(Z > z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2)
}

/** Complementary error function (Numerical Recipes erfcc, |ε| < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t *
                                  (1.48851587 +
                                    t * (-0.82215223 + t * 0.17087277))))))))
    )
  return x >= 0 ? r : 2 - r
}
