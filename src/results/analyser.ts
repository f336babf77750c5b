import * as fs from 'node:fs'
import * as zlib from 'node:zlib'
import { ResultsError } from '../shared/errors.js'
import { isGzipFile } from '../shared/files.js'
import { releaseSpentBuffers } from '../shared/memory.js'
import { instantiateKernel, type Kernel } from './kernel.js'
import { KernelTaps, type LineTap } from './taps.js'
import type { PairSink } from './paired-samples.js'
import type {
  EndpointStats,
  LatencyStats,
  MetricInfo,
  ResultsAnalysis,
  SeriesBucket,
  SeriesChart,
  SeriesWindow
} from './types.js'

/**
 * One streaming pass over k6's `--out json` file (NDJSON, ~12 lines and
 * ~4 KB per HTTP request; gigabytes for a long run) in bounded memory.
 *
 * Speed comes from not parsing what is not needed: the lines are read by a
 * WebAssembly kernel (wasm/results-kernel.ts), which finds each line's
 * metric name in place and, for the few metrics perf-gate reports on
 * (http_req_duration, checks, vus, iterations, dropped_iterations), picks
 * out the value, the time and a handful of tags, without JSON.parse. It
 * records them too (cells, time buckets, latency recorders); this side
 * reads what it kept, once, at the end. Failed requests are read from
 * http_req_duration's `expected_response` tag, which is what k6 derives
 * http_req_failed from.
 */

const RESULT_BUCKETS_MAX = 300
const FIRST_BUCKET_MS = 10
/** Distinct `name` tags (untagged URLs), and scenarios; the rest: OTHER. */
const MAX_ENDPOINTS = 500
const MAX_CHECKS = 500
const MAX_STATUSES = 500
/** expected_response: true, false (and room for what else a script tags). */
const EXPECTED_RESPONSES = 4
/** Endpoint × scenario pairs, each with its own latency recorder. */
const MAX_CELLS = 500
/**
 * Latencies kept exactly across the whole run (400 KB): runs up to this
 * many requests get k6's own percentiles to the digit.
 */
const EXACT_SAMPLES = 50_000
/** Latencies kept exactly per time bucket (300 × 16 KB at most). */
const BUCKET_EXACT_SAMPLES = 2_000
export const OTHER = '(other)'
/** A window of the series lasts at least this long (or a 30th of the run)… */
export const WINDOW_MIN_S = 1
/**
 * …and holds at least this many requests: enough that its p95 is the 5th
 * slowest, not the slowest, and a 1% heavy tail rarely sets it.
 */
export const WINDOW_MIN_REQUESTS = 100

/**
 * Requests of one endpoint (`name`) in one scenario: one latency recorder,
 * which the endpoint, the scenario and the total are merged from at the end.
 */
interface Cell {
  name: string | undefined
  scenario: string | undefined
  /** Where the kernel keeps its latency recorder. */
  recorder: number
}

/** Requests of one cell with one status and outcome. */
interface Combo {
  cell: Cell
  status: string
  failed: boolean
  requests: number
}

function groupStats(
  name: string,
  combos: Combo[],
  latency: (recorders: number[]) => LatencyStats
): EndpointStats {
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
    latency: latency([...cells].map((cell) => cell.recorder)),
    statuses: Object.fromEntries([...statuses].sort())
  }
}

/** Memory bounds; the defaults suit any run, tests lower them. */
export interface AnalyserLimits {
  /** Latencies kept exactly across the run; past that, HdrHistograms. */
  exactSamples: number
  /** Endpoint × scenario pairs with their own latency recorder. */
  cells: number
  /** Longer lines are counted as corrupt and skipped. */
  lineBytes: number
  /** The kernel to run, base64: the release build unless a test gives another. */
  kernel?: string
  /** Lines holding these bytes are left out, as if never written. */
  dropLinesWith?: string
}

export class ResultsAnalyser {
  private readonly kernel: Kernel
  private bytes = 0
  private lines = 0
  private corrupt = 0
  private truncated = false
  private carry: Buffer | undefined
  /** Inside a line too long to be k6's: skipped up to its newline. */
  private skipping = false
  private readonly maxLine: number
  private memory: Buffer | undefined
  private readonly metrics: Record<string, MetricInfo> = {}
  /** Tag values by the kernel's table numbers and ids, as it announces them. */
  private readonly tags = new Map<number, string[]>()
  private iterations = 0

