import { emptyStderr, type StderrDigest } from '../k6/log.js'
import type { K6Run } from '../k6/run.js'
import { shardLabel, type Shard } from '../k6/segments.js'
import { holds, sinkValue, type Sink, type TrendSink } from '../k6/sinks.js'
import { parseThresholdExpression, statisticName } from '../k6/thresholds.js'
import { analyseResultsFiles } from './analyser.js'
import { RequestCounter } from './request-count.js'
import type { RunAnalysis } from './analyse.js'
import { completeFigures, enrichSummary, findings } from './combine.js'
import { keyFigures } from './figures.js'
import { redactSummaryFile } from './redact.js'
import type { ShardManifest } from './shard-manifest.js'
import { readSummary } from './summary.js'
import type {
  CheckResult,
  MetricSummary,
  ResultsAnalysis,
  SummaryResult,
  ThresholdResult
} from './types.js'
import { MetricWatch } from './watch.js'
import { releaseGarbage } from '../shared/memory.js'

/**
 * The shards of one run analysed as if one k6 had run them: the union of
 * their samples through one results analyser and k6's own sinks, every
 * metric of their summaries and every threshold re-computed over it.
 *
 * What is exact: counts and rates (summed from the shards' summaries, a
 * tag filter's too), the latency and every Trend a threshold is set on
 * (their samples read again into k6's sinks, which keep every value), the
 * checks, the analyser's figures where it is exact. The VU gauges (`vus`,
 * `vus_max`) are summed: each shard runs its segment's share of the VUs.
 * Another Gauge takes the shards' highest. A Trend without a threshold
 * (http_req_waiting…) is left out of the merged summary: its statistics
 * cannot be combined from the shards' and are not read again.
 */

export interface ShardFiles {
  manifest: ShardManifest
  summaryPath: string
  resultsPath: string
}

/** When a shard ran, against the others. */
interface ShardTiming {
  shard: Shard
  /** Seconds after the first shard's first sample that its own came. */
  startedAfterS: number
  /** Seconds before the last shard's last sample that its own came. */
  endedBeforeS: number
  /** After the common start asked for, when there was one. */
  lateByS?: number
  requests: number
}

export interface MergedRun {
  analysis: RunAnalysis
  /** A K6Run standing for the shards together, for the verdict and report. */
  run: K6Run
  timing: {
    shards: ShardTiming[]
    /** Seconds every shard was running, and the requests in them. */
    commonS: number
    commonRequests: number
    /** From the first shard's first sample to the last one's last. */
    spanS: number
    /** The rate counts only the common time (the shards did not line up). */
    rateFromCommon: boolean
  }
  mergeMs: number
}

/** Shards that started or ended further apart than this are reported. */
export const SHARD_SKEW_S = 1

interface MergeOptions {
  secrets?: readonly string[]
  /** The profile's thresholds, by metric key. */
  planned?: { key: string; expression: string }[]
  capacityFactor?: number
  soak?: boolean
}

const CROSSED = /^thresholds on metrics '.*' (?:have been|were) crossed/

