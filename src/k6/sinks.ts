import {
  compare,
  type MetricType,
  type ThresholdExpression
} from './thresholds.js'

/**
 * k6's sinks (metrics/sink.go) and what its thresholds read of them
 * (metrics/thresholds.go, Thresholds.Run), for judging a threshold from
 * results.json the way k6 judged it at the end of the run.
 */
export type Sink = TrendSink | CounterSink | GaugeSink | RateSink

/** Values kept exactly; past this, a uniform sample of this many. */
const TREND_EXACT_VALUES = 10_000_000

/**
 * A Trend: every value, sorted when a percentile is asked for, and k6's
 * linear interpolation between the two nearest ranks (k6 1.x and 2.x:
 * their exported percentiles agree with it to the digit on the recorded
 * runs). Past `cap` values a uniform reservoir stands in for the rest.
 */
export class TrendSink {
  readonly type = 'trend'
  count = 0
  sum = 0
  min = 0
  max = 0
  private values: Float64Array
  private kept = 0
  private sorted = true
  private seed = 0x9e3779b9

  constructor(private readonly cap = TREND_EXACT_VALUES) {
    this.values = new Float64Array(Math.min(1024, cap))
  }

  add(value: number): void {
    if (this.count === 0 || value < this.min) this.min = value
    if (this.count === 0 || value > this.max) this.max = value
    this.count++
    this.sum += value
    this.sorted = false
    if (this.kept < this.cap) {
      if (this.kept === this.values.length) {
        const grown = new Float64Array(Math.min(this.cap, this.kept * 2))
        grown.set(this.values)
        this.values = grown
      }
      this.values[this.kept++] = value
      return
    }
    // Reservoir sampling (Vitter's R), with a fixed seed: the same file
    // gives the same figures.
    this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0
    const slot = Math.floor((this.seed / 2 ** 32) * this.count)
    if (slot < this.cap) this.values[slot] = value
  }

  /** The values are all kept (not a sample). */
  get exact(): boolean {
    return this.count === this.kept
  }

  get avg(): number {
    return this.count ? this.sum / this.count : 0
  }

  /** k6's TrendSink.P: `pct` from 0 to 1. */
  percentile(pct: number): number {
    if (this.kept === 0) return 0
    if (this.kept === 1) return this.values[0]
    const values = this.values.subarray(0, this.kept)
    if (!this.sorted) {
      values.sort()
      this.sorted = true
    }
    const i = pct * (this.kept - 1)
    const low = values[Math.floor(i)]
    const high = values[Math.ceil(i)]
    return low + (high - low) * (i - Math.floor(i))
  }
}

class CounterSink {
  readonly type = 'counter'
  value = 0
  add(value: number): void {
    this.value += value
  }
}

class GaugeSink {
  readonly type = 'gauge'
  value = 0
  min = 0
  max = 0
  private set = false
  add(value: number): void {
    this.value = value
    if (!this.set || value > this.max) this.max = value
    if (!this.set || value < this.min) this.min = value
    this.set = true
  }
}

class RateSink {
  readonly type = 'rate'
  trues = 0
  total = 0
  add(value: number): void {
    this.total++
    if (value !== 0) this.trues++
  }
}

export function newSink(type: MetricType, trendCap?: number): Sink {
  switch (type) {
    case 'trend':
      return new TrendSink(trendCap)
    case 'counter':
      return new CounterSink()
    case 'gauge':
      return new GaugeSink()
    case 'rate':
      return new RateSink()
  }
}

/**
 * The value k6 compares a threshold with, or undefined when the metric's
 * type has no such aggregation. `durationS` is the test's run time: a
 * counter's rate is its count over it.
 */
export function sinkValue(
  sink: Sink,
  expression: ThresholdExpression,
  durationS: number
): number | undefined {
  const a = expression.aggregation
  switch (sink.type) {
    case 'counter':
      if (a === 'count') return sink.value
      if (a === 'rate') return durationS > 0 ? sink.value / durationS : NaN
      return undefined
    case 'gauge':
      return a === 'value' ? sink.value : undefined
    case 'rate':
      // 0/0 is NaN, and NaN crosses every threshold, as in k6.
      return a === 'rate' ? sink.trues / sink.total : undefined
    case 'trend':
      if (a === 'min') return sink.min
      if (a === 'max') return sink.max
      if (a === 'avg') return sink.avg
      if (a === 'med') return sink.percentile(0.5)
      if (a === 'p') return sink.percentile((expression.percentile ?? 0) / 100)
      return undefined
  }
}

/** Whether k6 would call the threshold held, given its value. */
export function holds(
  expression: ThresholdExpression,
  observed: number
): boolean {
  return compare(observed, expression.operator, expression.value)
}
