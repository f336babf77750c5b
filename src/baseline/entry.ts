import { z } from 'zod'
import { BaselineError } from '../shared/errors.js'
import type { LatencyStats } from '../results/types.js'
import type { PerfGateResult } from '../results/result.js'

/**
 * The baseline store's file: one per objective, holding the last N entries
 * per fingerprint. An entry is the essentials of a perf-gate-result.json:
 * enough to compare a later run with it, small enough to keep 30 of.
 * Documented in docs/baselines.md; bump the version on any change a reader
 * could trip over.
 */
export const BASELINE_SCHEMA_VERSION = 1
export const DEFAULT_KEEP = 30
/** Older load shapes are dropped beyond this many per objective. */
const MAX_FINGERPRINTS = 5
/** Endpoints kept per entry, busiest first. */
const MAX_ENDPOINTS = 50

const num = z.number().nullable().optional()
/**
 * The figures of a run or an endpoint. The `…Se` fields are the relative
 * standard error of the figure from sampling alone (0.012 is ±1.2%), so a
 * later comparison knows what the run's own requests could tell; `checks`
 * counts check samples. Optional: perf-gate before them reads and keeps
 * the rest.
 */
const metricSet = z.object({
  p50: num,
  p95: num,
  p99: num,
  avg: num,
  p50Se: num,
  p95Se: num,
  p99Se: num,
  avgSe: num,
  errorRate: num,
  rps: num,
  checksRate: num,
  checks: num,
  droppedIterations: num,
  requests: num
})
export type MetricSet = z.infer<typeof metricSet>

const series = z.array(z.number().nullable())
const entry = z.object({
  commit: z.string(),
  ref: z.string(),
  runId: z.string(),
  runAttempt: z.string().optional(),
  runUrl: z.string().optional(),
  date: z.string(),
  k6Version: z.string().optional(),
  runner: z.object({ os: z.string(), arch: z.string() }),
  /** Seconds the run took: a run far shorter than the others is left out. */
  durationS: z.number().optional(),
  objective: z.string(),
  fingerprint: z.string(),
  overall: metricSet,
  endpoints: z.record(z.string(), metricSet),
  series: z.object({
    bucketSeconds: z.number(),
    p95: series,
    rps: series,
    errorRate: series
  })
})
export type BaselineEntry = z.infer<typeof entry>

const file = z.object({
  schema: z.literal('perf-gate-baseline'),
  schemaVersion: z.number().int().positive(),
  objective: z.string(),
  entries: z.array(entry)
})
export type BaselineFile = z.infer<typeof file>

export function emptyFile(objective: string): BaselineFile {
  return {
    schema: 'perf-gate-baseline',
    schemaVersion: BASELINE_SCHEMA_VERSION,
    objective,
    entries: []
  }
}

/**
 * Read a store file. Throws BaselineError naming `source` for anything that
 * is not a baseline this perf-gate understands; the caller decides whether
 * that is a warning (reading) or a reason not to overwrite (writing).
 */
export function parseBaselineFile(text: string, source: string): BaselineFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new BaselineError(source, `is not JSON (${(error as Error).message})`)
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion
  if (
    (json as { schema?: unknown } | null)?.schema === 'perf-gate-baseline' &&
    typeof version === 'number' &&
    version > BASELINE_SCHEMA_VERSION
  ) {
    throw new BaselineError(
      source,
      `was written by a newer perf-gate (baseline schema v${version}; this one reads v${BASELINE_SCHEMA_VERSION}). ` +
        'Upgrade perf-gate in this workflow, or point baseline-branch at a new branch.',
      true
    )
  }
  const parsed = file.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new BaselineError(
      source,
      `is not a perf-gate baseline: ${issue.path.join('.') || '(top level)'}: ${issue.message}`
    )
  }
  return parsed.data
}

export function serialiseBaselineFile(data: BaselineFile): string {
  return `${JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`
}

export interface EntryContext {
  commit: string
  ref: string
  runId: string
  runAttempt?: string
  runUrl?: string
  date?: string
  objective: string
  fingerprint: string
  /** The runner's OS and CPU (RunContext.runner). */
  runner: { os: string; arch: string }
}