  private readonly taps: KernelTaps
  /** A paired run's reader of requests by target, which the kernel reads. */
  private readonly pairs: PairSink | undefined

  constructor(
    limits: Partial<AnalyserLimits> = {},
    /**
     * Readers of chosen metrics' lines, handed them as the kernel finds
     * them; a paired run's reader, its requests as the kernel reads them.
     */
    readers: readonly (LineTap | PairSink)[] = []
  ) {
    const pairs = readers.filter((r): r is PairSink => 'request' in r)
    if (pairs.length > 1) throw new Error('one paired reader per analyser')
    this.pairs = pairs[0]
    const taps = readers.filter((r): r is LineTap => !('request' in r))
    if (this.pairs?.tap) taps.push(this.pairs.tap)
    this.taps = new KernelTaps(taps)
    this.maxLine = limits.lineBytes ?? MAX_LINE
    this.kernel = instantiateKernel(limits.kernel)
    this.kernel.init(
      MAX_STATUSES,
      EXPECTED_RESPONSES,
      MAX_ENDPOINTS,
      MAX_ENDPOINTS,
      MAX_CHECKS
    )
    if (this.pairs) this.kernel.pairSamples()
    this.kernel.initRecording(
      limits.exactSamples ?? EXACT_SAMPLES,
      limits.cells ?? MAX_CELLS,
      BUCKET_EXACT_SAMPLES,
      RESULT_BUCKETS_MAX,
      FIRST_BUCKET_MS
    )
    if (limits.dropLinesWith) {
      const needle = Buffer.from(limits.dropLinesWith)
      this.bytes_().set(needle, this.kernel.tapNameAt())
      this.kernel.dropLinesWith(needle.length)
    }
  }