export async function mergeShards(
  shards: ShardFiles[],
  options: MergeOptions = {}
): Promise<MergedRun> {
  const started = Date.now()
  // The time series starts at the first sample of the shard that began first.
  const ordered = [...shards].sort(
    (a, b) => time(a.manifest.firstSample) - time(b.manifest.firstSample)
  )
  const summaries = ordered.map((s) => {
    redactSummaryFile(s.summaryPath, options.secrets)
    return readSummary(s.summaryPath)
  })
  const keys = new Set(summaries.flatMap((s) => Object.keys(s.metrics)))
  const known = knownThresholds(summaries, options.planned ?? [])

  const sampled = sampledMetrics(summaries, known)
  const { stream, sinks } = await readSamples(ordered, summaries, sampled)
  // The pass's buffers and kernel are garbage now: freed before the
  // report and the upload allocate beside them.
  await releaseGarbage()
  const durationS =
    Math.max(0, ...ordered.map((s) => s.manifest.durationS ?? 0)) ||
    stream.durationS
  const metrics = mergedMetrics(
    [...new Set([...keys, ...sampled])],
    summaries,
    sinks,
    durationS
  )
  const thresholds = known.map((k) =>
    judgeThreshold(
      k,
      sinks.get(k.metric),
      metrics[k.metric],
      summaries,
      durationS
    )
  )
  const timing = shardTiming(ordered, summaries, stream)
  const summary = enrichSummary(
    {
      format: summaries[0]?.format ?? 'summary-export',
      metrics,
      thresholds,
      checks: mergedChecks(summaries),
      testRunDurationMs: durationS * 1000
    },
    stream
  )

  stream.maxVus = ordered.reduce(
    (sum, _s, i) => sum + (summaries[i].metrics.vus?.values.max ?? 0),
    0
  )
  const figures = completeFigures(keyFigures(summary), stream)
  if (timing.rateFromCommon && timing.commonS > 0) {
    figures.rps = timing.commonRequests / timing.commonS
  }
  const analysis: RunAnalysis = {
    summary,
    figures,
    stream,
    findings: findings(stream, summary, {
      capacityFactor: options.capacityFactor,
      soak: options.soak
    }),
    redacted: [],
    streamMs: Date.now() - started
  }
  return {
    analysis,
    run: standIn(ordered, thresholds),
    timing,
    mergeMs: Date.now() - started
  }
}

/**
 * The metrics whose samples are read again: counters and Rates add up
 * exactly from the shards' summaries; a Trend's statistics need its
 * samples (the latency, and the Trends a threshold is set on).
 */
function sampledMetrics(
  summaries: readonly SummaryResult[],
  known: readonly { metric: string }[]
): Set<string> {
  const typeOf = (key: string): MetricSummary['type'] | undefined =>
    summaries.map((s) => s.metrics[key]?.type).find(Boolean)
  const sampled = new Set(['http_req_duration'])
  for (const k of known) {
    const type = typeOf(k.metric)
    if (type === undefined || type === 'trend') sampled.add(k.metric)
  }
  return sampled
}

/**
 * Every shard's results.json in one pass, in start order: the time
 * series, and the samples of the sampled metrics. Each file must hold
 * every request its summary counts.
 */
async function readSamples(
  ordered: readonly ShardFiles[],
  summaries: readonly SummaryResult[],
  sampled: Set<string>
): Promise<{
  stream: ResultsAnalysis
  sinks: ReturnType<MetricWatch['finish']>['sinks']
}> {
  const watch = new MetricWatch(sampled)
  const counter = new RequestCounter()
  const stream = await analyseResultsFiles(
    ordered.map((s) => s.resultsPath),
    {},
    [watch],
    [counter],
    () => counter.nextFile()
  )
  counter.finishFile()
  checkComplete(ordered, summaries, counter.perFile)
  return { stream, sinks: watch.finish().sinks }
}

/** Every threshold a shard's summary lists, then the profile's; each once. */
function knownThresholds(
  summaries: readonly SummaryResult[],
  planned: readonly { key: string; expression: string }[]
): { metric: string; expression: string }[] {
  const known: { metric: string; expression: string }[] = []
  const addThreshold = (metric: string, expression: string): void => {
    if (!known.some((k) => k.metric === metric && k.expression === expression))
      known.push({ metric, expression })
  }
  for (const summary of summaries) {
    for (const t of summary.thresholds) addThreshold(t.metric, t.expression)
  }
  for (const p of planned) addThreshold(p.key, p.expression)
  return known
}

/** Each metric's values over all shards: summed, or from its samples. */
function mergedMetrics(
  keys: readonly string[],
  summaries: readonly SummaryResult[],
  sinks: ReturnType<MetricWatch['finish']>['sinks'],
  durationS: number
): Record<string, MetricSummary> {
  const metrics: Record<string, MetricSummary> = {}
  for (const key of keys) {
    const perShard = summaries.map((s) => s.metrics[key])
    const shape = perShard.find(Boolean)
    if (!shape) continue
    const values = mergedValues(key, shape, sinks.get(key), perShard, durationS)
    if (values) metrics[key] = { ...shape, values }
  }
  return metrics
}

