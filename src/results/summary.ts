import * as fs from 'node:fs'
import { ResultsError } from '../shared/errors.js'
import {
  parseMetricKey,
  parseThresholdExpression,
  statisticName,
  ThresholdSyntaxError,
  type MetricType,
  type ThresholdExpression
} from '../k6/thresholds.js'
import type {
  CheckResult,
  MetricSummary,
  SummaryFormat,
  SummaryResult,
  ThresholdResult
} from './types.js'

type Json = Record<string, unknown>

/** Read and normalise a k6 summary file, whichever format it is in. */
export function readSummary(file: string): SummaryResult {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new ResultsError(
      file,
      `cannot be read (${(error as Error).message})`,
      {
        cause: error
      }
    )
  }
  return parseSummary(text, file)
}

export function parseSummary(
  text: string,
  file = 'summary.json'
): SummaryResult {
  if (text.trim() === '') {
    throw new ResultsError(
      file,
      'is empty: k6 wrote no summary (did the run crash?)'
    )
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new ResultsError(file, `is not JSON (${(error as Error).message})`, {
      cause: error
    })
  }
  const format = detectSummaryFormat(data)
  if (!format) {
    throw new ResultsError(
      file,
      'is not a k6 summary: expected the output of --summary-export, ' +
        'the data object of handleSummary(), or a machine-readable summary'
    )
  }
  const metricCount = isObject((data as Json).metrics)
    ? Object.keys((data as Json).metrics as Json).length
    : 1
  if (metricCount === 0) {
    throw new ResultsError(
      file,
      'holds no metrics: the run ended before k6 recorded any sample'
    )
  }
  let summary: SummaryResult
  try {
    summary =
      format === 'handle-summary'
        ? parseHandleSummary(data as Json)
        : format === 'machine-readable'
          ? parseMachineReadable(data as Json, file)
          : parseSummaryExport(data as Json)
    for (const metric of Object.values(summary.metrics)) {
      checkRange(metric, `metrics.${metric.key}`)
    }
  } catch (error) {
    if (error instanceof SummaryValueError) {
      throw new ResultsError(file, `is not a k6 summary: ${error.message}`)
    }
    throw error
  }
  return summary
}

/** Tell the formats apart by shape; undefined when it is none of them. */
export function detectSummaryFormat(data: unknown): SummaryFormat | undefined {
  if (
    isObject(data) &&
    typeof data.version === 'string' &&
    isObject(data.results) &&
    Array.isArray(data.results.metrics)
  ) {
    return 'machine-readable'
  }
  if (!isObject(data) || !isObject(data.metrics)) return undefined
  const metrics = Object.values(data.metrics)
  if (!metrics.every(isObject)) return undefined
  if (!isObject(data.root_group) && metrics.length === 0) return undefined
  const nested = metrics.filter((m) => isObject(m.values) && 'type' in m)
  if (metrics.length > 0 && nested.length === metrics.length) {
    return 'handle-summary'
  }
  const flat = metrics.filter((m) => !('values' in m))
  if (flat.length === metrics.length && isObject(data.root_group)) {
    return 'summary-export'
  }
  return undefined
}

/** `--summary-export`: the type is implied by the statistics present. */
function parseSummaryExport(data: Json): SummaryResult {
  const metrics: Record<string, MetricSummary> = {}
  const thresholds: ThresholdResult[] = []
  for (const [key, raw] of Object.entries(
    data.metrics as Record<string, Json>
  )) {
    const type = inferType(raw)
    if (!type) continue
    const values = statistics(raw, `metrics.${key}`)
    if (type === 'rate') {
      // `value` is the rate; `passes` counts NON-ZERO samples.
      values.rate = values.value
      delete values.value
    }
    const metric = makeMetric(key, type, undefined, values)
    metrics[key] = metric
    if (isObject(raw.thresholds)) {
      for (const [expression, failed] of Object.entries(raw.thresholds)) {
        // In this format `true` means the threshold FAILED.
        thresholds.push(thresholdResult(metric, expression, failed !== true))
      }
    }
  }
  return {
    format: 'summary-export',
    metrics,
    thresholds,
    checks: collectChecks(data.root_group)
  }
}

