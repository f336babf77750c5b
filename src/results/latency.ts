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
}
