import { parseMetricKey, type MetricType } from '../k6/thresholds.js'
import { newSink, type Sink } from '../k6/sinks.js'

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
  tags: [string, string][]
  sink?: Sink
}

const HEADER = Buffer.from('{"type":"Metric",')

export class MetricWatch {
  /** Watched keys by their metric's name. */
  private readonly byMetric = new Map<string, Watched[]>()
  /** The byte opening of each watched metric's sample lines. */
  private readonly needles = new Map<string, Buffer>()
  private readonly headers: Record<string, MetricHeader> = {}
  private carry: Buffer | undefined

  constructor(
    keys: Iterable<string>,
    private readonly fromHeaders = false,
    private readonly trendCap?: number
  ) {
    for (const key of keys) this.watch(key)
  }

  get watching(): boolean {
    return this.byMetric.size > 0 || this.fromHeaders
  }

  watch(key: string): void {
    let parsed
    try {
      parsed = parseMetricKey(key)
    } catch {
      return
    }
    const list = this.byMetric.get(parsed.metric) ?? []
    if (list.some((w) => w.key === key)) return
    const type = this.headers[parsed.metric]?.type
    list.push({
      key,
      tags: Object.entries(parsed.tags),
      sink: type ? newSink(type, this.trendCap) : undefined
    })
    this.byMetric.set(parsed.metric, list)
    this.needles.set(
      parsed.metric,
      Buffer.from(`{"metric":${JSON.stringify(parsed.metric)},"type":"Point"`)
    )
  }

  /** Feed the same bytes the kernel reads; lines may span calls. */
  push(chunk: Buffer): void {
    if (!this.watching) return
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    const end = bytes.lastIndexOf(10)
    if (end < 0) {
      this.carry = bytes
      return
    }
    this.scan(bytes.subarray(0, end + 1))
    this.carry = end + 1 < bytes.length ? bytes.subarray(end + 1) : undefined
  }

  finish(): WatchResult {
    if (this.carry) {
      this.scan(Buffer.concat([this.carry, Buffer.from('\n')]))
      this.carry = undefined
    }
    const sinks = new Map<string, Sink>()
    for (const list of this.byMetric.values()) {
      for (const w of list) if (w.sink) sinks.set(w.key, w.sink)
    }
    return { sinks, headers: this.headers }
  }

  /** Complete lines: the watched ones, in file order. */
  private scan(bytes: Buffer): void {
    // Where each needle next occurs at a line start; headers first among equals.
    const next = new Map<string, number>()
    const find = (name: string, needle: Buffer, from: number): void => {
      let at = bytes.indexOf(needle, from)
      while (at > 0 && bytes[at - 1] !== 10) at = bytes.indexOf(needle, at + 1)
      if (at >= 0) next.set(name, at)
      else next.delete(name)
    }
    find('', HEADER, 0)
    for (const [metric, needle] of this.needles) find(metric, needle, 0)
    while (next.size > 0) {
      let name = ''
      let at = Infinity
      for (const [n, position] of next) {
        if (position < at) {
          at = position
          name = n
        }
      }
      const end = bytes.indexOf(10, at)
      const line = bytes.toString('utf8', at, end < 0 ? bytes.length : end)
      if (name === '') {
        const before = new Set(this.needles.keys())
        this.header(line)
        // Newly watched metrics: their samples follow this header.
        for (const [metric, needle] of this.needles) {
          if (!before.has(metric)) find(metric, needle, at)
        }
        find('', HEADER, at + 1)
      } else {
        this.point(name, line)
        find(name, this.needles.get(name) as Buffer, at + 1)
      }
    }
  }

  private header(line: string): void {
    let data: {
      name?: unknown
      type?: unknown
      thresholds?: unknown
      submetrics?: unknown
    }
    try {
      data = (JSON.parse(line) as { data: typeof data }).data
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

  private point(metric: string, line: string): void {
    let data: { value?: unknown; tags?: Record<string, unknown> | null }
    try {
      data = (JSON.parse(line) as { data: typeof data }).data
    } catch {
      return
    }
    if (typeof data.value !== 'number') return
    const tags = data.tags ?? {}
    for (const w of this.byMetric.get(metric) ?? []) {
      if (!w.sink) continue
      if (w.tags.every(([k, v]) => String(tags[k] ?? '') === v && k in tags)) {
        w.sink.add(data.value)
      }
    }
  }
}