/** The essentials of one analysed run. */
export function toEntry(
  result: PerfGateResult,
  context: EntryContext
): BaselineEntry {
  const f = result.figures
  const endpoints: Record<string, MetricSet> = {}
  for (const e of result.endpoints.slice(0, MAX_ENDPOINTS)) {
    endpoints[e.name] = {
      ...latencySet(e.latency),
      errorRate: round(e.errorRate, 6),
      requests: e.requests
    }
  }
  const overallLatency = result.http?.requests
    ? latencySet(result.http.latency)
    : {}
  const buckets = result.series?.buckets ?? []
  return {
    commit: context.commit,
    ref: context.ref,
    runId: context.runId,
    runAttempt: context.runAttempt,
    runUrl: context.runUrl,
    date: context.date ?? new Date().toISOString(),
    k6Version: result.k6Version,
    runner: { ...context.runner },
    durationS: round(f.durationS),
    objective: context.objective,
    fingerprint: context.fingerprint,
    overall: {
      p50: round(f.p50Ms),
      p95: round(f.p95Ms),
      p99: round(f.p99Ms),
      avg: round(f.avgMs),
      p50Se: overallLatency.p50Se,
      p95Se: overallLatency.p95Se,
      p99Se: overallLatency.p99Se,
      avgSe: overallLatency.avgSe,
      errorRate: round(f.errorRate, 6),
      rps: round(f.rps),
      checksRate: round(f.checksRate, 6),
      checks: f.checksTotal,
      droppedIterations: f.droppedIterations,
      requests: f.requests
    },
    endpoints,
    series: {
      bucketSeconds: result.series?.bucketSeconds ?? 0,
      // Empty buckets have no percentile: null keeps the time axis.
      p95: buckets.map((b) => (b.requests ? round(b.p95) : null) ?? null),
      rps: buckets.map((b) => round(b.rps) ?? null),
      errorRate: buckets.map((b) =>
        b.requests ? (round(b.errorRate, 6) ?? null) : null
      )
    }
  }
}

/** A group's latency figures and their sampling errors, as stored. */
function latencySet(latency: LatencyStats): MetricSet {
  return {
    p50: round(latency.p50),
    p95: round(latency.p95),
    p99: round(latency.p99),
    avg: round(latency.avg),
    p50Se: round(latency.se?.p50, 5),
    p95Se: round(latency.se?.p95, 5),
    p99Se: round(latency.se?.p99, 5),
    avgSe: round(latency.se?.avg, 5)
  }
}

function round(value: number | undefined | null, digits = 3) {
  return value === undefined || value === null || !Number.isFinite(value)
    ? undefined
    : Number(value.toFixed(digits))
}

/**
 * Add an entry: a re-run of the same run replaces its earlier entry; the
 * last `keep` entries per fingerprint stay, and the most recently used
 * fingerprints (load shapes) only.
 */
export function appendEntry(
  data: BaselineFile,
  added: BaselineEntry,
  keep = DEFAULT_KEEP
): BaselineFile {
  const others = data.entries.filter(
    (e) => !(e.runId === added.runId && e.fingerprint === added.fingerprint)
  )
  const all = [...others, added].sort((a, b) => a.date.localeCompare(b.date))
  const byFingerprint = new Map<string, BaselineEntry[]>()
  for (const e of all) {
    const list = byFingerprint.get(e.fingerprint) ?? []
    list.push(e)
    byFingerprint.set(e.fingerprint, list)
  }
  const recent = [...byFingerprint.values()]
    .sort((a, b) => b[b.length - 1].date.localeCompare(a[a.length - 1].date))
    .slice(0, MAX_FINGERPRINTS)
  const kept = new Set(recent.flatMap((list) => list.slice(-keep)))
  return {
    schema: 'perf-gate-baseline',
    schemaVersion: BASELINE_SCHEMA_VERSION,
    objective: data.objective,
    entries: all.filter((e) => kept.has(e))
  }
}

/** A file name safe on every store: `load`, `custom-name`. */
export function storeFileName(objective: string): string {
  return `${objective.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`
}
