import * as fs from 'node:fs'
import * as zlib from 'node:zlib'
import { ResultsError } from '../errors.js'
import { LatencyRecorder, type LatencyStats } from './latency.js'

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
const MAX_ENDPOINTS = 500
const MAX_CHECKS = 500
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

class Group {
  requests = 0
  failures = 0
  readonly latency: LatencyRecorder
  readonly statuses = new Map<string, number>()
  constructor(exactCap: number) {
    this.latency = new LatencyRecorder(exactCap)
  }
  add(ms: number, failed: boolean, status: string): void {
    this.requests++
    if (failed) this.failures++
    this.latency.record(ms)
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
  }
  stats(name: string): EndpointStats {
    return {
      name,
      requests: this.requests,
      failures: this.failures,
      errorRate: this.requests ? this.failures / this.requests : 0,
      latency: this.latency.stats(),
      statuses: Object.fromEntries([...this.statuses].sort())
    }
  }
}

class Bucket {
  requests = 0
  failures = 0
  vus = 0
  dropped = 0
  latency = new LatencyRecorder(0, 2)
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

export class ResultsAnalyser {
  private bytes = 0
  private lines = 0
  private corrupt = 0
  private truncated = false
  private carry: Buffer | undefined
  private firstMs = Infinity
  private lastMs = -Infinity
  private readonly metrics: Record<string, MetricInfo> = {}
  private readonly http = new Group(50_000)
  private readonly endpoints = new Map<string, Group>()
  private readonly scenarios = new Map<string, Group>()
  private readonly checks = new Map<string, { passes: number; fails: number }>()
  private iterations = 0
  private dropped = 0
  private maxVus = 0
  private readonly series = new Series()
  private timeBase = Buffer.alloc(0)
  private timeBaseMs = 0

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
      if (first.length > 0) this.line(first, 0, first.length)
      start = newline + 1
    }
    let end = bytes.indexOf(10, start)
    while (end >= 0) {
      if (end > start) this.line(bytes, start, end)
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
      if (complete) this.line(last, 0, last.length)
    }
    return this.result()
  }

  private line(bytes: Buffer, start: number, end: number): void {
    this.lines++
    // {"metric":"NAME","type":"Point","data":{"time":"…","value":N,"tags":{…}}}
    if (bytes[start + 2] === 0x6d && startsWith(bytes, start, METRIC_PREFIX)) {
      const nameAt = start + METRIC_PREFIX.length
      const kind = targetAt(bytes, nameAt)
      if (kind < 0) return
      const from = nameAt + TARGETS[kind].length
      const point = this.point(bytes, from, end)
      if (!point) {
        this.corrupt++
        return
      }
      switch (kind) {
        case 0:
          return this.httpDuration(bytes, point, end)
        case 1:
          return this.check(bytes, point, end)
        case 2:
          return this.gauge(point)
        case 3:
          this.iterations += point.value
          return
        case 4:
          this.dropped += point.value
          this.series.at(point.timeMs).dropped += point.value
          return
      }
    }
    if (startsWith(bytes, start, HEADER_PREFIX)) {
      this.header(bytes.toString('latin1', start, end))
      return
    }
    if (bytes[end - 1] === 13) {
      // CRLF line endings: the same line without the CR.
      this.lines--
      if (end - 1 > start) this.line(bytes, start, end - 1)
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

  /** Read a Point's time and value from the bytes, without JSON.parse. */
  private point(bytes: Buffer, from: number, end: number): Point | undefined {
    // ","type":"Point","data":{"time":"
    if (!startsWith(bytes, from, POINT_TIME)) return undefined
    const timeAt = from + POINT_TIME.length
    const timeEnd = indexOfByte(bytes, 0x22, timeAt, end)
    if (timeEnd < 0 || !startsWith(bytes, timeEnd, VALUE_PREFIX))
      return undefined
    const valueAt = timeEnd + VALUE_PREFIX.length
    let valueEnd = valueAt
    while (
      valueEnd < end &&
      bytes[valueEnd] !== 0x2c &&
      bytes[valueEnd] !== 0x7d
    )
      valueEnd++
    const value = parseNumber(bytes, valueAt, valueEnd)
    const timeMs = this.parseTime(bytes, timeAt, timeEnd)
    if (Number.isNaN(value) || Number.isNaN(timeMs)) return undefined
    if (timeMs < this.firstMs) this.firstMs = timeMs
    if (timeMs > this.lastMs) this.lastMs = timeMs
    return { timeMs, value, tagsAt: valueEnd }
  }

  /**
   * RFC 3339 with nanoseconds, as Go writes it. The date, hour and minute
   * change rarely: parse them once per minute, the seconds by hand.
   */
  private parseTime(bytes: Buffer, at: number, end: number): number {
    // 2026-11-22T23:58:28.43990194Z
    if (end - at < 20 || bytes[at + 16] !== 0x3a) {
      return Date.parse(bytes.toString('latin1', at, end))
    }
    let zone = at + 19
    let fraction = 0
    if (bytes[zone] === 0x2e) {
      let scale = 100
      zone++
      for (let c = bytes[zone]; c >= 48 && c <= 57; c = bytes[++zone]) {
        fraction += (c - 48) * scale
        scale /= 10
      }
    }
    if (
      !sameBytes(bytes, at, this.timeBase, 0, 16) ||
      !sameBytes(bytes, zone, this.timeBase, 16, end - zone)
    ) {
      this.timeBase = Buffer.concat([
        bytes.subarray(at, at + 16),
        bytes.subarray(zone, end)
      ])
      this.timeBaseMs = Date.parse(
        `${bytes.toString('latin1', at, at + 16)}:00${bytes.toString('latin1', zone, end)}`
      )
    }
    const seconds = (bytes[at + 17] - 48) * 10 + (bytes[at + 18] - 48)
    return this.timeBaseMs + seconds * 1000 + fraction
  }

  private httpDuration(bytes: Buffer, point: Point, end: number): void {
    const tags = readTags(bytes, point.tagsAt, end, DURATION_TAGS)
    const status = tags[0] ?? ''
    const expected = tags[1]
    const failed =
      expected !== undefined
        ? expected === 'false'
        : status === '0' || Number(status) >= 400
    this.http.add(point.value, failed, status)
    const name = tags[2]
    if (name !== undefined)
      groupFor(this.endpoints, name).add(point.value, failed, status)
    const scenario = tags[3]
    if (scenario !== undefined)
      groupFor(this.scenarios, scenario).add(point.value, failed, status)
    const bucket = this.series.at(point.timeMs)
    bucket.requests++
    if (failed) bucket.failures++
    bucket.latency.record(point.value)
  }

  private check(bytes: Buffer, point: Point, end: number): void {
    let name = readTags(bytes, point.tagsAt, end, CHECK_TAGS)[0] ?? ''
    let counts = this.checks.get(name)
    if (!counts) {
      if (this.checks.size >= MAX_CHECKS) name = OTHER
      counts = this.checks.get(name) ?? { passes: 0, fails: 0 }
      this.checks.set(name, counts)
    }
    if (point.value !== 0) counts.passes++
    else counts.fails++
  }

  private gauge(point: Point): void {
    if (point.value > this.maxVus) this.maxVus = point.value
    const bucket = this.series.at(point.timeMs)
    if (point.value > bucket.vus) bucket.vus = point.value
  }

  private result(): ResultsAnalysis {
    const durationS =
      this.lastMs > this.firstMs ? (this.lastMs - this.firstMs) / 1000 : 0
    const http = this.http.stats('')
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
    const byBusiest = (groups: Map<string, Group>): EndpointStats[] =>
      [...groups]
        .map(([name, group]) => group.stats(name))
        .sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name))
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
      endpoints: byBusiest(this.endpoints),
      scenarios: byBusiest(this.scenarios),
      checks: [...this.checks].map(([name, c]) => ({ name, ...c })),
      iterations: this.iterations,
      droppedIterations: this.dropped,
      maxVus: this.maxVus,
      series: { bucketSeconds: widthS, buckets }
    }
  }
}

