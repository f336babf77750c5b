import * as fs from 'node:fs'
import * as zlib from 'node:zlib'
import { ResultsError } from '../errors.js'
import { ExactBudget, LatencyRecorder, type LatencyStats } from './latency.js'

/**
 * One streaming pass over k6's `--out json` file (NDJSON, ~12 lines and
 * ~4 KB per HTTP request; gigabytes for a long run) in bounded memory.
 *
 * Speed comes from not parsing what is not needed: a line's metric name is
 * read in place, and only the few metrics perf-gate reports on
 * (http_req_duration, checks, vus, iterations, dropped_iterations) have
 * their value, time and a handful of tags picked out, without JSON.parse.
 * Failed requests are read from http_req_duration's `expected_response`
 * tag, which is what k6 derives http_req_failed from.
 */

export const RESULT_BUCKETS_MAX = 300
const FIRST_BUCKET_MS = 10
/** Distinct `name` tags (untagged URLs), and scenarios; the rest: OTHER. */
const MAX_ENDPOINTS = 500
const MAX_CHECKS = 500
const MAX_STATUSES = 500
/** Endpoint × scenario pairs, each with its own latency recorder. */
const MAX_CELLS = 500
/** The cell key's name part for pairs past MAX_CELLS. */
const OVERFLOW = 511
/**
 * Latencies kept exactly across the whole run (400 KB): runs up to this
 * many requests get k6's own percentiles to the digit.
 */
const EXACT_SAMPLES = 50_000
/** Latencies kept exactly per time bucket (300 × 16 KB at most). */
const BUCKET_EXACT_SAMPLES = 2_000
export const OTHER = '(other)'

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
  series: { bucketSeconds: number; buckets: SeriesBucket[] }
}

/** The distinct values of one tag, by their raw bytes. */
class TagValues {
  /** The value of each id, decoded once, when first seen. */
  readonly strings: string[] = []
  private readonly raw: Bytes[] = []
  // Open addressing: id + 1 per slot, 0 when empty; a quarter full at most.
  private readonly slots: Int32Array
  private other = -1

  /** At most `cap` distinct values; the rest share the id of OTHER. */
  constructor(private readonly cap: number) {
    let size = 16
    while (size < cap * 4) size *= 2
    this.slots = new Int32Array(size)
  }

  /** The id of the JSON string body `bytes[at, end)`, of hash `hash`. */
  id(
    bytes: Buffer,
    view: DataView,
    at: number,
    end: number,
    hash: number
  ): number {
    const mask = this.slots.length - 1
    const length = end - at
    let slot = (hash ^ (hash >>> 16)) & mask
    for (;;) {
      const entry = this.slots[slot]
      if (entry === 0) break
      const raw = this.raw[entry - 1]
      if (raw.length === length && sameBytes(view, at, end, raw, 0, length))
        return entry - 1
      slot = (slot + 1) & mask
    }
    if (this.raw.length >= this.cap) {
      if (this.other < 0) {
        this.other = this.strings.length
        this.strings.push(OTHER)
      }
      return this.other
    }
    const id = this.raw.length
    this.raw.push(new Bytes(Buffer.from(bytes.subarray(at, end))))
    this.strings.push(decodeString(bytes, at, end))
    this.slots[slot] = id + 1
    return id
  }
}

/**
 * Requests of one endpoint (`name`) in one scenario: one latency recorder,
 * which the endpoint, the scenario and the total are merged from at the end.
 */
class Cell {
  readonly latency: LatencyRecorder
  constructor(
    readonly name: string | undefined,
    readonly scenario: string | undefined,
    budget: ExactBudget
  ) {
    this.latency = new LatencyRecorder(Infinity, 3, budget)
  }
}

/** Requests of one cell with one status and outcome. */
class Combo {
  requests = 0
  constructor(
    readonly cell: Cell,
    readonly status: string,
    readonly failed: boolean
  ) {}
}