  /** Feed raw bytes; lines may span calls. */
  push(bytes: Buffer): void {
    this.bytes += bytes.length
    // In pieces: the kernel's input buffer grows to the largest one.
    for (let at = 0; at < bytes.length; at += MAX_FEED)
      this.feed(bytes.subarray(at, at + MAX_FEED))
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
      if (complete) this.feed(Buffer.concat([last, NEWLINE]))
    }
    return this.result()
  }

  /**
   * The kernel reads the complete lines of the carried bytes and these, in
   * its memory; the rest is carried to the next call.
   */
  private feed(bytes: Buffer): void {
    if (this.skipping) {
      const newline = bytes.indexOf(10)
      if (newline < 0) return
      this.skipping = false
      bytes = bytes.subarray(newline + 1)
    }
    const kernel = this.kernel
    if (!this.taps.empty) this.taps.register(kernel, () => this.bytes_())
    const carried = this.carry?.length ?? 0
    const length = carried + bytes.length
    const input = kernel.reserve(length)
    let memory = this.bytes_()
    if (this.carry) memory.set(this.carry, input)
    memory.set(bytes, input + carried)
    const consumed = kernel.parse(length)
    // Parsing may have grown the memory.
    memory = this.bytes_()
    this.carry =
      consumed < length
        ? Buffer.from(memory.subarray(input + consumed, input + length))
        : undefined
    if (this.carry && this.carry.length > this.maxLine) {
      // No k6 line is this long: counted as corrupt and read past, so that
      // a file without newlines cannot take all memory.
      this.carry = undefined
      this.lines++
      this.corrupt++
      this.skipping = true
    }
    this.lines += kernel.lineCount.value
    this.corrupt += kernel.corruptCount.value
    this.iterations += kernel.iterationSum.value
    for (let i = 0; i < kernel.newValueCount.value; i++) {
      const table = kernel.newValueTable(i)
      let values = this.tags.get(table)
      if (!values) this.tags.set(table, (values = []))
      const value = decodeString(
        memory,
        input + kernel.newValueStart(i),
        input + kernel.newValueEnd(i)
      )
      values[kernel.newValueId(i)] =
        table === kernel.TABLE_NAME.value ? endpointKey(value) : value
    }
    for (let i = 0; i < kernel.headerCount.value; i++) {
      this.header(
        memory.toString(
          'latin1',
          input + kernel.headerStart(i),
          input + kernel.headerEnd(i)
        )
      )
    }
    if (!this.taps.empty) this.taps.dispatch(kernel, memory, input, consumed)
    if (this.pairs) this.readPairs(this.pairs)
  }

  /** The last parse()'s requests, their tags' ids resolved, to the sink. */
  private readPairs(sink: PairSink): void {
    const kernel = this.kernel
    const count = kernel.pairCount.value
    if (count === 0) return
    const names = kernel.TABLE_NAME.value
    const targets = kernel.TABLE_TARGET.value
    const expected = kernel.TABLE_EXPECTED_RESPONSE.value
    for (let i = 0; i < count; i++) {
      sink.request(
        kernel.pairTime(i),
        kernel.pairValue(i),
        this.tag(names, kernel.pairName(i)),
        this.tag(targets, kernel.pairTarget(i)),
        this.tag(expected, kernel.pairExpected(i)) === 'false'
      )
    }
  }

  /** The kernel's memory as bytes, a new view only when it has grown. */
  private bytes_(): Buffer {
    const buffer = this.kernel.memory.buffer
    if (this.memory?.buffer !== buffer) this.memory = Buffer.from(buffer)
    return this.memory
  }

  /** The string of a tag id, OTHER past its table's cap, or undefined. */
  private tag(table: number, id: number): string | undefined {
    if (id < 0) return undefined
    return id >= this.kernel.tableCap(table)
      ? OTHER
      : this.tags.get(table)?.[id]
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
   * The latency figures of the kernel's recorders at these addresses, with
   * their sampling errors when `withErrors`.
   */
  private latency(recorders: number[], withErrors = true): LatencyStats {
    const kernel = this.kernel
    kernel.groupClear()
    for (const recorder of recorders) kernel.groupAdd(recorder)
    kernel.stats()
    const stats: LatencyStats = {
      count: kernel.statsCount(),
      avg: kernel.statsAvg(),
      min: kernel.statsMin(),
      max: kernel.statsMax(),
      p50: kernel.statsP50(),
      p90: kernel.statsP90(),
      p95: kernel.statsP95(),
      p99: kernel.statsP99(),
      sd: kernel.statsSd()
    }
    if (withErrors && stats.count > 0) {
      // Where the percentile's rank would fall in 19 repeats out of 20
      // (n·p ± 2√(n·p(1−p))), read on a log scale and quartered: one
      // standard error that a gap in the distribution (a bulk, then a slow
      // tail) widens instead of hiding.
      const spread = (p: number): number => {
        const ranks = 200 * Math.sqrt(((p / 100) * (1 - p / 100)) / stats.count)
        const low = kernel.percentile(p - ranks)
        const high = kernel.percentile(p + ranks)
        return low > 0 ? Math.log(high / low) / 4 : 0
      }
      stats.se = {
        avg: stats.avg > 0 ? stats.sd / Math.sqrt(stats.count) / stats.avg : 0,
        p50: spread(50),
        p95: spread(95),
        p99: spread(99)
      }
    }
    return stats
  }

  /**
   * Consecutive buckets merged until a window lasts WINDOW_MIN_S (or a
   * 30th of the run) and holds WINDOW_MIN_REQUESTS requests; a last
   * window short of either joins the one before it.
   */
  private windows(widthS: number, durationS: number): SeriesWindow[] {
    const kernel = this.kernel
    const length = Math.max(WINDOW_MIN_S, durationS / 30)
    const out: SeriesWindow[] = []
    let recorders: number[] = []
    let start = -1
    let end = 0
    let requests = 0
    let failures = 0
    const close = (): void => {
      const { p50, p95, p99 } = this.latency(recorders, false)
      const seconds = end - start
      out.push({
        t: start,
        seconds,
        requests,
        failures,
        rps: seconds > 0 ? requests / seconds : 0,
        errorRate: requests ? failures / requests : 0,
        p50,
        p95,
        p99
      })
    }
    let last = -1
    for (let i = 0; i < RESULT_BUCKETS_MAX; i++) {
      const bucket = kernel.bucket(i)
      if (bucket !== 0) last = i
    }
    for (let i = 0; i <= last; i++) {
      const bucket = kernel.bucket(i)
      if (start < 0) start = i * widthS
      end = (i + 1) * widthS
      if (bucket !== 0) {
        recorders.push(kernel.bucketRecorder(bucket))
        requests += kernel.bucketRequests(bucket)
        failures += kernel.bucketFailures(bucket)
      }
      const full =
        end - start >= length - 1e-9 && requests >= WINDOW_MIN_REQUESTS
      if (full && last - i > 0) {
        close()
        recorders = []
        start = -1
        requests = 0
        failures = 0
      }
    }
    if (start >= 0 && requests > 0) {
      const previous = out.at(-1)
      const short = end - start < length / 2 || requests < WINDOW_MIN_REQUESTS
      if (previous && short) {
        // Merged into the window before: recorded again with its buckets.
        out.pop()
        const from = previous.t
        recorders = []
        requests = 0
        failures = 0
        for (let i = Math.round(from / widthS); i <= last; i++) {
          const bucket = kernel.bucket(i)
          if (bucket === 0) continue
          recorders.push(kernel.bucketRecorder(bucket))
          requests += kernel.bucketRequests(bucket)
          failures += kernel.bucketFailures(bucket)
        }
        start = from
      }
      close()
    }
    return out
  }

  /**
   * The kernel's buckets gathered into chart buckets of `chartWidth`,
   * their latency from the merged recorders.
   */
  private chart(
    widthS: number,
    durationS: number,
    requests: number
  ): SeriesChart | undefined {
    if (!(durationS > 0) || requests === 0) return undefined
    const kernel = this.kernel
    const width = chartWidth(durationS, requests / durationS)
    const n = Math.max(1, Math.round(durationS / width))
    const recorders: number[][] = Array.from({ length: n }, () => [])
    const counts = new Array<number>(n).fill(0)
    const failures = new Array<number>(n).fill(0)
    for (let i = 0; i < RESULT_BUCKETS_MAX; i++) {
      const bucket = kernel.bucket(i)
      if (bucket === 0) continue
      const j = Math.min(n - 1, Math.floor((i * widthS) / width + 1e-9))
      recorders[j].push(kernel.bucketRecorder(bucket))
      counts[j] += kernel.bucketRequests(bucket)
      failures[j] += kernel.bucketFailures(bucket)
    }
    // The last bucket runs to the last sample.
    const seconds = (j: number): number =>
      j === n - 1 ? Math.max(width / 2, durationS - j * width) : width
    return {
      bucketSeconds: width,
      spanS: durationS,
      requests: counts,
      rps: counts.map((c, j) => c / seconds(j)),
      p95: counts.map((c, j) =>
        c > 0 ? this.latency(recorders[j], false).p95 : null
      ),
      errorRate: counts.map((c, j) => (c > 0 ? failures[j] / c : null))
    }
  }

  private result(): ResultsAnalysis {
    const durationS =
      this.kernel.lastMs.value > this.kernel.firstMs.value
        ? (this.kernel.lastMs.value - this.kernel.firstMs.value) / 1000
        : 0
    const kernel = this.kernel
    const combos = this.combos()
    const latency = (recorders: number[]) => this.latency(recorders)
    const http = groupStats('', combos, latency)
    const widthS = kernel.seriesWidthMs.value / 1000
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
        .map(([name, group]) => groupStats(name, group, latency))
        .sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name))
    }
    return {
      bytes: this.bytes,
      lines: this.lines,
      corruptLines: this.corrupt,
      truncatedLastLine: this.truncated,
      startTime: Number.isFinite(this.kernel.firstMs.value)
        ? new Date(this.kernel.firstMs.value).toISOString()
        : undefined,
      endTime: Number.isFinite(this.kernel.lastMs.value)
        ? new Date(this.kernel.lastMs.value).toISOString()
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
      checks: this.checks(),
      iterations: this.iterations,
      droppedIterations: kernel.droppedSum.value,
      maxVus: kernel.maxVus.value,
      series: {
        bucketSeconds: widthS,
        buckets: this.buckets(widthS),
        windows: this.windows(widthS, durationS),
        chart: this.chart(widthS, durationS, http.requests)
      }
    }
  }

  /** The kernel's cells (name × scenario) by status and failure. */
  private combos(): Combo[] {
    const kernel = this.kernel
    const cells: Cell[] = []
    for (let i = 0; i < kernel.cellCount.value; i++) {
      const nameId = kernel.cellName(i)
      cells.push({
        name:
          nameId === kernel.OVERFLOW_NAME.value
            ? OTHER
            : this.tag(kernel.TABLE_NAME.value, nameId),
        scenario: this.tag(kernel.TABLE_SCENARIO.value, kernel.cellScenario(i)),
        recorder: kernel.cellRecorder(i)
      })
    }
    const combos: Combo[] = []
    for (let i = 0; i < kernel.comboCount.value; i++) {
      combos.push({
        cell: cells[kernel.comboCell(i)],
        status:
          this.tag(kernel.TABLE_STATUS.value, kernel.comboStatus(i)) ?? '',
        failed: kernel.comboFailed(i) !== 0,
        requests: kernel.comboRequests(i)
      })
    }
    return combos
  }

  /** The time series: one bucket per series width that saw a sample. */
  private buckets(widthS: number): SeriesBucket[] {
    const kernel = this.kernel
    const buckets: SeriesBucket[] = []
    for (let i = 0; i < RESULT_BUCKETS_MAX; i++) {
      const bucket = kernel.bucket(i)
      if (bucket === 0) continue
      const requests = kernel.bucketRequests(bucket)
      const { p50, p95, p99 } = this.latency(
        [kernel.bucketRecorder(bucket)],
        false
      )
      buckets.push({
        t: i * widthS,
        requests,
        rps: requests / widthS,
        errorRate: requests ? kernel.bucketFailures(bucket) / requests : 0,
        p50,
        p95,
        p99,
        vus: kernel.bucketVus(bucket),
        droppedIterations: kernel.bucketDropped(bucket)
      })
    }
    return buckets
  }

  /** Checks by name: equal names may come from different bytes (JSON escapes). */
  private checks(): { name: string; passes: number; fails: number }[] {
    const kernel = this.kernel
    const checks = new Map<string, { passes: number; fails: number }>()
    const checkTable = kernel.TABLE_CHECK.value
    for (let id = 0; id <= kernel.tableCap(checkTable); id++) {
      const passes = kernel.checkPasses(id)
      const fails = kernel.checkFails(id)
      if (passes + fails === 0) continue
      const name = this.tag(checkTable, id) ?? ''
      const check = checks.get(name) ?? { passes: 0, fails: 0 }
      check.passes += passes
      check.fails += fails
      checks.set(name, check)
    }
    return [...checks].map(([name, c]) => ({ name, ...c }))
  }
}