const METRIC_PREFIX = Buffer.from('{"metric":"')
const POINT_TIME = Buffer.from('","type":"Point","data":{"time":"')
const VALUE_PREFIX = Buffer.from('","value":')
const HEADER_PREFIX = Buffer.from('{"type":"Metric"')
/** The metrics read, by name, without the quotes around it. */
const TARGETS = [
  'http_req_duration',
  'checks',
  'vus',
  'iterations',
  'dropped_iterations'
].map((name) => Buffer.from(name))

/** Which target metric's name starts at `at` (and ends there), or -1. */
function targetAt(bytes: Buffer, at: number): number {
  let kind: number
  switch (bytes[at]) {
    case 0x68: // h
      kind = 0
      break
    case 0x63: // c
      kind = 1
      break
    case 0x76: // v
      kind = 2
      break
    case 0x69: // i
      kind = 3
      break
    case 0x64: // d
      kind = 4
      break
    default:
      return -1
  }
  const name = TARGETS[kind]
  return startsWith(bytes, at, name) && bytes[at + name.length] === 0x22
    ? kind
    : -1
}

function startsWith(bytes: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > bytes.length) return false
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[at + i] !== prefix[i]) return false
  }
  return true
}

/** Too many distinct names (untagged URLs) fold into one group. */
function groupFor(groups: Map<string, Group>, name: string): Group {
  let group = groups.get(name)
  if (!group) {
    const key = groups.size >= MAX_ENDPOINTS ? OTHER : name
    group = groups.get(key) ?? new Group(5_000)
    groups.set(key, group)
  }
  return group
}