function groupStats(name: string, combos: Combo[]): EndpointStats {
  let requests = 0
  let failures = 0
  const statuses = new Map<string, number>()
  const cells = new Set<Cell>()
  for (const combo of combos) {
    requests += combo.requests
    if (combo.failed) failures += combo.requests
    statuses.set(
      combo.status,
      (statuses.get(combo.status) ?? 0) + combo.requests
    )
    cells.add(combo.cell)
  }
  return {
    name,
    requests,
    failures,
    errorRate: requests ? failures / requests : 0,
    latency: LatencyRecorder.combine(
      [...cells].map((cell) => cell.latency)
    ).stats(),
    statuses: Object.fromEntries([...statuses].sort())
  }
}

class Bucket {
  requests = 0
  failures = 0
  vus = 0
  dropped = 0
  // Exact while small (most buckets, and every bucket early in a run, when
  // they are 10 ms wide and merged often); 2-digit HdrHistogram past that.
  latency = new LatencyRecorder(BUCKET_EXACT_SAMPLES, 2)
  merge(other: Bucket): void {
    this.requests += other.requests
    this.failures += other.failures
    this.vus = Math.max(this.vus, other.vus)
    this.dropped += other.dropped
    this.latency.merge(other.latency)
    other.latency.destroy()
  }
}

/** Fixed-count time buckets that double in width as the run grows. */
class Series {
  widthMs = FIRST_BUCKET_MS
  t0: number | undefined
  buckets: (Bucket | undefined)[] = []

  at(timeMs: number): Bucket {
    if (this.t0 === undefined) this.t0 = timeMs
    let index = Math.floor((timeMs - this.t0) / this.widthMs)
    // k6 writes samples in batches, slightly out of order.
    if (index < 0) index = 0
    while (index >= RESULT_BUCKETS_MAX) {
      this.coarsen()
      index = Math.floor((timeMs - this.t0) / this.widthMs)
    }
    let bucket = this.buckets[index]
    if (!bucket) {
      bucket = new Bucket()
      this.buckets[index] = bucket
    }
    return bucket
  }

  private coarsen(): void {
    const merged: (Bucket | undefined)[] = []
    this.buckets.forEach((bucket, i) => {
      if (!bucket) return
      const target = merged[i >> 1]
      if (target) target.merge(bucket)
      else merged[i >> 1] = bucket
    })
    this.buckets = merged
    this.widthMs *= 2
  }
}

/** Memory bounds; the defaults suit any run, tests lower them. */
export interface AnalyserLimits {
  /** Latencies kept exactly across the run; past that, HdrHistograms. */
  exactSamples: number
  /** Endpoint × scenario pairs with their own latency recorder. */
  cells: number
}

export class ResultsAnalyser {
  private readonly budget: ExactBudget
  private readonly maxCells: number
  private bytes = 0
  private lines = 0
  private corrupt = 0
  private truncated = false
  private carry: Buffer | undefined
  private firstMs = Infinity
  private lastMs = -Infinity
  private readonly metrics: Record<string, MetricInfo> = {}
  // http_req_duration's tags, interned: see DURATION_TAGS for the order.
  private readonly durationTags = [
    new TagValues(MAX_STATUSES),
    new TagValues(4),
    new TagValues(MAX_ENDPOINTS),
    new TagValues(MAX_ENDPOINTS)
  ]
  private readonly checkNames = [new TagValues(MAX_CHECKS)]
  private readonly ids = new Int32Array(DURATION_TAGS.length)
  private readonly combos = new Map<number, Combo>()
  private readonly cells = new Map<number, Cell>()
  private readonly checkPasses: number[] = []
  private readonly checkFails: number[] = []
  private iterations = 0
  private dropped = 0
  private maxVus = 0
  private readonly series = new Series()
  private timeBase = Bytes.of('')
  private timeBaseMs = 0
  // The Point being read: set by point().
  private timeMs = 0
  private value = 0
  private tagsAt = 0
  /** Where the last parse ended. */
  private cursor = 0

