import { z } from 'zod'
import { BaselineError } from '../shared/errors.js'
import { parseVersionedJson, type BaselineEntry } from './entry.js'

/**
 * The history of a branch's runs, compact: the figures change points are
 * found in, for hundreds of runs per load shape, where the baseline file
 * keeps the last 30 whole entries for comparisons. One file per objective
 * (`history/<objective>.json` on the data branch), documented in
 * docs/baselines.md. A run is about 300 bytes.
 */
export const HISTORY_SCHEMA_VERSION = 1
/** Runs kept per load shape. */
export const HISTORY_KEEP = 500
const MAX_FINGERPRINTS = 5
/** Endpoints kept per run, busiest first. */
const MAX_ENDPOINTS = 20

const bounded = (max: number) =>
  z.number().min(0).max(max).nullable().optional()
const figures = z.object({
  p50: bounded(3_600_000),
  p95: bounded(3_600_000),
  p99: bounded(3_600_000),
  errorRate: bounded(1),
  rps: bounded(10_000_000),
  requests: z.number().int().min(0).max(1e13).nullable().optional()
})
export type HistoryFigures = z.infer<typeof figures>

const run = z.object({
  commit: z.string(),
  ref: z.string(),
  runId: z.string(),
  runUrl: z.string().optional(),
  date: z.string(),
  overall: figures,
  endpoints: z.record(z.string(), figures)
})
export type HistoryRun = z.infer<typeof run>

/** A change point already reported: the first run of its new level. */
const reported = z.object({ commit: z.string(), runId: z.string() })
export type ReportedPoint = z.infer<typeof reported>

const series = z.object({
  fingerprint: z.string(),
  runs: z.array(run),
  /** Change points already reported (annotated, an issue opened). */
  reported: z.array(reported).optional()
})
const file = z.object({
  schema: z.literal('perf-gate-history'),
  schemaVersion: z.number().int().positive(),
  objective: z.string(),
  series: z.array(series)
})
const frame = file.extend({
  series: z.array(series.extend({ runs: z.array(z.unknown()) }))
})
export type HistoryFile = z.infer<typeof file> & {
  /** Runs left out as they were read, each named with why. */
  dropped?: string[]
}

export function emptyHistory(objective: string): HistoryFile {
  return {
    schema: 'perf-gate-history',
    schemaVersion: HISTORY_SCHEMA_VERSION,
    objective,
    series: []
  }
}

/**
 * Read a history file. Throws BaselineError naming `source` for anything
 * that is not one this perf-gate understands (`newerSchema` when a newer
 * perf-gate wrote it: never overwrite that); a run that is not a run's is
 * dropped and named, the others kept.
 */
export function parseHistoryFile(text: string, source: string): HistoryFile {
  const json = parseVersionedJson(text, source, {
    schema: 'perf-gate-history',
    reads: HISTORY_SCHEMA_VERSION,
    upgrade: 'Upgrade perf-gate in this workflow.'
  })
  const parsed = frame.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new BaselineError(
      source,
      `is not a perf-gate history: ${issue.path.join('.') || '(top level)'}: ${issue.message}`
    )
  }
  const dropped: string[] = []
  const series = parsed.data.series.map((s, i) => ({
    ...s,
    runs: s.runs.flatMap((raw, j) => {
      const checked = run.safeParse(raw)
      if (checked.success) return [checked.data]
      const issue = checked.error.issues[0]
      dropped.push(
        `series[${i}].runs[${j}]: ${issue.path.join('.') || '(run)'}: ${issue.message}`
      )
      return []
    })
  }))
  return { ...parsed.data, series, ...(dropped.length ? { dropped } : {}) }
}

export function serialiseHistoryFile(data: HistoryFile): string {
  const { dropped: _dropped, ...kept } = data
  return `${JSON.stringify(kept)}\n`
}

/** A baseline entry's figures, as the history keeps them. */
export function historyRun(entry: BaselineEntry): HistoryRun {
  const pick = (set: BaselineEntry['overall']): HistoryFigures => ({
    p50: set.p50,
    p95: set.p95,
    p99: set.p99,
    errorRate: set.errorRate,
    rps: set.rps,
    requests: set.requests
  })
  const endpoints = Object.entries(entry.endpoints)
    .sort((a, b) => (b[1].requests ?? 0) - (a[1].requests ?? 0))
    .slice(0, MAX_ENDPOINTS)
  return {
    commit: entry.commit,
    ref: entry.ref,
    runId: entry.runId,
    ...(entry.runUrl ? { runUrl: entry.runUrl } : {}),
    date: entry.date,
    overall: pick(entry.overall),
    endpoints: Object.fromEntries(endpoints.map(([n, s]) => [n, pick(s)]))
  }
}

/**
 * Runs added to their load shape's series: a re-run replaces its run,
 * runs stay in date order, the last `keep` per shape and the most recently
 * run shapes only.
 */
export function addRuns(
  data: HistoryFile,
  fingerprint: string,
  added: readonly HistoryRun[],
  keep = HISTORY_KEEP,
  /** Change points reported now. */
  reportedNow: readonly ReportedPoint[] = []
): HistoryFile {
  const current = data.series.find((s) => s.fingerprint === fingerprint)
  const ids = new Set(added.map((r) => r.runId))
  const runs = [
    ...(current?.runs ?? []).filter((r) => !ids.has(r.runId)),
    ...added
  ]
    .sort((a, b) => a.date.localeCompare(b.date))
    .slice(-keep)
  const known = [...(current?.reported ?? [])]
  for (const point of reportedNow) {
    if (!known.some((k) => k.runId === point.runId)) known.push(point)
  }
  // A reported point whose run has left the history is forgotten with it.
  const kept = new Set(runs.map((r) => r.runId))
  const reportedKept = known.filter((k) => kept.has(k.runId))
  const series = [
    ...data.series.filter((s) => s.fingerprint !== fingerprint),
    {
      fingerprint,
      runs,
      ...(reportedKept.length ? { reported: reportedKept } : {})
    }
  ]
    .filter((s) => s.runs.length > 0)
    .sort((a, b) =>
      (b.runs.at(-1)?.date ?? '').localeCompare(a.runs.at(-1)?.date ?? '')
    )
    .slice(0, MAX_FINGERPRINTS)
  return {
    schema: 'perf-gate-history',
    schemaVersion: HISTORY_SCHEMA_VERSION,
    objective: data.objective,
    series
  }
}

/**
 * A shape's runs on one branch, oldest first: the history's, with the
 * baseline file's entries the history does not hold yet (a store written
 * before perf-gate kept a history starts with up to 30 runs).
 */
export function branchRuns(
  data: HistoryFile,
  entries: readonly BaselineEntry[],
  fingerprint: string,
  ref: string
): HistoryRun[] {
  const kept = data.series.find((s) => s.fingerprint === fingerprint)
  const runs = new Map<string, HistoryRun>()
  for (const e of entries) {
    if (e.fingerprint === fingerprint) runs.set(e.runId, historyRun(e))
  }
  for (const r of kept?.runs ?? []) runs.set(r.runId, r)
  return [...runs.values()]
    .filter((r) => r.ref === ref)
    .sort((a, b) => a.date.localeCompare(b.date))
}
