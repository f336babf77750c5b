import * as hdr from 'hdr-histogram-js'

/** Microseconds: HdrHistogram records integers; latency is in ms. */
const SCALE = 1000
// One hour: longer requests are recorded as one hour (k6's own timeouts
// are far shorter).
const HIGHEST_US = 3600 * 1000 * SCALE

export interface LatencyStats {
  count: number
  avg: number
  min: number
  max: number
  p50: number
  p90: number
  p95: number
  p99: number
}

/**
 * Latency percentiles in bounded memory. Up to `exactCap` samples are kept,
 * and percentiles are then computed exactly as k6 does (linear interpolation
 * between sorted samples), so short runs match k6's summary to the digit.
 * Past that an HdrHistogram (3 significant digits: 0.1% resolution) takes
 * over, whatever the run's length.
 */
export class LatencyRecorder {
  count = 0
  private sum = 0
  private min = Infinity
  private max = -Infinity
  private exact: Float64Array | undefined
  private sorted: Float64Array | undefined
  private readonly histogram: hdr.Histogram

  constructor(
    private readonly exactCap = 20_000,
    significantDigits: 1 | 2 | 3 = 3
  ) {
    this.exact =
      exactCap > 0 ? new Float64Array(Math.min(exactCap, 1024)) : undefined
    this.histogram = hdr.build({
      // Plain 32-bit counts: the packed layout is 5× slower to record into,
      // and this one is ~90 KB at 3 digits, ~13 KB at 2.
      bitBucketSize: 32,
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_US,
      numberOfSignificantValueDigits: significantDigits,
      useWebAssembly: false
    })
  }

  record(ms: number): void {
    if (!(ms >= 0)) return
    const index = this.count++
    this.sorted = undefined
    this.sum += ms
    if (ms < this.min) this.min = ms
    if (ms > this.max) this.max = ms
    if (this.exact) {
      if (index < this.exactCap) {
        if (index >= this.exact.length) {
          const grown = new Float64Array(
            Math.min(this.exactCap, this.exact.length * 4)
          )
          grown.set(this.exact)
          this.exact = grown
        }
        this.exact[index] = ms
      } else {
        this.exact = undefined
      }
    }
    this.histogram.recordValue(
      Math.min(HIGHEST_US, Math.max(1, Math.round(ms * SCALE)))
    )
  }

  /** Fold another recorder in (coarser time buckets, totals). */
  merge(other: LatencyRecorder): void {
    if (other.count === 0) return
    this.sorted = undefined
    if (
      this.exact &&
      other.exact &&
      this.count + other.count <= this.exactCap
    ) {
      const merged = new Float64Array(
        Math.max(this.exact.length, this.count + other.count)
      )
      merged.set(this.exact.subarray(0, this.count))
      merged.set(other.exact.subarray(0, other.count), this.count)
      this.exact = merged
    } else {
      this.exact = undefined
    }
    this.count += other.count
    this.sum += other.sum
    this.min = Math.min(this.min, other.min)
    this.max = Math.max(this.max, other.max)
    this.histogram.add(other.histogram)
  }

  /** The p-th percentile (0–100), in ms; NaN without samples. */
  percentile(p: number): number {
    if (this.count === 0) return NaN
    if (this.exact) {
      this.sorted ??= this.exact.slice(0, this.count).sort()
      return interpolate(this.sorted, p)
    }
    if (p >= 100) return this.max
    if (p <= 0) return this.min
    return Math.min(this.max, this.histogram.getValueAtPercentile(p) / SCALE)
  }

  stats(): LatencyStats {
    return {
      count: this.count,
      avg: this.count ? this.sum / this.count : NaN,
      min: this.count ? this.min : NaN,
      max: this.count ? this.max : NaN,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99)
    }
  }

  /** Free the histogram's memory (packed arrays are large-ish). */
  destroy(): void {
    this.histogram.destroy()
  }
}

/** k6's TrendSink.P: sort, then interpolate between neighbours. */
export function exactPercentile(values: Float64Array, p: number): number {
  return interpolate(Float64Array.from(values).sort(), p)
}

function interpolate(sorted: Float64Array, p: number): number {
  if (sorted.length === 1) return sorted[0]
  const i = (p / 100) * (sorted.length - 1)
  const lower = sorted[Math.floor(i)]
  const upper = sorted[Math.ceil(i)]
  return lower + (upper - lower) * (i - Math.floor(i))
}