  constructor(limits: Partial<AnalyserLimits> = {}) {
    this.budget = new ExactBudget(limits.exactSamples ?? EXACT_SAMPLES)
    this.maxCells = limits.cells ?? MAX_CELLS
  }

  /**
   * Feed raw bytes; lines may span calls. Lines are found and skipped on
   * the bytes themselves (most of a file is metrics perf-gate does not
   * report on); only the lines kept become strings, read as latin1 (one
   * character per byte) with tag values turned back into UTF-8 in `tag()`.
   */
  push(bytes: Buffer): void {
    this.bytes += bytes.length
    let start = 0
    if (this.carry) {
      const newline = bytes.indexOf(10)
      if (newline < 0) {
        this.carry = Buffer.concat([this.carry, bytes])
        return
      }
      const first = Buffer.concat([this.carry, bytes.subarray(0, newline)])
      this.carry = undefined
      if (first.length > 0) this.line(first, viewOf(first), 0, first.length)
      start = newline + 1
    }
    const view = viewOf(bytes)
    let end = bytes.indexOf(10, start)
    while (end >= 0) {
      if (end > start) this.line(bytes, view, start, end)
      start = end + 1
      end = bytes.indexOf(10, start)
    }
    // A copy: the stream may reuse its buffer.
    if (start < bytes.length) this.carry = Buffer.from(bytes.subarray(start))
  }

  finish(): ResultsAnalysis {
    if (this.carry) {
      // No newline at the end: complete only if it parses.
      const last = this.carry
      this.carry = undefined
      let complete = false
      try {
        JSON.parse(last.toString('utf8'))
        complete = true
      } catch {
        this.truncated = true
      }
      if (complete) this.line(last, viewOf(last), 0, last.length)
    }
    return this.result()
  }

  private line(
    bytes: Buffer,
    view: DataView,
    start: number,
    end: number
  ): void {
    this.lines++
    // {"metric":"NAME","type":"Point","data":{"time":"…","value":N,"tags":{…}}}
    if (
      bytes[start + 2] === 0x6d &&
      startsWith(view, start, end, METRIC_PREFIX)
    ) {
      const nameAt = start + METRIC_PREFIX.length
      const kind = targetAt(bytes, view, nameAt, end)
      if (kind < 0) return
      if (!this.point(bytes, view, nameAt + TARGETS[kind].length, end)) {
        this.corrupt++
        return
      }
      switch (kind) {
        case 0:
          return this.httpDuration(bytes, view, end)
        case 1:
          return this.check(bytes, view, end)
        case 2:
          return this.gauge()
        case 3:
          this.iterations += this.value
          return
        case 4:
          this.dropped += this.value
          this.series.at(this.timeMs).dropped += this.value
          return
      }
    }
    if (startsWith(view, start, end, HEADER_PREFIX)) {
      this.header(bytes.toString('latin1', start, end))
      return
    }
    if (bytes[end - 1] === 13) {
      // CRLF line endings: the same line without the CR.
      this.lines--
      if (end - 1 > start) this.line(bytes, view, start, end - 1)
      return
    }
    this.corrupt++
  }

  private header(latin1: string): void {
    const text = /[\x80-\xff]/.test(latin1)
      ? Buffer.from(latin1, 'latin1').toString('utf8')
      : latin1
    try {
      const { data } = JSON.parse(text) as {
        data: {
          name: string
          type: string
          contains: string
          thresholds?: string[]
        }
      }
      this.metrics[data.name] = {
        type: data.type,
        contains: data.contains,
        thresholds: data.thresholds ?? []
      }
    } catch {
      this.corrupt++
    }
  }