/** The `handleSummary(data)` object: values nested, thresholds `{ok}`. */
function parseHandleSummary(data: Json): SummaryResult {
  const metrics: Record<string, MetricSummary> = {}
  const thresholds: ThresholdResult[] = []
  for (const [key, raw] of Object.entries(
    data.metrics as Record<string, Json>
  )) {
    const type = raw.type as MetricType
    if (!['counter', 'gauge', 'rate', 'trend'].includes(type)) continue
    const metric = makeMetric(
      key,
      type,
      raw.contains as string,
      statistics(raw.values as Json, `metrics.${key}.values`)
    )
    metrics[key] = metric
    if (isObject(raw.thresholds)) {
      for (const [expression, state] of Object.entries(raw.thresholds)) {
        const ok = isObject(state) && state.ok === true
        thresholds.push(thresholdResult(metric, expression, ok))
      }
    }
  }
  const state = isObject(data.state) ? data.state : {}
  return {
    format: 'handle-summary',
    metrics,
    thresholds,
    checks: collectChecks(data.root_group),
    testRunDurationMs:
      typeof state.testRunDurationMs === 'number'
        ? state.testRunDurationMs
        : undefined
  }
}

/**
 * k6's schema-versioned summary (`--new-machine-readable-summary`, k6
 * 1.5+; internal/lib/summary/machine_readable.go): metrics as an array,
 * trends with avg/min/med/max/p90/p95 only, counters with a count only,
 * rates as matches/total/rate, checks apart, and no thresholds at all
 * (results/complete-thresholds.ts judges them from results.json).
 */
function parseMachineReadable(data: Json, file: string): SummaryResult {
  const major = Number(String(data.version).split('.')[0])
  if (major !== 1) {
    throw new ResultsError(
      file,
      `is a k6 machine-readable summary of schema ${String(data.version)}; perf-gate reads schema 1.x`
    )
  }
  const results = data.results as Json
  const config = isObject(data.config) ? data.config : {}
  const durationS =
    typeof config.duration === 'number' && config.duration > 0
      ? config.duration
      : undefined
  const checksBlock = isObject(results.checks) ? results.checks : {}
  const metrics: Record<string, MetricSummary> = {}
  const raws = [
    ...(results.metrics as unknown[]),
    ...(Array.isArray(checksBlock.metrics) ? checksBlock.metrics : [])
  ].filter(isObject)
  for (const raw of raws) {
    const type = raw.type as MetricType
    if (
      typeof raw.name !== 'string' ||
      !['counter', 'gauge', 'rate', 'trend'].includes(type)
    )
      continue
    const values = statistics(
      isObject(raw.values) ? raw.values : {},
      `results.metrics[${raw.name}].values`
    )
    metrics[raw.name] = makeMetric(
      raw.name,
      type,
      raw.contains as string,
      machineReadableValues(type, values, durationS)
    )
  }
  // The checks metric of the other formats: the share of checks that passed.
  const succeeded = metrics.checks_succeeded
  if (succeeded && !metrics.checks) {
    metrics.checks = { ...succeeded, key: 'checks', metric: 'checks' }
  }
  const listed = Array.isArray(checksBlock.results)
    ? checksBlock.results
    : Array.isArray(checksBlock.orderedChecks)
      ? checksBlock.orderedChecks
      : []
  const checks: CheckResult[] = listed.filter(isObject).map((c) => ({
    name: String(c.name),
    path: `::${String(c.name)}`,
    passes: Number(c.passes) || 0,
    fails: Number(c.fails) || 0
  }))
  return {
    format: 'machine-readable',
    metrics,
    thresholds: [],
    checks,
    testRunDurationMs: durationS !== undefined ? durationS * 1000 : undefined,
    scriptSource: typeof config.script === 'string' ? config.script : undefined
  }
}

/**
 * The values under the other formats' names: `p90` → `p(90)`; a counter's
 * rate over the run (k6 keeps the count only); a rate's `passes`/`fails`.
 */
function machineReadableValues(
  type: MetricType,
  values: Record<string, number>,
  durationS: number | undefined
): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, value] of Object.entries(values)) {
    const percentile = /^p(\d+(?:\.\d+)?)$/.exec(name)
    out[percentile ? `p(${percentile[1]})` : name] = value
  }
  if (type === 'counter' && out.count !== undefined && durationS) {
    out.rate = out.count / durationS
  }
  if (type === 'rate' && out.matches !== undefined && out.total !== undefined) {
    out.passes = out.matches
    out.fails = out.total - out.matches
  }
  return out
}

function inferType(raw: Json): MetricType | undefined {
  if ('passes' in raw && 'fails' in raw) return 'rate'
  if ('count' in raw) return 'counter'
  if (['avg', 'med', 'min', 'max'].some((k) => k in raw) && !('value' in raw)) {
    return 'trend'
  }
  if (Object.keys(raw).some((k) => k.startsWith('p('))) return 'trend'
  if ('value' in raw) return 'gauge'
  return undefined
}