/** Chart widths, seconds: the smallest that suits the run is used. */
const CHART_WIDTHS = [
  1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600
]
/** Points a chart has at most; requests a bucket's p95 should rest on. */
const CHART_POINTS_MAX = 60
const CHART_BUCKET_REQUESTS = 20

/**
 * A chart bucket's width: at least a second; wide enough that the run is
 * at most 60 of them, and that each holds about 20 requests (its p95 then
 * says something) unless that would leave fewer than 10.
 */
function chartWidth(durationS: number, rate: number): number {
  return (
    CHART_WIDTHS.find(
      (w) =>
        durationS / w <= CHART_POINTS_MAX &&
        (w * rate >= CHART_BUCKET_REQUESTS || durationS / w <= 10)
    ) ?? CHART_WIDTHS[CHART_WIDTHS.length - 1]
  )
}

const NEWLINE = Buffer.from('\n')
/** k6's lines are a few hundred bytes; a metric header a few KB. */
const MAX_LINE = 16 << 20
/**
 * Bytes read between two collections of the spent buffers: on the 615 MB
 * files, every 4 MB kept the fewest (30 MB plain, 38 MB paired, from 48
 * and 65), for 0-60 ms of the pass.
 */
const SPENT_BYTES = 4 << 20
/** The most bytes handed to the kernel at once. */
const MAX_FEED = 4 << 20