  /**
   * Read a Point's time and value from the bytes, without JSON.parse, into
   * `timeMs`, `value` and `tagsAt`; false when the line is not a Point.
   */
  private point(
    bytes: Buffer,
    view: DataView,
    from: number,
    end: number
  ): boolean {
    // ","type":"Point","data":{"time":"
    if (!startsWith(view, from, end, POINT_TIME)) return false
    const timeMs = this.parseTime(bytes, view, from + POINT_TIME.length, end)
    const timeEnd = this.cursor
    if (Number.isNaN(timeMs) || !startsWith(view, timeEnd, end, VALUE_PREFIX))
      return false
    const value = this.parseValue(bytes, timeEnd + VALUE_PREFIX.length, end)
    if (Number.isNaN(value)) return false
    if (timeMs < this.firstMs) this.firstMs = timeMs
    if (timeMs > this.lastMs) this.lastMs = timeMs
    this.timeMs = timeMs
    this.value = value
    this.tagsAt = this.cursor
    return true
  }

  /**
   * RFC 3339 with nanoseconds, as Go writes it: `cursor` ends at the
   * closing quote. The date, hour, minute and zone change rarely: they are
   * parsed once per minute, the seconds by hand.
   */
  private parseTime(
    bytes: Buffer,
    view: DataView,
    at: number,
    end: number
  ): number {
    // 2026-11-22T23:58:28.43990194Z
    if (bytes[at + 16] === 0x3a && at + 20 < end) {
      let zone = at + 19
      let fraction = 0
      if (bytes[zone] === 0x2e) {
        // Nanoseconds at most: nine digits, an exact integer, one division.
        let digits = 0
        const from = ++zone
        for (let c = bytes[zone]; c >= 48 && c <= 57; c = bytes[++zone])
          digits = digits * 10 + (c - 48)
        fraction = digits / FRACTION_SCALE[zone - from]
      }
      const base = this.timeBase
      const zoneLength = base.length - 16
      if (
        bytes[zone + zoneLength] === 0x22 &&
        sameBytes(view, at, end, base, 0, 16) &&
        sameBytes(view, zone, end, base, 16, zoneLength)
      ) {
        this.cursor = zone + zoneLength
        const seconds = (bytes[at + 17] - 48) * 10 + (bytes[at + 18] - 48)
        return this.timeBaseMs + seconds * 1000 + fraction
      }
    }
    const timeEnd = indexOfByte(bytes, 0x22, at, end)
    this.cursor = timeEnd
    if (timeEnd < 0) return NaN
    if (timeEnd - at < 20 || bytes[at + 16] !== 0x3a)
      return Date.parse(bytes.toString('latin1', at, timeEnd))
    // A new minute (or zone): the next times of it take the path above.
    let zone = at + 19
    let fraction = 0
    if (bytes[zone] === 0x2e) {
      let digits = 0
      const from = ++zone
      for (let c = bytes[zone]; c >= 48 && c <= 57; c = bytes[++zone])
        digits = digits * 10 + (c - 48)
      fraction = digits / FRACTION_SCALE[zone - from]
    }
    if (zone > timeEnd || !(fraction >= 0)) return NaN
    this.timeBase = new Bytes(
      Buffer.concat([
        bytes.subarray(at, at + 16),
        bytes.subarray(zone, timeEnd)
      ])
    )
    this.timeBaseMs = Date.parse(
      `${bytes.toString('latin1', at, at + 16)}:00${bytes.toString('latin1', zone, timeEnd)}`
    )
    const seconds = (bytes[at + 17] - 48) * 10 + (bytes[at + 18] - 48)
    return this.timeBaseMs + seconds * 1000 + fraction
  }

