/**
 * Latency figures of a group of requests, in ms. The results kernel
 * (wasm/results-kernel.ts) records and computes them: exact samples, as
 * k6 computes its percentiles, while the run's exact budget lasts; an
 * HdrHistogram (3 significant digits) past it.
 */
export interface LatencyStats {
  count: number
  avg: number
  min: number
  max: number
  p50: number
  p90: number
  p95: number
  p99: number
  /** Standard deviation of the samples. */
  sd: number
  /**
   * How far each figure would move from sampling alone if the run were
   * repeated on the same service: one relative standard error (0.012 is
   * ±1.2%). Percentiles by their order statistics (the spread of the ranks
   * n·p ± 2√(n·p(1−p)), on a log scale), the mean by sd / √n. Kept for
   * groups of requests, not time buckets.
   */
  se?: SamplingErrors
}

export interface SamplingErrors {
  avg: number
  p50: number
  p95: number
  p99: number
}
