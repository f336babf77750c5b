import { parseMetricKey, type MetricType } from '../k6/thresholds.js'
import { newSink, type Sink } from '../k6/sinks.js'
import {
  SearchFeed,
  sampleTag,
  sampleValue,
  tagKey,
  type LineTap
} from './taps.js'

/**
 * The samples of chosen metrics (and sub-metrics: a tag filter) fed into
 * k6's own sinks, alongside the results kernel: for the thresholds k6 did
 * not report a value of (a statistic it did not export, a format that
 * lists no thresholds). Only the lines of watched metrics are parsed;
 * the others are skipped by a byte search for their line's opening.
 *
 * Metric headers (`{"type":"Metric",…}`, one per metric before its first
 * sample) are read too: they carry a metric's type, its own thresholds and
 * its sub-metrics. With `fromHeaders`, every metric whose header names
 * thresholds, and every sub-metric a header lists, is watched from there on.
 */

interface MetricHeader {
  type: MetricType
  /** The thresholds set on the metric itself (never on its sub-metrics). */
  thresholds: string[]
  /** Sub-metric keys k6 created (for thresholds, and expected_response). */
  submetrics: string[]
}

export interface WatchResult {
  /** Each watched key's sink; absent when its metric never appeared. */
  sinks: Map<string, Sink>
  headers: Record<string, MetricHeader>
}

interface Watched {
  key: string
  /** The tag filter: each key's opening in a sample line, and its value. */
  tags: [Buffer, string][]
  sink?: Sink
}

export class MetricWatch implements LineTap {
  /** Watched keys by their metric's name. */
  private readonly byMetric = new Map<string, Watched[]>()
  private readonly names: string[] = []
  private readonly headers: Record<string, MetricHeader> = {}
  /** Bytes fed without an analyser (push): their lines found by search. */
  private readonly feed = new SearchFeed(this)

  constructor(
    keys: Iterable<string>,
    private readonly fromHeaders = false,
    private readonly trendCap?: number
  ) {
    for (const key of keys) this.watch(key)
  }

  metrics(): readonly string[] {
    return this.names
  }

  watch(key: string): void {
    let parsed
    try {
      parsed = parseMetricKey(key)
    } catch {
      return
    }
    let list = this.byMetric.get(parsed.metric)
    if (!list) {
      list = []
      this.byMetric.set(parsed.metric, list)
      this.names.push(parsed.metric)
    }
    if (list.some((w) => w.key === key)) return
    const type = this.headers[parsed.metric]?.type
    list.push({
      key,
      tags: Object.entries(parsed.tags).map(([k, v]) => [tagKey(k), v]),
      sink: type ? newSink(type, this.trendCap) : undefined
    })
  }

  /** Feed raw bytes (without an analyser); lines may span calls. */
  push(chunk: Buffer): void {
    this.feed.push(chunk)
  }

  finish(): WatchResult {
    this.feed.flush()
    const sinks = new Map<string, Sink>()
    for (const list of this.byMetric.values()) {
      for (const w of list) if (w.sink) sinks.set(w.key, w.sink)
    }
    return { sinks, headers: this.headers }
  }

  header(bytes: Buffer, start: number, end: number): void {
    let data: {
      name?: unknown
      type?: unknown
      thresholds?: unknown
      submetrics?: unknown
    }
    try {
      data = (
        JSON.parse(bytes.toString('utf8', start, end)) as { data: typeof data }
      ).data
    } catch {
      return
    }
    if (typeof data.name !== 'string') return
    const type = data.type as MetricType
    if (!['counter', 'gauge', 'rate', 'trend'].includes(type)) return
    const thresholds = Array.isArray(data.thresholds)
      ? data.thresholds.filter((t): t is string => typeof t === 'string')
      : []
    const submetrics = Array.isArray(data.submetrics)
      ? data.submetrics
          .map((s) => (s as { name?: unknown })?.name)
          .filter((n): n is string => typeof n === 'string')
      : []
    this.headers[data.name] = { type, thresholds, submetrics }
    for (const w of this.byMetric.get(data.name) ?? []) {
      w.sink ??= newSink(type, this.trendCap)
    }
    if (this.fromHeaders) {
      if (thresholds.length > 0) this.watch(data.name)
      for (const key of submetrics) this.watch(key)
    }
  }

  /** A sample: its value and the tags the filters name, read in place. */
  sample(metric: string, bytes: Buffer, start: number, end: number): void {
    const list = this.byMetric.get(metric)
    if (!list) return
    let value: number | undefined
    for (const w of list) {
      if (!w.sink) continue
      if (w.tags.some(([k, v]) => sampleTag(bytes, start, end, k) !== v)) {
        continue
      }
      value ??= sampleValue(bytes, start, end)
      if (value === undefined) return
      w.sink.add(value)
    }
  }
}