/**
 * Each shard's results.json holds every request its summary counts: a
 * file cut short (a full disk, an interrupted upload) would drop part of
 * a shard's samples from every figure of the merge.
 */
function checkComplete(
  shards: readonly ShardFiles[],
  summaries: readonly SummaryResult[],
  counted: readonly number[]
): void {
  shards.forEach((s, i) => {
    const expected = summaries[i].metrics.http_reqs?.values.count
    if (expected !== undefined && (counted[i] ?? 0) < expected) {
      throw new MergeError(
        `merge: ${shardLabel(s.manifest.shard)}'s results.json holds ${counted[i] ?? 0} requests where its summary counts ${expected}: ` +
          'the file was cut short (a full disk, or an interrupted upload). Run the shards again.'
      )
    }
  })
}

/** Shards that cannot be merged into one run, in one line. */
class MergeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MergeError'
  }
}

function time(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : Number.NaN
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY
}

/**
 * A metric's summary statistics over the union, by the names k6 uses:
 * counts summed, rates from the summed passes and fails, a Trend's from
 * its samples (undefined when they were not read).
 */
function mergedValues(
  key: string,
  shape: MetricSummary,
  sink: Sink | undefined,
  perShard: (MetricSummary | undefined)[],
  durationS: number
): Record<string, number> | undefined {
  const shards = perShard.filter((m): m is MetricSummary => !!m)
  const sum = (stat: string): number =>
    shards.reduce((n, m) => n + (m.values[stat] ?? 0), 0)
  switch (shape.type) {
    case 'counter': {
      const count = sum('count')
      return { count, rate: durationS > 0 ? count / durationS : 0 }
    }
    case 'rate': {
      const passes = sum('passes')
      const fails = sum('fails')
      return {
        rate: passes + fails > 0 ? passes / (passes + fails) : 0,
        passes,
        fails
      }
    }
    case 'gauge': {
      // Each shard holds its segment's VUs: the run's are their sum. Another
      // gauge has no sum: the shards' highest and lowest.
      if (key === 'vus' || key === 'vus_max') {
        return { value: sum('value'), min: sum('min'), max: sum('max') }
      }
      const max = Math.max(...shards.map((m) => m.values.max ?? -Infinity))
      const min = Math.min(...shards.map((m) => m.values.min ?? Infinity))
      return { value: max, min, max }
    }
    case 'trend': {
      if (sink?.type !== 'trend') return undefined
      const values: Record<string, number> = {}
      for (const stat of Object.keys(shape.values)) {
        const value = trendStatistic(sink, stat)
        if (value !== undefined) values[stat] = value
      }
      return values
    }
  }
}

function trendStatistic(sink: TrendSink, stat: string): number | undefined {
  const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat)
  if (p) return sink.percentile(Number(p[1]) / 100)
  if (stat === 'med') return sink.percentile(0.5)
  if (stat === 'avg') return sink.avg
  if (stat === 'min') return sink.min
  if (stat === 'max') return sink.max
  if (stat === 'count') return sink.count
  return undefined
}

/** A threshold re-judged over the union, as k6 judges it at the end. */
function judgeThreshold(
  k: { metric: string; expression: string },
  sink: Sink | undefined,
  merged: MetricSummary | undefined,
  summaries: SummaryResult[],
  durationS: number
): ThresholdResult {
  const base = { metric: k.metric, expression: k.expression }
  let parsed
  try {
    parsed = parseThresholdExpression(k.expression)
  } catch {
    return { ...base, passed: false, statistic: '' }
  }
  const statistic = statisticName(parsed)
  const observed = sink
    ? sinkValue(sink, parsed, durationS)
    : merged && merged.type !== 'trend'
      ? merged.values[parsed.aggregation]
      : undefined
  if (observed === undefined) {
    // No sample of the metric in any shard: as each shard judged it.
    const passed = summaries.every(
      (s) =>
        s.thresholds.find(
          (t) => t.metric === k.metric && t.expression === k.expression
        )?.passed !== false
    )
    return { ...base, passed, statistic }
  }
  return { ...base, passed: holds(parsed, observed), statistic, observed }
}