  /**
   * A JSON number: digits by hand, anything unusual through Number();
   * `cursor` ends at the comma or brace after it.
   */
  private parseValue(bytes: Buffer, at: number, end: number): number {
    let i = at
    const negative = bytes[i] === 0x2d
    if (negative) i++
    const digitsAt = i
    let value = 0
    for (let c = bytes[i]; c >= 48 && c <= 57; c = bytes[++i])
      value = value * 10 + (c - 48)
    const digits = i - digitsAt
    if (bytes[i] === 0x2e) {
      let scale = 1
      let fraction = 0
      for (let c = bytes[++i]; c >= 48 && c <= 57; c = bytes[++i]) {
        if (scale < 1e15) {
          fraction = fraction * 10 + (c - 48)
          scale *= 10
        }
      }
      value += fraction / scale
    }
    if (
      i < end &&
      (bytes[i] === 0x2c || bytes[i] === 0x7d) &&
      digits > 0 &&
      digits <= 15
    ) {
      this.cursor = i
      return negative ? -value : value
    }
    let valueEnd = at
    while (
      valueEnd < end &&
      bytes[valueEnd] !== 0x2c &&
      bytes[valueEnd] !== 0x7d
    )
      valueEnd++
    this.cursor = valueEnd
    return valueEnd > at ? Number(bytes.toString('latin1', at, valueEnd)) : NaN
  }

  /**
   * One request: its tags are looked up by their bytes (no strings made),
   * and its latency recorded once, in its endpoint × scenario cell, and once
   * in its time bucket.
   */
  private httpDuration(bytes: Buffer, view: DataView, end: number): void {
    const ids = this.ids
    readTagIds(
      bytes,
      view,
      this.tagsAt,
      end,
      DURATION_TAGS,
      this.durationTags,
      ids
    )
    // Ids are below 512 (caps of 500 plus OTHER), -1 when absent.
    const key =
      (((ids[2] + 1) * 512 + (ids[3] + 1)) * 512 + (ids[0] + 1)) * 8 +
      (ids[1] + 1)
    const combo = this.combos.get(key) ?? this.newCombo(key)
    combo.requests++
    combo.cell.latency.record(this.value)
    const bucket = this.series.at(this.timeMs)
    bucket.requests++
    if (combo.failed) bucket.failures++
    bucket.latency.record(this.value)
  }

  private newCombo(key: number): Combo {
    const [status, expected, name, scenario] = [...this.ids].map((id, i) =>
      id < 0 ? undefined : this.durationTags[i].strings[id]
    )
    const failed =
      expected !== undefined
        ? expected === 'false'
        : status === '0' || Number(status ?? '') >= 400
    let cellKey = (this.ids[2] + 1) * 512 + (this.ids[3] + 1)
    let cellName = name
    if (!this.cells.has(cellKey) && this.cells.size >= this.maxCells) {
      // Too many endpoint × scenario pairs: the endpoint folds into OTHER.
      cellKey = OVERFLOW * 512 + (this.ids[3] + 1)
      cellName = OTHER
    }
    let cell = this.cells.get(cellKey)
    if (!cell) {
      cell = new Cell(cellName, scenario, this.budget)
      this.cells.set(cellKey, cell)
    }
    const combo = new Combo(cell, status ?? '', failed)
    this.combos.set(key, combo)
    return combo
  }

  private check(bytes: Buffer, view: DataView, end: number): void {
    const ids = this.ids
    readTagIds(bytes, view, this.tagsAt, end, CHECK_TAGS, this.checkNames, ids)
    const id =
      ids[0] >= 0 ? ids[0] : this.checkNames[0].id(bytes, view, 0, 0, HASH_SEED)
    while (this.checkPasses.length <= id) {
      this.checkPasses.push(0)
      this.checkFails.push(0)
    }
    if (this.value !== 0) this.checkPasses[id]++
    else this.checkFails[id]++
  }

  private gauge(): void {
    if (this.value > this.maxVus) this.maxVus = this.value
    const bucket = this.series.at(this.timeMs)
    if (this.value > bucket.vus) bucket.vus = this.value
  }

