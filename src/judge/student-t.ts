/**
 * Student's t distribution: its distribution function and quantile, for
 * any positive degrees of freedom (the comparison's are fractional). The
 * distribution function is the regularized incomplete beta function,
 * evaluated by its continued fraction (Lentz's method) with a Lanczos
 * log-gamma; the quantile inverts it by Newton's method, kept inside a
 * shrinking bracket. Held to a reference table of @stdlib's values within
 * 2e-10 (__tests__/student-t.test.ts), in the tails the gate decides on.
 */

/** P(T ≤ t) for t distributed as Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN
  if (t === Infinity) return 1
  if (t === -Infinity) return 0
  if (df === Infinity) return normalCdf(t)
  const x = df / (df + t * t)
  const tail = regularizedBeta(x, df / 2, 0.5) / 2
  return t > 0 ? 1 - tail : tail
}

/** The t with P(T ≤ t) = p. */
export function tQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) return Number.NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  if (p === 0.5) return 0
  // Symmetry: work in the upper half, where the tail is p's complement.
  if (p < 0.5) return -tQuantile(1 - p, df)
  let low = 0
  let high = 1
  while (tCdf(high, df) < p) {
    low = high
    high *= 2
    if (high > 1e300) return Infinity
  }
  let t = Math.min(high, Math.max(low, normalQuantile(p)))
  for (let i = 0; i < 100; i++) {
    const f = tCdf(t, df) - p
    if (f > 0) high = t
    else low = t
    const step = f / tDensity(t, df)
    let next = t - step
    // Newton's step, or bisection when it would leave the bracket.
    if (!(next > low && next < high)) next = (low + high) / 2
    if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(t))) return next
    t = next
  }
  return t
}

function tDensity(t: number, df: number): number {
  const logDensity =
    logGamma((df + 1) / 2) -
    logGamma(df / 2) -
    0.5 * Math.log(df * Math.PI) -
    ((df + 1) / 2) * Math.log1p((t * t) / df)
  return Math.exp(logDensity)
}

/** I_x(a, b), the regularized incomplete beta function. */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(
    logGammaRatio(Math.max(a, b), Math.min(a, b)) -
      logGamma(Math.min(a, b)) +
      a * Math.log(x) +
      b * Math.log1p(-x)
  )
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2);
  // beyond it, the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(x, a, b)) / a
    : 1 - (front * betaFraction(1 - x, b, a)) / b
}

/** The continued fraction of I_x(a, b), by Lentz's method. */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return h
}

/**
 * ln Γ(a + b) − ln Γ(a). For a large (many degrees of freedom) the two
 * logarithms are close and their difference would lose digits: Stirling's
 * series, its leading terms combined before they are subtracted.
 */
function logGammaRatio(a: number, b: number): number {
  if (a < 100) return logGamma(a + b) - logGamma(a)
  const correction = (z: number): number => {
    const z2 = z * z
    return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * z2)) / z2) / z2) / z
  }
  return (
    (a - 0.5) * Math.log1p(b / a) +
    b * Math.log(a + b) -
    b +
    correction(a + b) -
    correction(a)
  )
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~15 significant digits). */
function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  }
  const g = 7
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028,
    771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
  ]
  const z = x - 1
  let sum = c[0]
  for (let i = 1; i < g + 2; i++) sum += c[i] / (z + i)
  const t = z + g + 0.5
  return (
    0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
  )
}

function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2)
}

/**
 * erfc by a Chebyshev fit (Numerical Recipes' erfcc), within 1.2e-7: for
 * df = ∞ only, which the gate never has (its df are a few runs').
 */
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

/** The standard normal quantile (Acklam's rational approximation, 1e-9). */
function normalQuantile(p: number): number {
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2,
    1.38357751867269e2, -3.066479806614716e1, 2.506628277459239
  ]
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2,
    6.680131188771972e1, -1.328068155288572e1
  ]
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838,
    -2.549732539343734, 4.374664141464968, 2.938163982698783
  ]
  const d = [
    7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996,
    3.754408661907416
  ]
  const low = 0.02425
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    )
  }
  if (p > 1 - low) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) *
      q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  )
}