/** The checks by their group path, passes and fails summed. */
function mergedChecks(summaries: SummaryResult[]): CheckResult[] {
  const byPath = new Map<string, CheckResult>()
  for (const summary of summaries) {
    for (const check of summary.checks) {
      const seen = byPath.get(check.path)
      if (seen) {
        seen.passes += check.passes
        seen.fails += check.fails
      } else byPath.set(check.path, { ...check })
    }
  }
  return [...byPath.values()]
}

function shardTiming(
  ordered: ShardFiles[],
  summaries: SummaryResult[],
  stream: ResultsAnalysis
): MergedRun['timing'] {
  const firsts = ordered.map((s) => time(s.manifest.firstSample))
  const lasts = ordered.map((s) => time(s.manifest.lastSample))
  const known = [...firsts, ...lasts].every(Number.isFinite)
  const first = Math.min(...firsts)
  const last = Math.max(...lasts)
  const commonFrom = Math.max(...firsts)
  const commonTo = Math.min(...lasts)
  const shards = ordered.map((s, i) => ({
    shard: s.manifest.shard,
    startedAfterS: known ? (firsts[i] - first) / 1000 : 0,
    endedBeforeS: known ? (last - lasts[i]) / 1000 : 0,
    ...(s.manifest.lateByS !== undefined
      ? { lateByS: s.manifest.lateByS }
      : {}),
    requests: summaries[i].metrics.http_reqs?.values.count ?? 0
  }))
  const skewed = shards.some(
    (s) => s.startedAfterS > SHARD_SKEW_S || s.endedBeforeS > SHARD_SKEW_S
  )
  // The requests in the time buckets that lie inside the common time.
  let commonRequests = stream.http.requests
  let commonS = stream.durationS
  const origin = stream.startTime ? Date.parse(stream.startTime) : first
  if (known && skewed) {
    const { bucketSeconds, buckets } = stream.series
    commonRequests = 0
    commonS = 0
    for (const b of buckets) {
      const from = origin + b.t * 1000
      if (from >= commonFrom && from + bucketSeconds * 1000 <= commonTo) {
        commonRequests += b.requests
        commonS += bucketSeconds
      }
    }
  }
  return {
    shards,
    commonS,
    commonRequests,
    spanS: known ? (last - first) / 1000 : stream.durationS,
    rateFromCommon: known && skewed
  }
}

/**
 * What one k6 would have said: exit 99 naming the metrics whose thresholds
 * the union crosses, the shards' iteration errors and other errors summed.
 */
function standIn(ordered: ShardFiles[], thresholds: ThresholdResult[]): K6Run {
  const crossed = [
    ...new Set(thresholds.filter((t) => !t.passed).map((t) => t.metric))
  ]
  const stderr: StderrDigest = emptyStderr()
  const firstErrors = stderr.firstIterationErrors
  for (const { manifest } of ordered) {
    const d = manifest.stderr
    stderr.lines += d.lines
    stderr.iterationErrors += d.iterationErrors
    for (const e of d.firstIterationErrors)
      if (firstErrors.length < 5) firstErrors.push(e)
    for (const [kind, n] of Object.entries(d.requestFailures))
      stderr.requestFailures[kind] = (stderr.requestFailures[kind] ?? 0) + n
    for (const e of d.errors) {
      if (!CROSSED.test(e))
        stderr.errors.push(`${shardLabel(manifest.shard)}: ${e}`)
    }
  }
  if (crossed.length > 0) {
    stderr.errors.push(
      `thresholds on metrics '${crossed.join(', ')}' have been crossed`
    )
  }
  return {
    argv: ['merge', ...ordered.map((s) => shardLabel(s.manifest.shard))],
    exitCode: crossed.length > 0 ? 99 : 0,
    outcome:
      crossed.length > 0
        ? 'thresholds-crossed'
        : stderr.iterationErrors > 0
          ? 'iteration-errors'
          : 'passed',
    summaryPath: '',
    resultsPath: '',
    logPath: '',
    stderr,
    wallTimeMs: 0
  }
}
