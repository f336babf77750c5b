import type { MetricType } from '../k6/thresholds.js'

/** Which of k6's summary shapes a file was written in. */
export type SummaryFormat =
  /** `k6 run --summary-export`: flat values, threshold `true` = FAILED. */
  | 'summary-export'
  /** The data object k6 hands to `handleSummary()`: `values`, `{ok}`. */
  | 'handle-summary'
  /** k6 v1.5+ `--new-machine-readable-summary` (schema-versioned). */
  | 'machine-readable'

export interface MetricSummary {
  /** The key as k6 writes it, tag filter included: `x{name:GET /a}`. */
  key: string
  /** The metric's own name: `http_req_duration`. */
  metric: string
  /** The tag filter of a sub-metric; empty for the metric itself. */
  tags: Record<string, string>
  type: MetricType
  /** `time` values are milliseconds; `data` values are bytes. */
  contains: 'time' | 'data' | 'default'
  /**
   * Statistics by k6's names: `count`, `rate`, `value`, `min`, `max`, `avg`,
   * `med`, `p(95)`. For a Rate metric, `rate` is the share of non-zero
   * samples and `passes`/`fails` count non-zero/zero samples (so for
   * `http_req_failed`, `passes` are the FAILED requests).
   */
  values: Record<string, number>
}

export interface ThresholdResult {
  /** The metric key the threshold is set on, tag filter included. */
  metric: string
  expression: string
  passed: boolean
  /** `p(95)`, `rate`, …: the statistic the expression reads. */
  statistic: string
  /** The value the expression was checked against, when it is known. */
  observed?: number
  /**
   * Computed by perf-gate from results.json with k6's sinks, because the
   * summary did not carry it.
   */
  observedFrom?: 'results.json'
  /**
   * Where perf-gate read of the threshold, for a summary format that
   * lists none: the profile, results.json's metric header, the script k6
   * ran, or only k6's "thresholds on metrics … have been crossed".
   */
  listedBy?: 'profile' | 'results.json' | 'script' | 'k6'
}

export interface CheckResult {
  name: string
  /** Group path as k6 writes it: `::catalog::status is 200`. */
  path: string
  passes: number
  fails: number
}

/** One k6 summary, whatever its format, normalised. */
export interface SummaryResult {
  format: SummaryFormat
  metrics: Record<string, MetricSummary>
  thresholds: ThresholdResult[]
  checks: CheckResult[]
  /** Only some formats record it. */
  testRunDurationMs?: number
  /**
   * The machine-readable summary's config.script: the script k6 ran, read
   * for the thresholds of sub-metrics (results.json names only their keys).
   */
  scriptSource?: string
  /**
   * Sub-metrics k6 judged thresholds on whose expressions perf-gate could
   * not read (the machine-readable summary lists none).
   */
  unlistedThresholds?: string[]
}

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

interface SamplingErrors {
  avg: number
  p50: number
  p95: number
  p99: number
}

export interface EndpointStats {
  name: string
  requests: number
  failures: number
  errorRate: number
  latency: LatencyStats
  /** Responses by HTTP status; `0` is a request that got no response. */
  statuses: Record<string, number>
}

export interface SeriesBucket {
  /** Seconds from the first sample to the bucket's start. */
  t: number
  requests: number
  rps: number
  errorRate: number
  p50: number
  p95: number
  p99: number
  /** Highest active VUs seen in the bucket. */
  vus: number
  droppedIterations: number
}

export interface SeriesWindow {
  /** Seconds from the first sample to the window's start, and its length. */
  t: number
  seconds: number
  requests: number
  rps: number
  errorRate: number
  failures: number
  p50: number
  p95: number
  p99: number
}

export interface MetricInfo {
  type: string
  contains: string
  thresholds: string[]
}

export interface ResultsAnalysis {
  bytes: number
  lines: number
  /** Lines that are not k6 JSON output; skipped. */
  corruptLines: number
  /** The last line was cut off (k6 killed mid-write). */
  truncatedLastLine: boolean
  startTime?: string
  endTime?: string
  durationS: number
  metrics: Record<string, MetricInfo>
  http: {
    requests: number
    failures: number
    errorRate: number
    rps: number
    latency: LatencyStats
    statuses: Record<string, number>
  }
  /** By the `name` tag, busiest first. */
  endpoints: EndpointStats[]
  /** By the `scenario` tag, busiest first. */
  scenarios: EndpointStats[]
  checks: { name: string; passes: number; fails: number }[]
  iterations: number
  droppedIterations: number
  maxVus: number
  series: {
    bucketSeconds: number
    buckets: SeriesBucket[]
    /**
     * The buckets merged into windows of at least WINDOW_MIN_S seconds (or
     * a 30th of the run) and WINDOW_MIN_REQUESTS requests, their latency
     * from the merged recorders: what a rate held or a drift is judged on.
     * A bucket holds a request or two; a window enough to say something.
     */
    windows: SeriesWindow[]
    /** The run over time for a chart: see SeriesChart. */
    chart?: SeriesChart
  }
}

/**
 * The run over time as a chart shows it: buckets of one width (at least a
 * second, wider for long or light runs) from the first sample to the last,
 * every one in place, empty ones too. The throughput of each is its
 * requests over its own width, so their mean is the run's rate.
 */
export interface SeriesChart {
  bucketSeconds: number
  /** Seconds the run spans: the last bucket may be wider than the others. */
  spanS: number
  requests: number[]
  rps: number[]
  /** null: no request in the bucket. */
  p95: (number | null)[]
  errorRate: (number | null)[]
}