/**
 * An endpoint's key from its `name` tag. Without a name tag k6 names a
 * request by its full URL: its query string, fragment and user-info (where
 * scripts put tokens) are dropped before anything is stored or shown, and
 * requests that differed only there are one endpoint.
 */
export function endpointKey(name: string): string {
  const url = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#@]*@)?([^?#]*)/i.exec(name)
  return url ? `${url[1]}${url[2]}` : name
}

/** A JSON string's body (between its quotes): escapes and UTF-8 decoded. */
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

/**
 * Analyse a results file, plain or gzip (by its magic bytes, whatever its
 * name). Bad input is a `ResultsError` naming the file.
 */
export function analyseResultsFile(
  file: string,
  limits: Partial<AnalyserLimits> = {},
  /** Readers of chosen metrics' lines (thresholds, Web Vitals), of pairs. */
  taps: readonly (LineTap | PairSink)[] = [],
  /** Fed the same bytes. */
  readers: readonly ChunkReader[] = []
): Promise<ResultsAnalysis> {
  return analyseResultsFiles([file], limits, taps, readers)
}

/** What reads results.json's bytes beside the analyser. */
export interface ChunkReader {
  push(chunk: Buffer): void
}

/**
 * Analyse the union of several results files (the shards of one run) as
 * one input: every sample counted once, percentiles over all of them.
 * The file whose samples start first should come first (the time series
 * starts at its first sample).
 */
