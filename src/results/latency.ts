import * as hdr from 'hdr-histogram-js'

/** Where exact samples start: arrays are made on the first sample. */
const EMPTY = new Float64Array(0)
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

type Digits = 1 | 2 | 3

/** What LatencyRecorder.restore reads: exact samples or histogram counts. */
export interface RecorderState {
  count: number
  sum: number
  min: number
  max: number
  digits: Digits
  exact?: Float64Array
  counts?: Uint32Array
}

/**
 * Latency percentiles in bounded memory. Up to `exactCap` samples are
 * kept, and percentiles are then computed exactly as k6 does (linear interpolation between sorted
 * samples), so short runs match k6's summary to the digit. Past that an
 * HdrHistogram (3 significant digits: 0.1% resolution) takes over, whatever
 * the run's length; it is built only then, from the samples kept so far.
 *
 * The results kernel (wasm/results-kernel.ts) records by the same rules,
 * with one exact-sample budget for the whole run; this class restores
 * what it kept, merges groups and computes their figures.
 */
export class LatencyRecorder {
  count = 0
  private sum = 0
  private min = Infinity
  private max = -Infinity
  private exact: Float64Array | undefined
  private sorted: Float64Array | undefined
  private histogram: hdr.Histogram | undefined

  constructor(
    private readonly exactCap = 20_000,
    private readonly significantDigits: Digits = 3
  ) {
    if (exactCap > 0) this.exact = EMPTY
    else this.histogram = newHistogram(significantDigits)
  }

  record(ms: number): void {
    if (!(ms >= 0)) return
    const index = this.count++
    this.sum += ms
    if (ms < this.min) this.min = ms
    if (ms > this.max) this.max = ms
    if (this.exact !== undefined) {
      this.sorted = undefined
      if (index < this.exactCap) {
        if (index >= this.exact.length) this.grow(index + 1)
        this.exact[index] = ms
        return
      }
      this.toHistogram(index)
    }
    ;(this.histogram as hdr.Histogram).recordValue(toMicros(ms))
  }

  /** Fold another recorder in (coarser time buckets, totals). */
  merge(other: LatencyRecorder): void {
    if (other.count === 0) return
    const held = this.count
    this.count += other.count
    this.sum += other.sum
    this.min = Math.min(this.min, other.min)
    this.max = Math.max(this.max, other.max)
    if (
      this.exact !== undefined &&
      other.exact !== undefined &&
      this.count <= this.exactCap
    ) {
      this.sorted = undefined
      if (this.count > this.exact.length) this.grow(this.count)
      this.exact.set(other.exact.subarray(0, other.count), held)
      return
    }
    if (this.exact !== undefined) this.toHistogram(held)
    const histogram = this.histogram as hdr.Histogram
    if (other.exact !== undefined) {
      for (let i = 0; i < other.count; i++)
        histogram.recordValue(toMicros(other.exact[i]))
    } else {
      histogram.add(other.histogram as hdr.Histogram)
    }
  }

  /**
   * One recorder holding all of `parts`: exact when every part is. A single
   * part is returned as it is.
   */
  static combine(parts: Iterable<LatencyRecorder>): LatencyRecorder {
    const list = [...parts]
    if (list.length === 1) return list[0]
    const exact = list.every((part) => part.exact !== undefined)
    const total = list.reduce((sum, part) => sum + part.count, 0)
    const combined = new LatencyRecorder(exact ? Math.max(1, total) : 0)
    for (const part of list) combined.merge(part)
    return combined
  }

  /**
   * A recorder from the state the results kernel kept for it: its exact
   * samples, or the counts of an HdrHistogram laid out as hdr-histogram-js
   * lays out its own (lowest value 1, highest one hour in microseconds).
   */
  static restore(state: RecorderState): LatencyRecorder {
    const recorder = new LatencyRecorder(
      state.exact ? Math.max(1, state.count) : 0,
      state.digits
    )
    recorder.count = state.count
    recorder.sum = state.sum
    recorder.min = state.min
    recorder.max = state.max
    if (state.exact) {
      recorder.exact = state.exact
      return recorder
    }
    const histogram = recorder.histogram as hdr.Histogram
    const counts = state.counts as Uint32Array
    const half = state.digits === 3 ? 1024 : 128
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue
      // hdr-histogram-js's valueFromIndex: the lowest value of slot i.
      let bucket = Math.floor(i / half) - 1
      let sub = (i % half) + half
      if (bucket < 0) {
        sub -= half
        bucket = 0
      }
      histogram.recordValueWithCount(sub * 2 ** bucket, counts[i])
    }
    return recorder
  }

  /** The p-th percentile (0–100), in ms; NaN without samples. */
  percentile(p: number): number {
    if (this.count === 0) return NaN
    if (this.exact !== undefined) {
      this.sorted ??= this.exact.slice(0, this.count).sort()
      return interpolate(this.sorted, p)
    }
    if (p >= 100) return this.max
    if (p <= 0) return this.min
    const histogram = this.histogram as hdr.Histogram
    return Math.min(this.max, histogram.getValueAtPercentile(p) / SCALE)
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

  /** Free the histogram's memory. */
  destroy(): void {
    this.histogram?.destroy()
  }

  private grow(atLeast: number): void {
    const exact = this.exact as Float64Array
    const grown = new Float64Array(
      Math.min(this.exactCap, Math.max(atLeast, 16, exact.length * 4))
    )
    grown.set(exact)
    this.exact = grown
  }

  /** From exact samples to the histogram: the first `held` samples move. */
  private toHistogram(held: number): void {
    const exact = this.exact as Float64Array
    const histogram = newHistogram(this.significantDigits)
    for (let i = 0; i < held; i++) histogram.recordValue(toMicros(exact[i]))
    this.histogram = histogram
    this.exact = undefined
    this.sorted = undefined
  }
}

function newHistogram(significantDigits: Digits): hdr.Histogram {
  return hdr.build({
    // Plain 32-bit counts: the packed layout is 5× slower to record into,
    // and this one is ~90 KB at 3 digits, ~13 KB at 2.
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: significantDigits,
    useWebAssembly: false
  })
}

function toMicros(ms: number): number {
  return Math.min(HIGHEST_US, Math.max(1, Math.round(ms * SCALE)))
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