  private result(): ResultsAnalysis {
    const durationS =
      this.lastMs > this.firstMs ? (this.lastMs - this.firstMs) / 1000 : 0
    const combos = [...this.combos.values()]
    const http = groupStats('', combos)
    const widthS = this.series.widthMs / 1000
    const buckets: SeriesBucket[] = []
    this.series.buckets.forEach((bucket, i) => {
      if (!bucket) return
      buckets.push({
        t: i * widthS,
        requests: bucket.requests,
        rps: bucket.requests / widthS,
        errorRate: bucket.requests ? bucket.failures / bucket.requests : 0,
        p50: bucket.latency.percentile(50),
        p95: bucket.latency.percentile(95),
        p99: bucket.latency.percentile(99),
        vus: bucket.vus,
        droppedIterations: bucket.dropped
      })
    })
    const byBusiest = (
      groupOf: (cell: Cell) => string | undefined
    ): EndpointStats[] => {
      const groups = new Map<string, Combo[]>()
      for (const combo of combos) {
        const name = groupOf(combo.cell)
        if (name === undefined) continue
        const group = groups.get(name)
        if (group) group.push(combo)
        else groups.set(name, [combo])
      }
      return [...groups]
        .map(([name, group]) => groupStats(name, group))
        .sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name))
    }
    // Equal names may come from different bytes (JSON escapes): one entry.
    const checks = new Map<string, { passes: number; fails: number }>()
    this.checkNames[0].strings.forEach((name, id) => {
      const counts = checks.get(name) ?? { passes: 0, fails: 0 }
      counts.passes += this.checkPasses[id] ?? 0
      counts.fails += this.checkFails[id] ?? 0
      checks.set(name, counts)
    })
    return {
      bytes: this.bytes,
      lines: this.lines,
      corruptLines: this.corrupt,
      truncatedLastLine: this.truncated,
      startTime: Number.isFinite(this.firstMs)
        ? new Date(this.firstMs).toISOString()
        : undefined,
      endTime: Number.isFinite(this.lastMs)
        ? new Date(this.lastMs).toISOString()
        : undefined,
      durationS,
      metrics: this.metrics,
      http: {
        requests: http.requests,
        failures: http.failures,
        errorRate: http.errorRate,
        rps: durationS > 0 ? http.requests / durationS : 0,
        latency: http.latency,
        statuses: http.statuses
      },
      endpoints: byBusiest((cell) => cell.name),
      scenarios: byBusiest((cell) => cell.scenario),
      checks: [...checks].map(([name, c]) => ({ name, ...c })),
      iterations: this.iterations,
      droppedIterations: this.dropped,
      maxVus: this.maxVus,
      series: { bucketSeconds: widthS, buckets }
    }
  }
}

/**
 * Known bytes, with a DataView to compare them four at a time: most of the
 * parsing is checking that a line has the layout k6 writes.
 */
class Bytes {
  readonly view: DataView
  readonly length: number
  constructor(readonly buffer: Buffer) {
    this.view = viewOf(buffer)
    this.length = buffer.length
  }
  static of(text: string): Bytes {
    return new Bytes(Buffer.from(text))
  }
}

function viewOf(bytes: Buffer): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
}

/** A time's fraction of a second, by its digit count, to milliseconds. */
const FRACTION_SCALE = Array.from({ length: 16 }, (_, n) => 10 ** (n - 3))

const METRIC_PREFIX = Bytes.of('{"metric":"')
const POINT_TIME = Bytes.of('","type":"Point","data":{"time":"')
const VALUE_PREFIX = Bytes.of('","value":')
const HEADER_PREFIX = Bytes.of('{"type":"Metric"')
/** The metrics read, by name, without the quotes around it. */
const TARGETS = [
  'http_req_duration',
  'checks',
  'vus',
  'iterations',
  'dropped_iterations'
].map((name) => Bytes.of(name))