export async function analyseResultsFiles(
  files: readonly string[],
  limits: Partial<AnalyserLimits> = {},
  taps: readonly (LineTap | PairSink)[] = [],
  readers: readonly ChunkReader[] = [],
  /** Called before each file's bytes (index into `files`). */
  onFile?: (index: number) => void
): Promise<ResultsAnalysis> {
  const analyser = new ResultsAnalyser(limits, taps)
  let truncated = false
  for (const [i, file] of files.entries()) {
    onFile?.(i)
    const fed = await feedFile(file, analyser, readers)
    if (fed.truncated) truncated = true
    // A file that does not end in a newline must not run into the next.
    if (i < files.length - 1 && fed.lastByte !== 10) {
      analyser.push(NEWLINE)
      for (const reader of readers) reader.push(NEWLINE)
    }
  }
  const result = analyser.finish()
  if (truncated) result.truncatedLastLine = true
  if (result.lines > 0 && result.corruptLines === result.lines) {
    throw new ResultsError(
      files.join(', '),
      `is not k6 JSON output: none of its ${result.lines} lines is a k6 metric or sample`
    )
  }
  return result
}

/** Stream one file into the analyser (truncated: a gzip stream cut off). */
async function feedFile(
  file: string,
  analyser: ResultsAnalyser,
  readers: readonly ChunkReader[]
): Promise<{ truncated: boolean; lastByte?: number }> {
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
  const gzipped = isGzipFile(file)
  if (file.endsWith('.gz') && !gzipped) {
    throw new ResultsError(
      file,
      'is named .gz but is not gzip: expected k6 --out json=results.json.gz output'
    )
  }
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
  let lastByte: number | undefined
  let spent = 0
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer
      analyser.push(bytes)
      for (const reader of readers) reader.push(bytes)
      if (bytes.length > 0) lastByte = bytes[bytes.length - 1]
      spent += bytes.length
      if (spent >= SPENT_BYTES) {
        spent = 0
        releaseSpentBuffers()
      }
    }
  } catch (error) {
    source.destroy()
    const code = (error as NodeJS.ErrnoException).code
    // A cut-off gzip stream: keep what was decompressed.
    if (gzipped && typeof code === 'string' && code.startsWith('Z_'))
      return { truncated: true, lastByte }
    throw new ResultsError(
      file,
      `could not be read: ${(error as Error).message}`,
      { cause: error }
    )
  }
  // Closed, so that their buffers are garbage once this returns.
  await Promise.all([closed(source), closed(stream)])
  return { truncated: false, lastByte }
}

/** When the stream has closed (a second at most: it holds nothing up). */
function closed(stream: NodeJS.ReadableStream & { closed?: boolean }) {
  if (stream.closed) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000).unref()
    stream.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
