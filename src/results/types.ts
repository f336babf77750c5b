import type { MetricType } from './thresholds.js'

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
   * k6's overall verdict, where the format records one instead of each
   * threshold (the machine-readable summary).
   */
  passed?: boolean
}