/** Which target metric's name starts at `at` (and ends there), or -1. */
function targetAt(
  bytes: Buffer,
  view: DataView,
  at: number,
  end: number
): number {
  // One byte that tells each target from the other names of its first
  // letter (http_req_d…, iterations", checks", vus", dr…), then the whole.
  let kind: number
  switch (bytes[at]) {
    case 0x68: // h
      if (bytes[at + 9] !== 0x64) return -1
      kind = 0
      break
    case 0x63: // c
      if (bytes[at + 6] !== 0x22) return -1
      kind = 1
      break
    case 0x76: // v
      if (bytes[at + 3] !== 0x22) return -1
      kind = 2
      break
    case 0x69: // i
      if (bytes[at + 9] !== 0x73) return -1
      kind = 3
      break
    case 0x64: // d
      if (bytes[at + 1] !== 0x72) return -1
      kind = 4
      break
    default:
      return -1
  }
  const name = TARGETS[kind]
  return startsWith(view, at, end, name) && bytes[at + name.length] === 0x22
    ? kind
    : -1
}

/** Whether `view` holds all of `prefix` at `at`, before `end`. */
function startsWith(
  view: DataView,
  at: number,
  end: number,
  prefix: Bytes
): boolean {
  return sameBytes(view, at, end, prefix, 0, prefix.length)
}

/**
 * Whether `view` at `at` holds the `length` bytes of `b` from `bAt`, all
 * before `end` (at most the view's length).
 */
function sameBytes(
  view: DataView,
  at: number,
  end: number,
  b: Bytes,
  bAt: number,
  length: number
): boolean {
  if (at + length > end || bAt + length > b.length) return false
  const other = b.view
  let i = 0
  for (; i + 4 <= length; i += 4) {
    if (view.getInt32(at + i) !== other.getInt32(bAt + i)) return false
  }
  for (; i < length; i++) {
    if (view.getUint8(at + i) !== other.getUint8(bAt + i)) return false
  }
  return true
}

/** The tags read from http_req_duration samples, in `ids` order. */
const DURATION_TAGS = ['status', 'expected_response', 'name', 'scenario'].map(
  (k) => Bytes.of(k)
)
const CHECK_TAGS = [Bytes.of('check')]
/** FNV-1a over a tag value's bytes. */
const HASH_SEED = 0x811c9dc5 | 0
const HASH_PRIME = 0x01000193

/**
 * Walk the `"tags":{"k":"v",…}` object once and put the id of the value of
 * each of `keys` in `ids` (-1 when absent), from `values` of the same index.
 * Keys and values are JSON strings, so a value's end is the first quote not
 * escaped by a backslash; the wanted values are hashed on the way.
 */
function readTagIds(
  bytes: Buffer,
  view: DataView,
  from: number,
  end: number,
  keys: Bytes[],
  values: TagValues[],
  ids: Int32Array
): void {
  for (let k = 0; k < keys.length; k++) ids[k] = -1
  let missing = keys.length
  let at = indexOfByte(bytes, 0x7b, from, end) + 1
  if (at <= 0) return
  // Stop once every key is found: the long `url` tag is rarely needed.
  while (missing > 0 && at < end && bytes[at] === 0x22) {
    // A wanted key is its bytes then a quote; any other is read through.
    let k = 0
    for (; k < keys.length; k++) {
      const key = keys[k]
      if (
        bytes[at + 1] === key.buffer[0] &&
        bytes[at + 1 + key.length] === 0x22 &&
        sameBytes(view, at + 1, end, key, 0, key.length)
      )
        break
    }
    const keyEnd =
      k < keys.length ? at + 1 + keys[k].length : stringEnd(bytes, at + 1, end)
    if (keyEnd < 0 || bytes[keyEnd + 1] !== 0x3a || bytes[keyEnd + 2] !== 0x22)
      return
    const valueAt = keyEnd + 3
    let valueEnd: number
    if (k < keys.length) {
      let hash = HASH_SEED
      let i = valueAt
      for (; i < end; i++) {
        const c = bytes[i]
        if (c === 0x22) break
        hash = Math.imul(hash ^ c, HASH_PRIME)
        if (c === 0x5c) {
          i++
          hash = Math.imul(hash ^ bytes[i], HASH_PRIME)
        }
      }
      if (i >= end) return
      valueEnd = i
      if (ids[k] < 0) missing--
      ids[k] = values[k].id(bytes, view, valueAt, valueEnd, hash)
    } else {
      valueEnd = stringEnd(bytes, valueAt, end)
      if (valueEnd < 0) return
    }
    at = valueEnd + 1
    if (bytes[at] === 0x2c) at++
  }
}

