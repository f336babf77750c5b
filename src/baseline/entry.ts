import { z } from 'zod'
import { BaselineError } from '../shared/errors.js'
import type { EndpointStats, LatencyStats } from '../results/types.js'
import type { PerfGateResult } from '../results/result.js'

/**
 * The baseline store's file: one per objective, holding the last N entries
 * per fingerprint. An entry is the essentials of a perf-gate-result.json:
 * enough to compare a later run with it, small enough to keep 30 of.
 * Documented in docs/baselines.md; bump the version on any change a reader
 * could trip over.
 */
export const BASELINE_SCHEMA_VERSION = 1
const DEFAULT_KEEP = 30
/** Older load shapes are dropped beyond this many per objective. */
const MAX_FINGERPRINTS = 5
/** Endpoints kept per entry, busiest first. */
const MAX_ENDPOINTS = 50

/**
 * The figures of a run or an endpoint, each within what a run can give:
 * an entry holding `p95: -5` or `rps: 1e308` is not a run's, and would be
 * judged against. The `…Se` fields are the relative standard error of the
 * figure from sampling alone (0.012 is ±1.2%), so a later comparison knows
 * what the run's own requests could tell; `checks` counts check samples.
 * Optional: perf-gate before them reads and keeps the rest.
 */
const bounded = (max: number) =>
  z.number().min(0).max(max).nullable().optional()
/** Milliseconds: up to an hour for one request. */
const ms = bounded(3_600_000)
const share = bounded(1)
const relativeError = bounded(100)
const count = z.number().int().min(0).max(1e13).nullable().optional()
const metricSet = z.object({
  p50: ms,
  p95: ms,
  p99: ms,
  avg: ms,
  p50Se: relativeError,
  p95Se: relativeError,
  p99Se: relativeError,
  avgSe: relativeError,
  errorRate: share,
  rps: bounded(10_000_000),
  checksRate: share,
  checks: count,
  droppedIterations: count,
  requests: count
})
export type MetricSet = z.infer<typeof metricSet>

const series = z.array(z.number().min(0).max(10_000_000).nullable())
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
  durationS: z
    .number()
    .min(0)
    .max(30 * 86_400)
    .optional(),
  objective: z.string(),
  fingerprint: z.string(),
  overall: metricSet,
  endpoints: z.record(z.string(), metricSet),
  series: z.object({
    bucketSeconds: z.number(),
    /** Seconds the run spans (the last bucket may be wider). */
    spanS: z.number().min(0).optional(),
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
/** The file's frame: each entry is checked on its own. */
const frame = file.extend({ entries: z.array(z.unknown()) })
export type BaselineFile = z.infer<typeof file> & {
  /** Entries left out as they were read, each named with why. */
  dropped?: string[]
}

export function emptyFile(objective: string): BaselineFile {
  return {
    schema: 'perf-gate-baseline',
    schemaVersion: BASELINE_SCHEMA_VERSION,
    objective,
    entries: []
  }
}

/**
 * A file of the data perf-gate stores, as JSON. Throws BaselineError naming
 * `source` when it is not JSON, or when a newer perf-gate wrote it
 * (`newerSchema`: never overwrite that).
 */
export function parseVersionedJson(
  text: string,
  source: string,
  kind: { schema: string; reads: number; upgrade: string }
): unknown {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new BaselineError(source, `is not JSON (${(error as Error).message})`)
  }
  const head = json as { schema?: unknown; schemaVersion?: unknown } | null
  const version = head?.schemaVersion
  if (
    head?.schema === kind.schema &&
    typeof version === 'number' &&
    version > kind.reads
  ) {
    const name = kind.schema.replace(/^perf-gate-/, '')
    throw new BaselineError(
      source,
      `was written by a newer perf-gate (${name} schema v${version}; this one reads v${kind.reads}). ${kind.upgrade}`,
      true
    )
  }
  return json
}

/**
 * Read a store file. Throws BaselineError naming `source` for anything that
 * is not a baseline this perf-gate understands; the caller decides whether
 * that is a warning (reading) or a reason not to overwrite (writing).
 */
export function parseBaselineFile(text: string, source: string): BaselineFile {
  const json = parseVersionedJson(text, source, {
    schema: 'perf-gate-baseline',
    reads: BASELINE_SCHEMA_VERSION,
    upgrade:
      'Upgrade perf-gate in this workflow, or point baseline-branch at a new branch.'
  })
  const parsed = frame.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new BaselineError(
      source,
      `is not a perf-gate baseline: ${issue.path.join('.') || '(top level)'}: ${issue.message}`
    )
  }
  // One bad entry (hand-edited, or written by a bug) is dropped and named;
  // the others stay, and are kept when the file is written again.
  const entries: BaselineEntry[] = []
  const dropped: string[] = []
  parsed.data.entries.forEach((raw, i) => {
    const checked = entry.safeParse(raw)
    if (checked.success) entries.push(checked.data)
    else {
      const issue = checked.error.issues[0]
      const id = (raw as { runId?: unknown } | null)?.runId
      dropped.push(
        `entries[${i}]${typeof id === 'string' ? ` (run ${id})` : ''}: ${issue.path.join('.') || '(entry)'}: ${issue.message}`
      )
    }
  })
  return { ...parsed.data, entries, ...(dropped.length ? { dropped } : {}) }
}

/** What a read says of entries it dropped, when it dropped any. */
export function droppedWarning(
  source: string,
  file: BaselineFile
): string | undefined {
  const dropped = file.dropped ?? []
  if (dropped.length === 0) return undefined
  return (
    `${source}: ${dropped.length} entr${dropped.length === 1 ? 'y is' : 'ies are'} not a run's and ${dropped.length === 1 ? 'was' : 'were'} left out ` +
    `(${dropped.join('; ')}); the other ${file.entries.length} are used, and kept when the file is next written.`
  )
}

export function serialiseBaselineFile(data: BaselineFile): string {
  return `${JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`
}

interface EntryContext {
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
    endpoints[e.name] = endpointSet(e)
  }
  const overallLatency = result.http?.requests
    ? latencySet(result.http.latency)
    : {}
  const chart = result.series?.chart
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
    // The run over time, every bucket in place (an empty one has no
    // percentile: null keeps the time axis).
    series: {
      bucketSeconds: chart?.bucketSeconds ?? 0,
      ...(chart ? { spanS: round(chart.spanS) } : {}),
      p95: (chart?.p95 ?? []).map((v) => round(v) ?? null),
      rps: (chart?.rps ?? []).map((v) => round(v) ?? null),
      errorRate: (chart?.errorRate ?? []).map((v) => round(v, 6) ?? null)
    }
  }
}

/** An endpoint's figures, as stored. */
export function endpointSet(e: EndpointStats): MetricSet {
  return {
    ...latencySet(e.latency),
    errorRate: round(e.errorRate, 6),
    requests: e.requests
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