const DURATION_TAGS = ['status', 'expected_response', 'name', 'scenario'].map(
  (k) => Buffer.from(`"${k}"`)
)
const CHECK_TAGS = [Buffer.from('"check"')]

/**
 * Walk the `"tags":{"k":"v",…}` object once and return the values of
 * `keys`, in their order. Keys and values are JSON strings, so a value's end
 * is the first quote not escaped by a backslash.
 */
function readTags(
  bytes: Buffer,
  from: number,
  end: number,
  keys: Buffer[]
): (string | undefined)[] {
  const values: (string | undefined)[] = new Array(keys.length)
  let missing = keys.length
  let at = indexOfByte(bytes, 0x7b, from, end) + 1
  if (at <= 0) return values
  // Stop once every key is found: the long `url` tag is rarely needed.
  while (missing > 0 && at < end && bytes[at] === 0x22) {
    const keyEnd = stringEnd(bytes, at + 1, end)
    if (keyEnd < 0 || bytes[keyEnd + 1] !== 0x3a || bytes[keyEnd + 2] !== 0x22)
      return values
    const valueAt = keyEnd + 3
    const valueEnd = stringEnd(bytes, valueAt, end)
    if (valueEnd < 0) return values
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]
      if (
        keyEnd + 1 - at === key.length &&
        sameBytes(bytes, at, key, 0, key.length)
      ) {
        if (values[k] === undefined) missing--
        values[k] = decodeString(bytes, valueAt, valueEnd)
        break
      }
    }
    at = valueEnd + 1
    if (bytes[at] === 0x2c) at++
  }
  return values
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

function sameBytes(
  a: Buffer,
  at: number,
  b: Buffer,
  bAt: number,
  length: number
): boolean {
  if (b.length < bAt + length) return false
  for (let i = 0; i < length; i++) if (a[at + i] !== b[bAt + i]) return false
  return true
}

/** A JSON number: digits by hand, anything unusual through Number(). */
function parseNumber(bytes: Buffer, at: number, end: number): number {
  let i = at
  let negative = false
  if (bytes[i] === 0x2d) {
    negative = true
    i++
  }
  let value = 0
  let digits = 0
  for (; i < end && bytes[i] >= 48 && bytes[i] <= 57; i++, digits++)
    value = value * 10 + (bytes[i] - 48)
  if (i < end && bytes[i] === 0x2e) {
    let scale = 1
    let fraction = 0
    for (
      i++;
      i < end && bytes[i] >= 48 && bytes[i] <= 57 && scale < 1e15;
      i++
    ) {
      fraction = fraction * 10 + (bytes[i] - 48)
      scale *= 10
    }
    while (i < end && bytes[i] >= 48 && bytes[i] <= 57) i++
    value += fraction / scale
  }
  if (i !== end || digits === 0 || digits > 15)
    return Number(bytes.toString('latin1', at, end))
  return negative ? -value : value
}

interface Point {
  timeMs: number
  value: number
  /** Where the `,"tags":{…}` part starts. */
  tagsAt: number
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