// k6's built-in metrics, for the formats that do not say what they contain.
const TIME_METRICS =
  /^(http_req_\w+|iteration_duration|group_duration|ws_\w*duration\w*|ws_connecting|ws_session_duration|grpc_req_duration|browser_http_req_duration|browser_web_vital_(lcp|fcp|inp|fid|ttfb))$/
// browser_web_vital_cls is a score: neither.
const DATA_METRICS = /^(browser_)?(data_sent|data_received)$/

function makeMetric(
  key: string,
  type: MetricType,
  contains: string | undefined,
  values: Record<string, number>
): MetricSummary {
  const { metric, tags } = safeMetricKey(key)
  const known =
    contains === 'time' || contains === 'data' || contains === 'default'
      ? contains
      : undefined
  return {
    key,
    metric,
    tags,
    type,
    contains:
      known ??
      (type === 'trend' && TIME_METRICS.test(metric)
        ? 'time'
        : DATA_METRICS.test(metric)
          ? 'data'
          : 'default'),
    values
  }
}

function safeMetricKey(key: string): ReturnType<typeof parseMetricKey> {
  try {
    return parseMetricKey(key)
  } catch {
    return { metric: key, tags: {} }
  }
}

function thresholdResult(
  metric: MetricSummary,
  expression: string,
  passed: boolean
): ThresholdResult {
  let parsed: ThresholdExpression | undefined
  try {
    parsed = parseThresholdExpression(expression)
  } catch (error) {
    if (!(error instanceof ThresholdSyntaxError)) throw error
  }
  return {
    metric: metric.key,
    expression,
    passed,
    statistic: parsed ? statisticName(parsed) : expression,
    observed: parsed ? observedValue(parsed, metric) : undefined
  }
}

/** The value k6 compared the threshold against, from the summary. */
function observedValue(
  expression: ThresholdExpression,
  metric: MetricSummary
): number | undefined {
  if (expression.aggregation === 'p') {
    return percentileValue(metric.values, expression.percentile ?? NaN)
  }
  return metric.values[expression.aggregation]
}

/** Find `p(N)` whatever way N was written (`p(99.9)`, `p(99.90)`). */
export function percentileValue(
  values: Record<string, number>,
  percentile: number
): number | undefined {
  if (percentile === 50 && values.med !== undefined) return values.med
  for (const [name, value] of Object.entries(values)) {
    const match = /^p\((.+)\)$/.exec(name)
    if (match && Number(match[1]) === percentile) return value
  }
  return undefined
}

/** Walk the group tree; groups and checks are maps or arrays by format. */
function collectChecks(
  group: unknown,
  into: CheckResult[] = []
): CheckResult[] {
  if (!isObject(group)) return into
  for (const check of listOf(group.checks)) {
    if (typeof check.name !== 'string') continue
    into.push({
      name: check.name,
      path: typeof check.path === 'string' ? check.path : `::${check.name}`,
      passes: Number(check.passes) || 0,
      fails: Number(check.fails) || 0
    })
  }
  for (const child of listOf(group.groups)) collectChecks(child, into)
  return into
}

function listOf(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isObject)
  if (isObject(value)) return Object.values(value).filter(isObject)
  return []
}

/**
 * A metric's statistics. Each is a number k6 could have written: a string
 * or a boolean where a figure belongs means the file is not k6's, and a
 * run must not pass on figures nobody measured.
 */
function statistics(raw: Json, where: string): Record<string, number> {
  const values: Record<string, number> = {}
  for (const [name, value] of Object.entries(raw)) {
    // A summary-export metric holds its thresholds beside its figures.
    if (name === 'thresholds' || value === null) continue
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SummaryValueError(
        `${where}.${name} is ${JSON.stringify(value)}, not a figure k6 writes`
      )
    }
    values[name] = value
  }
  return values
}

/** A figure no k6 run produces: a rate outside 0–1, a negative count or time. */
function checkRange(metric: MetricSummary, where: string): void {
  const v = metric.values
  const bad = (name: string, why: string): never => {
    throw new SummaryValueError(`${where}.${name} is ${v[name]}: ${why}`)
  }
  if (
    metric.type === 'rate' &&
    v.rate !== undefined &&
    !(v.rate >= 0 && v.rate <= 1)
  ) {
    bad('rate', 'a rate is a share from 0 to 1')
  }
  if (!BUILT_IN.test(metric.metric)) return
  for (const [name, value] of Object.entries(v)) {
    if (value < 0) bad(name, `${metric.metric} is never negative`)
  }
}

/** k6's own metrics, whose figures are never negative. */
const BUILT_IN =
  /^(http_req\w*|iteration\w*|data_sent|data_received|dropped_iterations|vus|vus_max|checks|group_duration)$/

class SummaryValueError extends Error {}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