/** Index of the closing quote of a JSON string whose body starts at `at`. */
function stringEnd(bytes: Buffer, at: number, end: number): number {
  for (let i = at; i < end; i++) {
    const c = bytes[i]
    if (c === 0x22) return i
    if (c === 0x5c) i++
  }
  return -1
}

function decodeString(bytes: Buffer, at: number, end: number): string {
  let plain = true
  for (let i = at; i < end; i++) {
    if (bytes[i] === 0x5c || bytes[i] >= 0x80) {
      plain = false
      break
    }
  }
  if (plain) return bytes.toString('latin1', at, end)
  try {
    return JSON.parse(bytes.toString('utf8', at - 1, end + 1)) as string
  } catch {
    return bytes.toString('utf8', at, end)
  }
}

function indexOfByte(
  bytes: Buffer,
  byte: number,
  from: number,
  end: number
): number {
  for (let i = from; i < end; i++) if (bytes[i] === byte) return i
  return -1
}

/**
 * Analyse a results file, plain or gzip (by its magic bytes, whatever its
 * name). Bad input is a `ResultsError` naming the file.
 */
export async function analyseResultsFile(
  file: string
): Promise<ResultsAnalysis> {
  let size: number
  try {
    size = fs.statSync(file).size
  } catch (error) {
    throw new ResultsError(
      file,
      `cannot be read (${(error as Error).message})`,
      { cause: error }
    )
  }
  if (size === 0) {
    throw new ResultsError(
      file,
      'is empty (0 bytes): k6 wrote no samples (did the run start?)'
    )
  }
  const magic = Buffer.alloc(2)
  const fd = fs.openSync(file, 'r')
  try {
    fs.readSync(fd, magic, 0, 2, 0)
  } finally {
    fs.closeSync(fd)
  }
  const gzipped = magic[0] === 0x1f && magic[1] === 0x8b
  if (file.endsWith('.gz') && !gzipped) {
    throw new ResultsError(
      file,
      'is named .gz but is not gzip: expected k6 --out json=results.json.gz output'
    )
  }
  const analyser = new ResultsAnalyser()
  const source = fs.createReadStream(file, { highWaterMark: 1 << 20 })
  // Decompression runs in libuv's thread pool: a deep output buffer lets it
  // stay ahead of the parsing on this thread instead of taking turns.
  const stream = gzipped
    ? source.pipe(
        // Passed on to the Transform; absent from @types/node's ZlibOptions.
        zlib.createGunzip({
          chunkSize: 1 << 20,
          readableHighWaterMark: 8 << 20
        } as zlib.ZlibOptions)
      )
    : source
  try {
    for await (const chunk of stream) analyser.push(chunk as Buffer)
  } catch (error) {
    source.destroy()
    const code = (error as NodeJS.ErrnoException).code
    if (gzipped && typeof code === 'string' && code.startsWith('Z_')) {
      // A cut-off gzip stream: keep what was decompressed.
      const partial = analyser.finish()
      partial.truncatedLastLine = true
      return partial
    }
    throw new ResultsError(
      file,
      `could not be read: ${(error as Error).message}`,
      { cause: error }
    )
  }
  const result = analyser.finish()
  if (result.lines > 0 && result.corruptLines === result.lines) {
    throw new ResultsError(
      file,
      `is not k6 JSON output: none of its ${result.lines} lines is a k6 metric or sample`
    )
  }
  return result
}
