// The hot loop of the results.json analyser (src/results/analyser.ts), in
// AssemblyScript; `npm run wasm` compiles it into src/results/kernel-wasm.ts.
//
// Why WebAssembly: with gzip input, zlib decompresses on one core while this
// parses on the other, and every cycle spent here slows both. In JavaScript
// the parsing spent about as long in the JIT's warm-up as in the steady
// state, and the optimising compiler's background threads took CPU from
// zlib; this runs at full speed from the first byte.
//
// It reads complete lines of k6's `--out json` output,
//   {"metric":"NAME","type":"Point","data":{"time":"…","value":N,"tags":{…}}}
// and records the samples of the metrics perf-gate reports on: each
// request in its endpoint × scenario cell and in its time bucket (latency
// recorders: exact samples while the run's budget lasts, then HdrHistograms
// laid out as hdr-histogram-js lays them out), checks counted,
// iterations summed, VUs and dropped iterations per bucket. The JavaScript
// side reads the cells, combos and buckets once, at the end. Tag values are
// interned by their bytes, each new one announced once (table, id, where
// its bytes are) for the JavaScript side to decode.
//
// Memory comes from the stub runtime's heap.alloc, which never frees and
// aligns to 16 bytes (the JavaScript side reads through Int32Array and
// Float64Array views), so what it hands out is zero; what merging time
// buckets leaves behind is reused (and cleared) here.

// Tag tables: http_req_duration's status, expected_response, name,
// scenario and (a paired run's) target, then the check name of checks.
// init() takes their caps in this order (the target's is fixed);
// newValueTable() names them by these numbers.
export const TABLE_STATUS: i32 = 0
export const TABLE_EXPECTED_RESPONSE: i32 = 1
export const TABLE_NAME: i32 = 2
export const TABLE_SCENARIO: i32 = 3
export const TABLE_TARGET: i32 = 4
export const TABLE_CHECK: i32 = 5
const TABLES: i32 = 6
/** A paired run's targets: change, reference, and room for a script's own. */
const TARGET_CAP: i32 = 8
const SLOTS: i32 = 4096

/** New tag value: i32 table, id, start, end (offsets into the input). */
const NEW_VALUE: i32 = 16
/** Metric header line: i32 start, end. */
const HEADER: i32 = 8
/** Tapped sample line: i32 start, end, tapped metric. */
const TAPPED: i32 = 12
/**
 * A paired run's request (pairSamples()): f64 time, f64 value, i32 name,
 * target and expected_response ids, one i32 spare.
 */
const PAIR: i32 = 32
/** The shortest http_req_duration sample line is longer than this. */
const PAIR_LINE_MIN: i32 = 64
/** Metrics whose sample lines are tapped, and their names' room (quote included). */
const TAP_CAP: i32 = 64
const TAP_NAME_CAP: i32 = 256

// Outputs of the last parse().
export let newValueCount: i32 = 0
export let headerCount: i32 = 0
export let tappedCount: i32 = 0
export let pairCount: i32 = 0
export let lineCount: i32 = 0
export let corruptCount: i32 = 0
export let iterationSum: f64 = 0
// Over the whole run.
export let firstMs: f64 = Infinity
export let lastMs: f64 = -Infinity

let input: usize = 0
let inputCap: i32 = 0
let headers: usize = 0
let tapped: usize = 0
// A paired run's requests of the last parse(), when pairSamples() was called.
let pairing = false
let pairs: usize = 0
// The tapped metrics: each name's bytes with its closing quote, copied.
let tapCount: i32 = 0
const tapAt = new StaticArray<usize>(TAP_CAP)
const tapLength = new StaticArray<i32>(TAP_CAP)
let tapName: usize = 0
// Lines holding these bytes are left out (a paired run's reference).
let dropAt: usize = 0
let dropLength: i32 = 0
let newValues: usize = 0
// Per check id (up to the cap, OTHER included): i32 passes, i32 fails.
let checkCounts: usize = 0

// Per table: open-addressing slots (id + 1, 0 when empty), each value's
// bytes (copied) and length, the cap and the count.
let slots: usize = 0
let valueAt: usize = 0
let valueLength: usize = 0
let maxCap: i32 = 0
const caps = new StaticArray<i32>(TABLES)
const counts = new StaticArray<i32>(TABLES)
const keyAt = new StaticArray<usize>(TABLES)
const keyLength = new StaticArray<i32>(TABLES)
/** The target metrics' name lengths: http_req_duration, checks, vus,
 * iterations, dropped_iterations (see target()). */
const TARGET_LENGTHS = StaticArray.fromArray<i32>([17, 6, 3, 10, 18])

let headerPrefix: usize = 0
let pointTime: usize = 0
let valueKey: usize = 0
const METRIC_PREFIX_LENGTH: i32 = 11 // {"metric":"
const HEADER_PREFIX = '{"type":"Metric"'
const POINT_TIME = '","type":"Point","data":{"time":"'
const VALUE_KEY = '","value":'
const HEADER_PREFIX_LENGTH: i32 = HEADER_PREFIX.length
const POINT_TIME_LENGTH: i32 = POINT_TIME.length
const VALUE_KEY_LENGTH: i32 = VALUE_KEY.length

// The minute being read: the first 16 bytes of its times and their zone.
let timeBase: usize = 0
let timeBaseLength: i32 = 0
let timeBaseMs: f64 = 0
const TIME_BASE_CAP: i32 = 64

// The sample being read.
let sampleTime: f64 = 0
// Its time in whole milliseconds, as Date.parse reads it (exact).
let sampleWholeMs: f64 = 0
let sampleValue: f64 = 0
let cursor: usize = 0
let ids: usize = 0

function ascii(text: string): usize {
  // Padded: same() reads up to 7 bytes past what it compares.
  const at = heap.alloc(<usize>text.length + 8)
  for (let i = 0; i < text.length; i++)
    store<u8>(at + <usize>i, <u8>text.charCodeAt(i))
  return at
}

/** Set the tables' caps: values past a cap share the id `cap`. */
export function init(
  statusCap: i32,
  expectedCap: i32,
  nameCap: i32,
  scenarioCap: i32,
  checkCap: i32
): void {
  caps[TABLE_STATUS] = statusCap
  caps[TABLE_EXPECTED_RESPONSE] = expectedCap
  caps[TABLE_NAME] = nameCap
  caps[TABLE_SCENARIO] = scenarioCap
  caps[TABLE_TARGET] = TARGET_CAP
  caps[TABLE_CHECK] = checkCap
  const keys = [
    'status',
    'expected_response',
    'name',
    'scenario',
    'target',
    'check'
  ]
  maxCap = 0
  for (let t = 0; t < TABLES; t++) {
    counts[t] = 0
    if (caps[t] > maxCap) maxCap = caps[t]
    keyAt[t] = ascii(keys[t])
    keyLength[t] = keys[t].length
  }
  headerPrefix = ascii(HEADER_PREFIX)
  pointTime = ascii(POINT_TIME)
  valueKey = ascii(VALUE_KEY)
  slots = zeroed(<usize>(TABLES * SLOTS * 4))
  valueAt = heap.alloc(<usize>(TABLES * maxCap * 4))
  valueLength = heap.alloc(<usize>(TABLES * maxCap * 4))
  newValues = heap.alloc(<usize>(TABLES * (maxCap + 1) * NEW_VALUE))
  checkCounts = zeroed(<usize>((checkCap + 1) * 8))
  timeBase = heap.alloc(<usize>TIME_BASE_CAP + 8)
  ids = heap.alloc(<usize>(IDS * 4))
  pairing = false
  tapName = heap.alloc(<usize>TAP_NAME_CAP + 8)
  tapCount = 0
}

/**
 * Report every http_req_duration sample from the next parse() on (pairCount,
 * pairTime, pairValue, pairName, pairTarget, pairExpected), its `target`
 * tag read too: a paired run's requests, by target, read here instead of
 * line by line in JavaScript. Called before the first reserve().
 */
export function pairSamples(): void {
  assert(inputCap == 0)
  pairing = true
}

/**
 * Where to write a metric's name for tapMetric(): TAP_NAME_CAP bytes.
 */
export function tapNameAt(): usize {
  return tapName
}

/**
 * Leave out every line that holds the `length` bytes written at
 * tapNameAt() (2 at least): as if the input never had them. A paired
 * run's change target alone is read without `"target":"reference"`.
 */
export function dropLinesWith(length: i32): void {
  assert(length >= 2 && length <= TAP_NAME_CAP)
  dropAt = heap.alloc(<usize>length + 8)
  memory.copy(dropAt, tapName, <usize>length)
  dropLength = length
}

/**
 * Tap the sample lines of the metric whose name (its `length` bytes at
 * tapNameAt(), the closing quote included) was written there: from the
 * next parse() on, each is reported (tappedStart, tappedEnd, tappedMetric)
 * in file order, besides being read as usual. Returns the tap's number,
 * or -1 when TAP_CAP metrics are tapped already.
 */
export function tapMetric(length: i32): i32 {
  assert(length > 1 && length <= TAP_NAME_CAP)
  if (tapCount >= TAP_CAP) return -1
  const copy = heap.alloc(<usize>length + 8)
  memory.copy(copy, tapName, <usize>length)
  unchecked((tapAt[tapCount] = copy))
  unchecked((tapLength[tapCount] = length))
  return tapCount++
}

/**
 * Room for `length` bytes of input (and the metric header lines they can
 * hold); returns where to write them. Grows, never shrinks.
 */
export function reserve(length: i32): usize {
  if (length > inputCap) {
    // Whole megabytes, so that a chunk plus a carried line fits next time,
    // and at least double: the stub runtime never frees, so what growth
    // leaves behind stays below what is in use.
    let cap = (length + 0x10000 + 0xfffff) & ~0xfffff
    if (cap < inputCap * 2) cap = inputCap * 2
    // Slack past the end: the newline search reads 64 bytes at a time.
    input = heap.alloc(<usize>cap + 64)
    // A header line is at least 16 bytes, a sample line more.
    headers = heap.alloc(<usize>((cap / 16 + 4) * HEADER))
    tapped = heap.alloc(<usize>((cap / 16 + 4) * TAPPED))
    if (pairing) pairs = heap.alloc(<usize>((cap / PAIR_LINE_MIN + 4) * PAIR))
    inputCap = cap
  }
  return input
}

// What the last parse() found, read one field at a time: the JavaScript
// side knows no layout.

/** The table of the i-th tag value new in the last parse(). */
export function newValueTable(i: i32): i32 {
  assert(i >= 0 && i < newValueCount)
  return load<i32>(newValues + <usize>(i * NEW_VALUE))
}
/** Its id in that table. */
export function newValueId(i: i32): i32 {
  assert(i >= 0 && i < newValueCount)
  return load<i32>(newValues + <usize>(i * NEW_VALUE) + 4)
}
/** Where its bytes start and end, as offsets into the input. */
export function newValueStart(i: i32): i32 {
  assert(i >= 0 && i < newValueCount)
  return load<i32>(newValues + <usize>(i * NEW_VALUE) + 8)
}
export function newValueEnd(i: i32): i32 {
  assert(i >= 0 && i < newValueCount)
  return load<i32>(newValues + <usize>(i * NEW_VALUE) + 12)
}
/** Where the i-th metric header line of the last parse() starts and ends. */
export function headerStart(i: i32): i32 {
  assert(i >= 0 && i < headerCount)
  return load<i32>(headers + <usize>(i * HEADER))
}
export function headerEnd(i: i32): i32 {
  assert(i >= 0 && i < headerCount)
  return load<i32>(headers + <usize>(i * HEADER) + 4)
}
/** Where the i-th tapped sample line of the last parse() starts and ends. */
export function tappedStart(i: i32): i32 {
  assert(i >= 0 && i < tappedCount)
  return load<i32>(tapped + <usize>(i * TAPPED))
}
export function tappedEnd(i: i32): i32 {
  assert(i >= 0 && i < tappedCount)
  return load<i32>(tapped + <usize>(i * TAPPED) + 4)
}
/** Which tapped metric (tapMetric's number) it is a sample of. */
export function tappedMetric(i: i32): i32 {
  assert(i >= 0 && i < tappedCount)
  return load<i32>(tapped + <usize>(i * TAPPED) + 8)
}
/**
 * The i-th request of the last parse() (pairSamples()): its time, epoch
 * ms, whole (as Date.parse reads k6's times).
 */
export function pairTime(i: i32): f64 {
  assert(i >= 0 && i < pairCount)
  return load<f64>(pairs + <usize>(i * PAIR))
}
/** Its latency, ms. */
export function pairValue(i: i32): f64 {
  assert(i >= 0 && i < pairCount)
  return load<f64>(pairs + <usize>(i * PAIR) + 8)
}
/** Its name, target and expected_response ids (-1 when it has no such tag). */
export function pairName(i: i32): i32 {
  assert(i >= 0 && i < pairCount)
  return load<i32>(pairs + <usize>(i * PAIR) + 16)
}
export function pairTarget(i: i32): i32 {
  assert(i >= 0 && i < pairCount)
  return load<i32>(pairs + <usize>(i * PAIR) + 20)
}
export function pairExpected(i: i32): i32 {
  assert(i >= 0 && i < pairCount)
  return load<i32>(pairs + <usize>(i * PAIR) + 24)
}
/** A table's cap: ids from it up share one value, "(other)". */
export function tableCap(table: i32): i32 {
  assert(table >= 0 && table < TABLES)
  return caps[table]
}
/** Passing and failing samples of check `id` (0 to its table's cap). */
export function checkPasses(id: i32): i32 {
  assert(id >= 0 && id <= caps[TABLE_CHECK])
  return load<i32>(checkCounts + <usize>(id * 8))
}
export function checkFails(id: i32): i32 {
  assert(id >= 0 && id <= caps[TABLE_CHECK])
  return load<i32>(checkCounts + <usize>(id * 8) + 4)
}

/**
 * Read the complete lines of input[0, length) and return where the first
 * incomplete one starts: the caller keeps those bytes for the next call.
 */
export function parse(length: i32): i32 {
  newValueCount = 0
  headerCount = 0
  tappedCount = 0
  pairCount = 0
  lineCount = 0
  corruptCount = 0
  iterationSum = 0
  const end = input + <usize>length
  let start = input
  for (;;) {
    const newline = findNewline(start, end)
    if (newline >= end) break
    if (newline > start) line(start, newline)
    start = newline + 1
  }
  return <i32>(start - input)
}

/**
 * The first '\n' in [from, end), or `end`: 64 bytes a round, one test for
 * the four 16-byte blocks (reading up to 63 bytes past `end`: the input
 * has that slack).
 */
function findNewline(from: usize, end: usize): usize {
  const newline = i8x16.splat(10)
  for (let at = from; at < end; at += 64) {
    const mask =
      (<u64>i8x16.bitmask(i8x16.eq(v128.load(at), newline))) |
      ((<u64>i8x16.bitmask(i8x16.eq(v128.load(at, 16), newline))) << 16) |
      ((<u64>i8x16.bitmask(i8x16.eq(v128.load(at, 32), newline))) << 32) |
      ((<u64>i8x16.bitmask(i8x16.eq(v128.load(at, 48), newline))) << 48)
    if (mask != 0) {
      const found = at + <usize>ctz(mask)
      return found < end ? found : end
    }
  }
  return end
}

/**
 * Whether the `length` bytes at `a` and `b` are the same: eight at a time,
 * the last word masked (both may be read up to 7 bytes past `length`:
 * the input has slack, copies and constants are padded).
 */
function same(a: usize, b: usize, length: i32): bool {
  let i: usize = 0
  const n = <usize>length
  for (; i + 8 <= n; i += 8) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false
  }
  const rest = <u64>(n - i)
  if (rest == 0) return true
  const mask = ((<u64>1) << (rest * 8)) - 1
  return ((load<u64>(a + i) ^ load<u64>(b + i)) & mask) == 0
}

/** Whether [at, end) starts with the `length` bytes at `prefix`. */
function startsWith(at: usize, end: usize, prefix: usize, length: i32): bool {
  return at + <usize>length <= end && same(at, prefix, length)
}

function line(start: usize, end: usize): void {
  lineCount++
  if (dropLength > 0 && holdsDropped(start, end)) {
    lineCount--
    return
  }
  // {"metric":" as two words (the second overlapping the first by one
  // byte). Words read past a short line's end take in its newline, which
  // no name has, so they cannot match.
  if (
    load<u64>(start) == METRIC_WORD &&
    load<u32>(start + 7) == METRIC_END_WORD
  ) {
    const nameAt = start + <usize>METRIC_PREFIX_LENGTH
    if (tapCount > 0) tap(start, end, nameAt)
    const kind = target(nameAt)
    if (kind < 0) return
    if (!point(nameAt + <usize>unchecked(TARGET_LENGTHS[kind]), end)) {
      corruptCount++
      return
    }
    if (kind == 0) httpDuration(end)
    else if (kind == 1) check(end)
    else if (kind == 2) vus(sampleTime, sampleValue)
    else if (kind == 3) iterationSum += sampleValue
    else dropped(sampleTime, sampleValue)
    return
  }
  if (startsWith(start, end, headerPrefix, HEADER_PREFIX_LENGTH)) {
    const at = headers + <usize>(headerCount * HEADER)
    store<i32>(at, <i32>(start - input))
    store<i32>(at, <i32>(end - input), 4)
    headerCount++
    return
  }
  if (load<u8>(end - 1) == 13) {
    // CRLF line endings: the same line without the CR (or CRs).
    let shorter = end - 1
    while (shorter > start && load<u8>(shorter - 1) == 13) shorter--
    lineCount--
    if (shorter > start) line(start, shorter)
    return
  }
  corruptCount++
}

/**
 * Whether [start, end) holds the dropped bytes: candidates where their
 * first two bytes are, 16 positions a round, each then compared whole
 * (reading up to 17 bytes past `end`: the input has that slack).
 */
function holdsDropped(start: usize, end: usize): bool {
  const length = <usize>dropLength
  if (end - start < length) return false
  const last = end - length
  const first = i8x16.splat(<i8>load<u8>(dropAt))
  const second = i8x16.splat(<i8>load<u8>(dropAt + 1))
  for (let at = start; at <= last; at += 16) {
    let mask = i8x16.bitmask(
      v128.and(
        i8x16.eq(v128.load(at), first),
        i8x16.eq(v128.load(at + 1), second)
      )
    )
    while (mask != 0) {
      const found = at + <usize>ctz(mask)
      if (found > last) return false
      if (same(found, dropAt, dropLength)) return true
      mask &= mask - 1
    }
  }
  return false
}

/** Report the line when its metric is tapped. */
function tap(start: usize, end: usize, nameAt: usize): void {
  for (let i = 0; i < tapCount; i++) {
    const length = unchecked(tapLength[i])
    if (startsWith(nameAt, end, unchecked(tapAt[i]), length)) {
      const at = tapped + <usize>(tappedCount * TAPPED)
      store<i32>(at, <i32>(start - input))
      store<i32>(at, <i32>(end - input), 4)
      store<i32>(at, i, 8)
      tappedCount++
      return
    }
  }
}

// Names as little-endian words: "{\"metric", "c\":\"", "http_req",
// "_duratio", "n\"", "checks\"" (7 bytes), "vus\"", "iteratio", "ons\"",
// "dropped_".
const METRIC_WORD: u64 = 0x63697274656d227b
const METRIC_END_WORD: u32 = 0x223a2263
const HTTP_REQ_WORD: u64 = 0x7165725f70747468
const DURATION_WORD: u64 = 0x6f6974617275645f
const N_QUOTE: u16 = 0x226e
const CHECKS_WORD: u64 = 0x22736b63656863
const SEVEN_BYTES: u64 = 0x00ffffffffffffff
const VUS_WORD: u32 = 0x22737576
const ITERATIO_WORD: u64 = 0x6f69746172657469
const ONS_QUOTE: u32 = 0x22736e6f
const DROPPED_WORD: u64 = 0x5f646570706f7264

/**
 * Which target metric's name starts at `at`, quote included, compared a
 * word at a time; -1 for any other. Each word is read only once the ones
 * before it matched, so none starts past the line's newline.
 */
function target(at: usize): i32 {
  const word = load<u64>(at)
  if (word == HTTP_REQ_WORD) {
    return load<u64>(at + 8) == DURATION_WORD && load<u16>(at + 16) == N_QUOTE
      ? 0
      : -1
  }
  if ((word & SEVEN_BYTES) == CHECKS_WORD) return 1
  if (<u32>word == VUS_WORD) return 2
  if (word == ITERATIO_WORD) return load<u32>(at + 7) == ONS_QUOTE ? 3 : -1
  if (word == DROPPED_WORD) {
    return load<u64>(at + 8) == ITERATIO_WORD && load<u32>(at + 15) == ONS_QUOTE
      ? 4
      : -1
  }
  return -1
}

/** A Point's time and value into sampleTime, sampleValue; cursor after. */
function point(from: usize, end: usize): bool {
  if (!startsWith(from, end, pointTime, POINT_TIME_LENGTH)) return false
  const time = parseTime(from + <usize>POINT_TIME_LENGTH, end)
  if (isNaN(time)) return false
  if (!startsWith(cursor, end, valueKey, VALUE_KEY_LENGTH)) return false
  const value = parseValue(cursor + <usize>VALUE_KEY_LENGTH, end)
  if (isNaN(value)) return false
  if (time < firstMs) firstMs = time
  if (time > lastMs) lastMs = time
  sampleTime = time
  sampleValue = value
  return true
}

/** 10^n, n = 0 to 8 (exact). */
const POWERS_OF_TEN = StaticArray.fromArray<f64>([
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8
])

/** 10^(n-3): a fraction of a second of n digits, in milliseconds. */
const FRACTION_SCALES = StaticArray.fromArray<f64>([
  1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12
])
function fractionScale(n: i32): f64 {
  return n < 16 ? unchecked(FRACTION_SCALES[n]) : Math.pow(10, <f64>(n - 3))
}

/**
 * The optional `.digits` of a time's seconds at `at`, in milliseconds;
 * `cursor` ends where the zone starts.
 */
function fractionMs(at: usize, end: usize): f64 {
  let i = at
  if (load<u8>(i) != 0x2e) {
    cursor = i
    return 0
  }
  i++
  const from = i
  const run = digitRun(i)
  let digits: f64 = 0
  if (run > 0) {
    digits = <f64>digitsValue(i, run)
    i += <usize>run
    if (run == 8) {
      while (i < end) {
        const c = <i32>load<u8>(i)
        if (c < 48 || c > 57) break
        digits = digits * 10 + <f64>(c - 48)
        i++
      }
    }
  }
  cursor = i
  return digits / fractionScale(<i32>(i - from))
}

/**
 * How many of the 8 bytes at `at` are ASCII digits before the first that
 * is not (a line's bytes end with a newline, which is not), 0 to 8.
 */
function digitRun(at: usize): i32 {
  const bytes = load<u64>(at) - 0x3030303030303030
  // Bit 7 of a byte is set when it was below '0' (it borrowed) or above
  // '9'; a borrow or carry only reaches the bytes after it.
  const notDigit = ((bytes + 0x7676767676767676) | bytes) & 0x8080808080808080
  return notDigit == 0 ? 8 : <i32>(ctz(notDigit) >> 3)
}

/** The value of the `run` (1 to 8) digits at `at`, 8 bytes at once. */
function digitsValue(at: usize, run: i32): u64 {
  // The first digit is the lowest byte; shifted up, the missing digits
  // become leading zeros.
  const shift = <u64>(8 - run) * 8
  let v = (load<u64>(at) - 0x3030303030303030) << shift
  v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ff
  v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffff
  return (v * 10000 + (v >> 32)) & 0xffffffff
}

/**
 * RFC 3339 with nanoseconds, as Go writes it; `cursor` ends at the closing
 * quote. The date, hour, minute and zone change rarely: they are compared
 * with the last ones, the seconds read by hand.
 */
function parseTime(at: usize, end: usize): f64 {
  // 2026-11-22T23:58:28.43990194Z
  if (at + 20 < end && load<u8>(at + 16) == 0x3a && timeBaseLength > 16) {
    const fraction = fractionMs(at + 19, end)
    const zone = cursor
    const zoneLength = timeBaseLength - 16
    if (
      zone + <usize>zoneLength < end &&
      load<u8>(zone + <usize>zoneLength) == 0x22 &&
      same(at, timeBase, 16) &&
      same(zone, timeBase + 16, zoneLength)
    ) {
      cursor = zone + <usize>zoneLength
      const seconds =
        <i32>(load<u8>(at + 17) - 48) * 10 + <i32>(load<u8>(at + 18) - 48)
      sampleWholeMs = timeBaseMs + <f64>seconds * 1000 + Math.floor(fraction)
      return timeBaseMs + <f64>seconds * 1000 + fraction
    }
  }
  let quote = at
  while (quote < end && load<u8>(quote) != 0x22) quote++
  if (quote >= end) return NaN
  const time = newMinute(at, quote)
  cursor = quote
  return time
}

function digit(at: usize): i32 {
  const c = <i32>load<u8>(at) - 48
  return c >= 0 && c <= 9 ? c : -1000000
}

function number2(at: usize): i32 {
  return digit(at) * 10 + digit(at + 1)
}

/** Days from 1970-01-01 to a civil date (H. Hinnant's algorithm). */
function daysFromCivil(year: i32, month: i32, day: i32): i32 {
  const y = month <= 2 ? year - 1 : year
  const era = (y >= 0 ? y : y - 399) / 400
  const yoe = y - era * 400
  const doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
  return era * 146097 + doe - 719468
}

/**
 * A time of a new minute (or zone), in full:
 * YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), ending at `quote`.
 */
function newMinute(at: usize, quote: usize): f64 {
  if (quote - at < 20) return NaN
  if (
    load<u8>(at + 4) != 0x2d ||
    load<u8>(at + 7) != 0x2d ||
    (load<u8>(at + 10) | 0x20) != 0x74 ||
    load<u8>(at + 13) != 0x3a ||
    load<u8>(at + 16) != 0x3a
  )
    return NaN
  const year = number2(at) * 100 + number2(at + 2)
  const month = number2(at + 5)
  const day = number2(at + 8)
  const hour = number2(at + 11)
  const minute = number2(at + 14)
  const seconds = number2(at + 17)
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    seconds < 0 ||
    seconds > 60
  )
    return NaN
  const fraction = fractionMs(at + 19, quote)
  const zone = cursor
  let offsetMinutes: i32 = 0
  const zoneLength = <i32>(quote - zone)
  if (zoneLength == 1 && (load<u8>(zone) | 0x20) == 0x7a) {
    offsetMinutes = 0
  } else if (
    zoneLength == 6 &&
    (load<u8>(zone) == 0x2b || load<u8>(zone) == 0x2d) &&
    load<u8>(zone + 3) == 0x3a
  ) {
    const hours = number2(zone + 1)
    const minutes = number2(zone + 4)
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return NaN
    offsetMinutes = hours * 60 + minutes
    if (load<u8>(zone) == 0x2d) offsetMinutes = -offsetMinutes
  } else {
    return NaN
  }
  const minuteMs =
    <f64>daysFromCivil(year, month, day) * 86400000 +
    <f64>(hour * 60 + minute - offsetMinutes) * 60000
  // Remember this minute and zone for the times that follow.
  if (16 + zoneLength <= TIME_BASE_CAP) {
    memory.copy(timeBase, at, 16)
    memory.copy(timeBase + 16, zone, <usize>zoneLength)
    timeBaseLength = 16 + zoneLength
    timeBaseMs = minuteMs
  }
  sampleWholeMs = minuteMs + <f64>seconds * 1000 + Math.floor(fraction)
  return minuteMs + <f64>seconds * 1000 + fraction
}

/**
 * A JSON number, digits by hand (as many as a double holds exactly);
 * `cursor` ends at the comma or brace after it.
 */
function parseValue(at: usize, end: usize): f64 {
  let i = at
  const negative = load<u8>(i) == 0x2d
  if (negative) i++
  const digitsAt = i
  let value: f64 = 0
  const run = digitRun(i)
  if (run > 0) {
    value = <f64>digitsValue(i, run)
    i += <usize>run
    if (run == 8) {
      while (i < end) {
        const c = <i32>load<u8>(i)
        if (c < 48 || c > 57) break
        value = value * 10 + <f64>(c - 48)
        i++
      }
    }
  }
  const digits = <i32>(i - digitsAt)
  if (i < end && load<u8>(i) == 0x2e) {
    i++
    let scale: f64 = 1
    let fraction: f64 = 0
    const fractionRun = digitRun(i)
    let fractionDigits = fractionRun
    if (fractionRun > 0) {
      fraction = <f64>digitsValue(i, fractionRun)
      scale = unchecked(POWERS_OF_TEN[fractionRun])
      i += <usize>fractionRun
    }
    while (fractionRun == 8 && i < end) {
      const c = <i32>load<u8>(i)
      if (c < 48 || c > 57) break
      if (scale < 1e15) {
        fraction = fraction * 10 + <f64>(c - 48)
        scale *= 10
        fractionDigits++
      }
      i++
    }
    // Up to 15 digits in all, the digits are an exact integer and one
    // division rounds them as JSON.parse does (k6 writes 6 decimals).
    value =
      digits + fractionDigits <= 15
        ? (value * scale + fraction) / scale
        : value + fraction / scale
  }
  if (i < end && (load<u8>(i) | 0x20) == 0x65) {
    // An exponent, as Go writes very small and very large floats.
    i++
    let exponentNegative = false
    if (load<u8>(i) == 0x2d || load<u8>(i) == 0x2b) {
      exponentNegative = load<u8>(i) == 0x2d
      i++
    }
    const exponentAt = i
    let exponent: i32 = 0
    while (i < end && exponent < 1000) {
      const c = <i32>load<u8>(i)
      if (c < 48 || c > 57) break
      exponent = exponent * 10 + (c - 48)
      i++
    }
    if (i == exponentAt) return NaN
    value *= Math.pow(10, <f64>(exponentNegative ? -exponent : exponent))
  }
  if (digits == 0 || digits > 15 || i >= end) return NaN
  const c = load<u8>(i)
  if (c != 0x2c && c != 0x7d) return NaN
  cursor = i
  return negative ? -value : value
}

/**
 * The closing quote of a JSON string whose body starts at `at`, or end:
 * quotes and backslashes found 16 bytes at a time.
 */
function stringEnd(at: usize, end: usize): usize {
  const quote = i8x16.splat(0x22)
  const backslash = i8x16.splat(0x5c)
  let i = at
  while (i < end) {
    const bytes = v128.load(i)
    const mask = i8x16.bitmask(
      v128.or(i8x16.eq(bytes, quote), i8x16.eq(bytes, backslash))
    )
    if (mask == 0) {
      i += 16
      continue
    }
    const found = i + <usize>ctz(mask)
    if (found >= end) return end
    if (load<u8>(found) == 0x22) return found
    // An escape: the byte after the backslash is part of the string.
    i = found + 2
  }
  return end
}

const HASH_MULTIPLIER: u64 = 0x9e3779b97f4a7c15
/** `,"tags":` as a little-endian word. */
const TAGS_WORD: u64 = 0x3a2273676174222c

/** A hash of the bytes [at, end), eight at a time. */
function hashBytes(at: usize, end: usize): u32 {
  let hash: u64 = <u64>(end - at) * HASH_MULTIPLIER
  let i = at
  for (; i + 8 <= end; i += 8) hash = (hash ^ load<u64>(i)) * HASH_MULTIPLIER
  const rest = <u64>(end - i)
  if (rest != 0) {
    // The bytes past the end are the line's next ones: masked out.
    const word = load<u64>(i) & (((<u64>1) << (rest * 8)) - 1)
    hash = (hash ^ word) * HASH_MULTIPLIER
  }
  hash ^= hash >> 29
  return <u32>(hash ^ (hash >> 32))
}

/**
 * Walk the `"tags":{"k":"v",…}` object from `from` once and put the id of
 * each of `count` keys (tables `first`…) in `ids`, -1 when absent; stop
 * once all are found (the long `url` tag is rarely needed).
 */
function readTagIds(from: usize, end: usize, first: i32, count: i32): void {
  for (let k = 0; k < IDS; k++) store<i32>(ids + <usize>(k * 4), -1)
  let missing = count
  let at = from
  // k6 writes `,"tags":{` right after the value.
  if (load<u64>(at) == TAGS_WORD && load<u8>(at + 8) == 0x7b) at += 8
  else while (at < end && load<u8>(at) != 0x7b) at++
  at++
  while (missing > 0 && at < end && load<u8>(at) == 0x22) {
    // A wanted key is its bytes then a quote; any other is read through.
    let k = 0
    for (; k < count; k++) {
      const length = keyLength[first + k]
      if (
        at + 2 + <usize>length < end &&
        load<u8>(at + 1 + <usize>length) == 0x22 &&
        same(at + 1, keyAt[first + k], length)
      )
        break
    }
    const keyEnd =
      k < count ? at + 1 + <usize>keyLength[first + k] : stringEnd(at + 1, end)
    if (
      keyEnd + 2 >= end ||
      load<u8>(keyEnd + 1) != 0x3a ||
      load<u8>(keyEnd + 2) != 0x22
    )
      return
    const valueStart = keyEnd + 3
    const valueEnd = stringEnd(valueStart, end)
    if (valueEnd >= end) return
    if (k < count) {
      const slot = ids + <usize>(k * 4)
      if (load<i32>(slot) < 0) missing--
      store<i32>(
        slot,
        intern(first + k, valueStart, valueEnd, hashBytes(valueStart, valueEnd))
      )
    }
    at = valueEnd + 1
    if (load<u8>(at) == 0x2c) at++
  }
}

/** The id of the value [at, end) in `table`; new values are announced. */
function intern(table: i32, at: usize, end: usize, hash: u32): i32 {
  const tableSlots = slots + <usize>(table * SLOTS * 4)
  const length = <i32>(end - at)
  const mask = <u32>(SLOTS - 1)
  let slot = (hash ^ (hash >>> 16)) & mask
  for (;;) {
    const entry = load<i32>(tableSlots + <usize>(slot * 4))
    if (entry == 0) break
    const id = entry - 1
    const index = <usize>((table * maxCap + id) * 4)
    if (
      load<i32>(valueLength + index) == length &&
      same(at, <usize>load<i32>(valueAt + index), length)
    )
      return id
    slot = (slot + 1) & mask
  }
  const count = counts[table]
  if (count >= caps[table]) return caps[table]
  const copy = heap.alloc(<usize>length + 8)
  memory.copy(copy, at, <usize>length)
  const index = <usize>((table * maxCap + count) * 4)
  store<i32>(valueAt + index, <i32>copy)
  store<i32>(valueLength + index, length)
  store<i32>(tableSlots + <usize>(slot * 4), count + 1)
  counts[table] = count + 1
  flagValue(table, count, at, end)
  assert(count < caps[table] && newValueCount < TABLES * (maxCap + 1))
  assert(at >= input && end <= input + <usize>inputCap)
  const announce = newValues + <usize>(newValueCount * NEW_VALUE)
  store<i32>(announce, table)
  store<i32>(announce, count, 4)
  store<i32>(announce, <i32>(at - input), 8)
  store<i32>(announce, <i32>(end - input), 12)
  newValueCount++
  return count
}

/** Tag ids readTagIds() finds at most: http_req_duration's, target included. */
const IDS: i32 = 5

function httpDuration(end: usize): void {
  readTagIds(cursor, end, 0, pairing ? 5 : 4)
  request(
    load<i32>(ids),
    load<i32>(ids, 4),
    load<i32>(ids, 8),
    load<i32>(ids, 12),
    sampleTime,
    sampleValue
  )
  if (!pairing) return
  const at = pairs + <usize>(pairCount * PAIR)
  store<f64>(at, sampleWholeMs)
  store<f64>(at, sampleValue, 8)
  store<i32>(at, load<i32>(ids, 8), 16)
  store<i32>(at, load<i32>(ids, 16), 20)
  store<i32>(at, load<i32>(ids, 4), 24)
  pairCount++
  assert(pairCount <= inputCap / PAIR_LINE_MIN + 4)
}

/** Checks are counted here: passes and fails per check id. */
function check(end: usize): void {
  readTagIds(cursor, end, TABLE_CHECK, 1)
  let id = load<i32>(ids)
  // No check tag: counted under the empty name.
  if (id < 0)
    id = intern(TABLE_CHECK, cursor, cursor, hashBytes(cursor, cursor))
  const at = checkCounts + <usize>(id * 8) + (sampleValue != 0 ? 0 : 4)
  store<i32>(at, load<i32>(at) + 1)
}

// ---------------------------------------------------------------------------
// Recording: requests by endpoint × scenario cell and by time bucket, in
// latency recorders (exact samples, then an HdrHistogram in hdr-histogram-js's
// layout), so that the JavaScript side only reads the result.
// ---------------------------------------------------------------------------

/**
 * A latency recorder, RECORDER bytes: exact samples while `cap` (and, for
 * cells, the run's exact budget) allow, then an HdrHistogram of whole
 * microseconds with `digits` significant digits, laid out as
 * hdr-histogram-js lays out its counts.
 */
const R_COUNT: usize = 0 // i32
const R_CAP: usize = 4 // i32: exact samples at most
const R_SUM: usize = 8 // f64
const R_MIN: usize = 16 // f64
const R_MAX: usize = 24 // f64
const R_EXACT: usize = 32 // u32: the samples (f64), 0 before the first
const R_EXACT_LENGTH: usize = 36 // i32: room in R_EXACT
const R_HISTOGRAM: usize = 40 // u32: u32 counts, 0 while exact
const R_DIGITS: usize = 44 // i32: 2 or 3
const R_BUDGETED: usize = 48 // i32: 1 when the run's budget applies
const R_SORTED: usize = 52 // i32: 1 while the exact samples are in order
const RECORDER: usize = 56

/** Cell: i32 name id (-2: the overflow cell), scenario id, recorder. */
const C_NAME: usize = 0
const C_SCENARIO: usize = 4
const C_RECORDER: usize = 8
const CELL: usize = 8 + RECORDER

/** Combo (a cell with one status and outcome): i32 fields. */
const K_KEY: usize = 0
const K_CELL: usize = 4
const K_STATUS: usize = 8
const K_FAILED: usize = 12
const K_REQUESTS: usize = 16
const COMBO: usize = 20

/** Time bucket: i32 requests, failures; f64 vus, dropped; recorder. */
const B_REQUESTS: usize = 0
const B_FAILURES: usize = 4
const B_VUS: usize = 8
const B_DROPPED: usize = 16
const B_RECORDER: usize = 24
const BUCKET: usize = 24 + RECORDER

/** The cell key's name part for pairs past the cell cap. */
const OVERFLOW_KEY: i32 = 511
export const OVERFLOW_NAME: i32 = -2
const SCALE: f64 = 1000
/** One hour, in microseconds: longer requests count as one hour. */
const HIGHEST_US: f64 = 3600 * 1000 * 1000

// Set by initRecording.
let exactBudget: i32 = 0
let maxCells: i32 = 0
let bucketExact: i32 = 0
let bucketsMax: i32 = 0

// Over the whole run.
export let maxVus: f64 = 0
export let droppedSum: f64 = 0
export let cellCount: i32 = 0
export let comboCount: i32 = 0
export let seriesWidthMs: f64 = 0
let seriesT0: f64 = NaN
/** Buckets below this index have been sorted once (see bucketAt). */
let sealedUpTo: i32 = 0

let cells: usize = 0
/** Cell index + 1 by cell key ((name + 1) × 512 + scenario + 1). */
let cellByKey: usize = 0
let combos: usize = 0
let comboCap: i32 = 0
/** Open addressing: combo index + 1 by the combo's key. */
let comboSlots: usize = 0
let comboSlotCount: i32 = 0
let buckets: usize = 0
let mergedBuckets: usize = 0
// Per status id: a failure (0, or 400 and up); per expected_response id:
// "false".
let statusFails: usize = 0
let expectedFalse: usize = 0

// Freed blocks, reused: buckets, their exact samples, 2-digit histograms.
let freeBuckets: usize = 0
let freeBucketExact: usize = 0
let freeSmallHistograms: usize = 0

/** Set the recording limits; after init. */
export function initRecording(
  exactSamples: i32,
  cellCap: i32,
  bucketExactSamples: i32,
  bucketCap: i32,
  firstBucketMs: f64
): void {
  exactBudget = exactSamples
  // No more pairs than cell keys (the cap is a test's knob; 500 by default).
  maxCells = min<i32>(cellCap, 512 * 512)
  bucketExact = bucketExactSamples
  bucketsMax = bucketCap
  seriesWidthMs = firstBucketMs
  // Pairs within the cap, then one overflow cell per scenario.
  cells = zeroed(<usize>(maxCells + caps[TABLE_SCENARIO] + 2) * CELL)
  cellByKey = zeroed(512 * 512 * 4)
  comboCap = 64
  combos = heap.alloc(<usize>comboCap * COMBO)
  comboSlotCount = 256
  comboSlots = zeroed(<usize>comboSlotCount * 4)
  buckets = zeroed(<usize>bucketCap * 4)
  mergedBuckets = zeroed(<usize>bucketCap * 4)
  statusFails = zeroed(<usize>(caps[TABLE_STATUS] + 1))
  expectedFalse = zeroed(<usize>(caps[TABLE_EXPECTED_RESPONSE] + 1))
}

// What the JavaScript side reads at the end, without knowing the layouts.

/** Cell i's name id (-1: none, OVERFLOW_NAME: the overflow cell). */
export function cellName(i: i32): i32 {
  return load<i32>(cells + <usize>i * CELL + C_NAME)
}
export function cellScenario(i: i32): i32 {
  return load<i32>(cells + <usize>i * CELL + C_SCENARIO)
}
/** Where cell i's latency recorder is, for stats(). */
export function cellRecorder(i: i32): usize {
  return cells + <usize>i * CELL + C_RECORDER
}
export function comboCell(i: i32): i32 {
  return load<i32>(combos + <usize>i * COMBO + K_CELL)
}
export function comboStatus(i: i32): i32 {
  return load<i32>(combos + <usize>i * COMBO + K_STATUS)
}
export function comboFailed(i: i32): bool {
  return load<i32>(combos + <usize>i * COMBO + K_FAILED) != 0
}
export function comboRequests(i: i32): i32 {
  return load<i32>(combos + <usize>i * COMBO + K_REQUESTS)
}
/** Time bucket i, 0 when it has no sample. */
export function bucket(i: i32): usize {
  return <usize>load<u32>(buckets + <usize>i * 4)
}
export function bucketRequests(b: usize): i32 {
  return load<i32>(b + B_REQUESTS)
}
export function bucketFailures(b: usize): i32 {
  return load<i32>(b + B_FAILURES)
}
export function bucketVus(b: usize): f64 {
  return load<f64>(b + B_VUS)
}
export function bucketDropped(b: usize): f64 {
  return load<f64>(b + B_DROPPED)
}
export function bucketRecorder(b: usize): usize {
  return b + B_RECORDER
}

/**
 * Zeroed memory: the stub runtime hands out memory once and never again
 * (nothing here is freed), and memory.grow makes it zero. No fill: pages
 * of a big table that are never used are never touched.
 */
function zeroed(bytes: usize): usize {
  return heap.alloc(bytes)
}

/** A status that counts as failed when expected_response is absent. */
function failingStatus(at: usize, end: usize): bool {
  const length = <i32>(end - at)
  if (length == 1 && load<u8>(at) == 0x30) return true
  if (length == 0 || length > 9) return false
  let status: i32 = 0
  for (let i = at; i < end; i++) {
    const c = <i32>load<u8>(i) - 48
    if (c < 0 || c > 9) return false
    status = status * 10 + c
  }
  return status >= 400
}

/** Called by intern for each new value of the status and outcome tables. */
function flagValue(table: i32, id: i32, at: usize, end: usize): void {
  if (table == 0) store<u8>(statusFails + <usize>id, <u8>failingStatus(at, end))
  else if (table == 1)
    store<u8>(
      expectedFalse + <usize>id,
      <u8>(end - at == 5 &&
        load<u32>(at) == 0x736c6166 && // "fals"
        load<u8>(at + 4) == 0x65) // "e"
    )
}

function request(
  status: i32,
  expected: i32,
  name: i32,
  scenario: i32,
  time: f64,
  value: f64
): void {
  // Ids are at most 500 (the cap, OTHER), -1 when absent.
  const key =
    (((scenario + 1) * 512 + (name + 1)) * 512 + (status + 1)) * 8 +
    (expected + 1)
  let combo = findCombo(key)
  if (combo == 0) combo = newCombo(key, status, expected, name, scenario)
  store<i32>(combo + K_REQUESTS, load<i32>(combo + K_REQUESTS) + 1)
  const cell = cells + <usize>load<i32>(combo + K_CELL) * CELL
  record(cell + C_RECORDER, value)
  const bucket = bucketAt(time)
  store<i32>(bucket + B_REQUESTS, load<i32>(bucket + B_REQUESTS) + 1)
  if (load<i32>(combo + K_FAILED))
    store<i32>(bucket + B_FAILURES, load<i32>(bucket + B_FAILURES) + 1)
  record(bucket + B_RECORDER, value)
}

function vus(time: f64, value: f64): void {
  if (value > maxVus) maxVus = value
  const bucket = bucketAt(time)
  if (value > load<f64>(bucket + B_VUS)) store<f64>(bucket + B_VUS, value)
}

function dropped(time: f64, value: f64): void {
  droppedSum += value
  const bucket = bucketAt(time)
  store<f64>(bucket + B_DROPPED, load<f64>(bucket + B_DROPPED) + value)
}

function comboHash(key: i32): u32 {
  const h = <u32>key * 0x9e3779b1
  return h ^ (h >>> 15)
}

function findCombo(key: i32): usize {
  const mask = <u32>(comboSlotCount - 1)
  let slot = comboHash(key) & mask
  let entry = load<i32>(comboSlots + <usize>(slot * 4))
  while (entry != 0) {
    const combo = combos + <usize>(entry - 1) * COMBO
    if (load<i32>(combo + K_KEY) == key) return combo
    slot = (slot + 1) & mask
    entry = load<i32>(comboSlots + <usize>(slot * 4))
  }
  return 0
}

function newCombo(
  key: i32,
  status: i32,
  expected: i32,
  name: i32,
  scenario: i32
): usize {
  if (comboCount == comboCap) {
    // Double the combos and their slots (what is left behind is small).
    const grown = heap.alloc(<usize>comboCap * 2 * COMBO)
    memory.copy(grown, combos, <usize>comboCap * COMBO)
    combos = grown
    comboCap *= 2
    comboSlotCount *= 2
    comboSlots = zeroed(<usize>comboSlotCount * 4)
    for (let i = 0; i < comboCount; i++) placeCombo(i)
  }
  assert(comboCount < comboCap)
  const index = comboCount++
  const combo = combos + <usize>index * COMBO
  store<i32>(combo + K_KEY, key)
  store<i32>(combo + K_CELL, cellOf(name, scenario))
  store<i32>(combo + K_STATUS, status)
  // The outcome tag, when there is one; else the status.
  let failed = false
  if (expected >= 0) {
    failed =
      expected < caps[TABLE_EXPECTED_RESPONSE] &&
      load<u8>(expectedFalse + <usize>expected) != 0
  } else if (status >= 0) {
    failed =
      status < caps[TABLE_STATUS] && load<u8>(statusFails + <usize>status) != 0
  }
  store<i32>(combo + K_FAILED, <i32>failed)
  store<i32>(combo + K_REQUESTS, 0)
  placeCombo(index)
  return combo
}

function placeCombo(index: i32): void {
  const key = load<i32>(combos + <usize>index * COMBO + K_KEY)
  const mask = <u32>(comboSlotCount - 1)
  let slot = comboHash(key) & mask
  while (load<i32>(comboSlots + <usize>(slot * 4)) != 0)
    slot = (slot + 1) & mask
  store<i32>(comboSlots + <usize>(slot * 4), index + 1)
}

/** The cell of a name and scenario; past the cap, the scenario's overflow. */
function cellOf(name: i32, scenario: i32): i32 {
  let key = (name + 1) * 512 + (scenario + 1)
  let entry = load<i32>(cellByKey + <usize>key * 4)
  if (entry == 0 && cellCount >= maxCells) {
    key = OVERFLOW_KEY * 512 + (scenario + 1)
    entry = load<i32>(cellByKey + <usize>key * 4)
    name = OVERFLOW_NAME
  }
  if (entry != 0) return entry - 1
  // Pairs within the cap, then one overflow cell per scenario.
  assert(cellCount < maxCells + caps[TABLE_SCENARIO] + 2)
  assert(key >= 0 && key < 512 * 512)
  const index = cellCount++
  const cell = cells + <usize>index * CELL
  store<i32>(cell + C_NAME, name)
  store<i32>(cell + C_SCENARIO, scenario)
  initRecorder(cell + C_RECORDER, i32.MAX_VALUE, 3, true)
  store<i32>(cellByKey + <usize>key * 4, index + 1)
  return index
}

function initRecorder(r: usize, cap: i32, digits: i32, budgeted: bool): void {
  store<i32>(r + R_COUNT, 0)
  store<i32>(r + R_CAP, cap)
  store<f64>(r + R_SUM, 0)
  store<f64>(r + R_MIN, Infinity)
  store<f64>(r + R_MAX, -Infinity)
  store<u32>(r + R_EXACT, 0)
  store<i32>(r + R_EXACT_LENGTH, 0)
  store<u32>(r + R_HISTOGRAM, 0)
  store<i32>(r + R_DIGITS, digits)
  store<i32>(r + R_BUDGETED, <i32>budgeted)
  store<i32>(r + R_SORTED, 1)
}

/** The time bucket of a sample; the buckets double in width as needed. */
function bucketAt(time: f64): usize {
  if (isNaN(seriesT0)) seriesT0 = time
  let index = Math.floor((time - seriesT0) / seriesWidthMs)
  // k6 writes samples in batches, slightly out of order.
  if (index < 0) index = 0
  while (index >= <f64>bucketsMax) {
    coarsen()
    index = Math.floor((time - seriesT0) / seriesWidthMs)
  }
  // Buckets two behind the newest are closed (k6's batches arrive a
  // little out of order): their samples are sorted now, while zlib works,
  // rather than all at the end. A late sample only clears the flag.
  const newest = <i32>index
  if (newest >= sealedUpTo + 2) {
    for (let i = sealedUpTo; i < newest - 1; i++) {
      const closed = <usize>load<u32>(buckets + <usize>i * 4)
      if (closed != 0) sortRecorder(closed + B_RECORDER)
    }
    sealedUpTo = newest - 1
  }
  assert(index >= 0 && index < <f64>bucketsMax)
  const slot = buckets + <usize>index * 4
  let bucket = <usize>load<u32>(slot)
  if (bucket == 0) {
    if (freeBuckets != 0) {
      bucket = freeBuckets
      freeBuckets = <usize>load<u32>(bucket)
    } else {
      bucket = heap.alloc(BUCKET)
    }
    memory.fill(bucket, 0, B_RECORDER)
    initRecorder(bucket + B_RECORDER, bucketExact, 2, false)
    store<u32>(slot, <u32>bucket)
  }
  return bucket
}

/** Halve the bucket count: each pair merges into one twice as wide. */
function coarsen(): void {
  const merged = mergedBuckets
  memory.fill(merged, 0, <usize>bucketsMax * 4)
  for (let i = 0; i < bucketsMax; i++) {
    const bucket = <usize>load<u32>(buckets + <usize>i * 4)
    if (bucket == 0) continue
    const slot = merged + <usize>(i >> 1) * 4
    const target = <usize>load<u32>(slot)
    if (target == 0) {
      store<u32>(slot, <u32>bucket)
      continue
    }
    store<i32>(
      target + B_REQUESTS,
      load<i32>(target + B_REQUESTS) + load<i32>(bucket + B_REQUESTS)
    )
    store<i32>(
      target + B_FAILURES,
      load<i32>(target + B_FAILURES) + load<i32>(bucket + B_FAILURES)
    )
    store<f64>(
      target + B_VUS,
      Math.max(load<f64>(target + B_VUS), load<f64>(bucket + B_VUS))
    )
    store<f64>(
      target + B_DROPPED,
      load<f64>(target + B_DROPPED) + load<f64>(bucket + B_DROPPED)
    )
    merge(target + B_RECORDER, bucket + B_RECORDER)
    release(bucket + B_RECORDER)
    store<u32>(bucket, <u32>freeBuckets)
    freeBuckets = bucket
  }
  mergedBuckets = buckets
  buckets = merged
  seriesWidthMs *= 2
  // Pairs of sorted buckets merged in order.
  sealedUpTo >>= 1
}

// ---- Latency recorders ----

function record(r: usize, ms: f64): void {
  if (!(ms >= 0)) return
  const index = load<i32>(r + R_COUNT)
  store<i32>(r + R_COUNT, index + 1)
  store<f64>(r + R_SUM, load<f64>(r + R_SUM) + ms)
  if (ms < load<f64>(r + R_MIN)) store<f64>(r + R_MIN, ms)
  if (ms > load<f64>(r + R_MAX)) store<f64>(r + R_MAX, ms)
  let histogram = <usize>load<u32>(r + R_HISTOGRAM)
  if (histogram == 0) {
    const budgeted = load<i32>(r + R_BUDGETED) != 0
    if (index < load<i32>(r + R_CAP) && (!budgeted || exactBudget > 0)) {
      if (budgeted) exactBudget--
      if (index >= load<i32>(r + R_EXACT_LENGTH)) grow(r, index + 1)
      assert(index < load<i32>(r + R_EXACT_LENGTH))
      const exact = <usize>load<u32>(r + R_EXACT)
      if (index > 0 && ms < load<f64>(exact + ((<usize>(index - 1)) << 3)))
        store<i32>(r + R_SORTED, 0)
      store<f64>(exact + ((<usize>index) << 3), ms)
      return
    }
    histogram = toHistogram(r, index)
  }
  histogramRecord(histogram, load<i32>(r + R_DIGITS), toMicros(ms))
}

/** Fold `other` into `r` (time buckets merging as they widen). */
function merge(r: usize, other: usize): void {
  const count = load<i32>(other + R_COUNT)
  if (count == 0) return
  const held = load<i32>(r + R_COUNT)
  const total = held + count
  store<i32>(r + R_COUNT, total)
  store<f64>(r + R_SUM, load<f64>(r + R_SUM) + load<f64>(other + R_SUM))
  store<f64>(
    r + R_MIN,
    Math.min(load<f64>(r + R_MIN), load<f64>(other + R_MIN))
  )
  store<f64>(
    r + R_MAX,
    Math.max(load<f64>(r + R_MAX), load<f64>(other + R_MAX))
  )
  let histogram = <usize>load<u32>(r + R_HISTOGRAM)
  const otherHistogram = <usize>load<u32>(other + R_HISTOGRAM)
  const otherExact = <usize>load<u32>(other + R_EXACT)
  if (histogram == 0 && otherHistogram == 0 && total <= load<i32>(r + R_CAP)) {
    if (total > load<i32>(r + R_EXACT_LENGTH)) grow(r, total)
    const exact = <usize>load<u32>(r + R_EXACT)
    if (load<i32>(r + R_SORTED) != 0 && load<i32>(other + R_SORTED) != 0) {
      mergeSorted(exact, held, otherExact, count)
    } else {
      memory.copy(exact + ((<usize>held) << 3), otherExact, (<usize>count) << 3)
      store<i32>(r + R_SORTED, 0)
    }
    return
  }
  if (histogram == 0) histogram = toHistogram(r, held)
  addTo(histogram, load<i32>(r + R_DIGITS), other)
}

/**
 * Fold recorder `part` into a histogram of as many digits: its exact
 * samples recorded, or its counts added.
 */
function addTo(histogram: usize, digits: i32, part: usize): void {
  const counts = <usize>load<u32>(part + R_HISTOGRAM)
  if (counts == 0) {
    const exact = <usize>load<u32>(part + R_EXACT)
    const n = load<i32>(part + R_COUNT)
    for (let i = 0; i < n; i++)
      histogramRecord(
        histogram,
        digits,
        toMicros(load<f64>(exact + ((<usize>i) << 3)))
      )
  } else {
    const length = histogramLength(digits)
    for (let i = 0; i < length; i++) {
      const at = (<usize>i) << 2
      const n = load<u32>(counts + at)
      if (n != 0) store<u32>(histogram + at, load<u32>(histogram + at) + n)
    }
  }
}

/** Room for at least `atLeast` exact samples. */
function grow(r: usize, atLeast: i32): void {
  const cap = load<i32>(r + R_CAP)
  const old = <usize>load<u32>(r + R_EXACT)
  const oldLength = load<i32>(r + R_EXACT_LENGTH)
  let exact: usize
  let length: i32
  if (cap == bucketExact) {
    // Buckets' samples get their whole room at once, from freed blocks
    // when there are any.
    length = cap
    if (freeBucketExact != 0) {
      exact = freeBucketExact
      freeBucketExact = <usize>load<u32>(exact)
    } else {
      exact = heap.alloc((<usize>cap) << 3)
    }
  } else {
    // Cells': four times larger each time (the run's budget bounds them).
    length = max<i32>(atLeast, max<i32>(16, oldLength * 4))
    if (length > cap) length = cap
    exact = heap.alloc((<usize>length) << 3)
  }
  if (oldLength > 0) memory.copy(exact, old, (<usize>oldLength) << 3)
  store<u32>(r + R_EXACT, <u32>exact)
  store<i32>(r + R_EXACT_LENGTH, length)
}

/** From exact samples to a histogram: the first `held` samples move. */
function toHistogram(r: usize, held: i32): usize {
  const digits = load<i32>(r + R_DIGITS)
  const bytes = (<usize>histogramLength(digits)) << 2
  let histogram: usize
  if (digits == 2 && freeSmallHistograms != 0) {
    histogram = freeSmallHistograms
    freeSmallHistograms = <usize>load<u32>(histogram)
  } else {
    histogram = heap.alloc(bytes)
  }
  memory.fill(histogram, 0, bytes)
  const exact = <usize>load<u32>(r + R_EXACT)
  for (let i = 0; i < held; i++)
    histogramRecord(
      histogram,
      digits,
      toMicros(load<f64>(exact + ((<usize>i) << 3)))
    )
  releaseExact(r)
  store<u32>(r + R_HISTOGRAM, <u32>histogram)
  return histogram
}

function releaseExact(r: usize): void {
  const exact = <usize>load<u32>(r + R_EXACT)
  if (exact != 0 && load<i32>(r + R_CAP) == bucketExact) {
    store<u32>(exact, <u32>freeBucketExact)
    freeBucketExact = exact
  }
  store<u32>(r + R_EXACT, 0)
  store<i32>(r + R_EXACT_LENGTH, 0)
}

/** A bucket's recorder, merged away: its blocks go back for reuse. */
function release(r: usize): void {
  releaseExact(r)
  const histogram = <usize>load<u32>(r + R_HISTOGRAM)
  if (histogram != 0 && load<i32>(r + R_DIGITS) == 2) {
    store<u32>(histogram, <u32>freeSmallHistograms)
    freeSmallHistograms = histogram
  }
  store<u32>(r + R_HISTOGRAM, 0)
}

/** Math.round as JavaScript does it (halves up), then within range. */
function toMicros(ms: f64): u32 {
  const x = ms * SCALE
  let rounded = Math.floor(x)
  if (x - rounded >= 0.5) rounded += 1
  if (!(rounded >= 1)) rounded = 1
  if (rounded > HIGHEST_US) rounded = HIGHEST_US
  return <u32>rounded
}

/**
 * hdr-histogram-js's layout for lowest value 1 and highest HIGHEST_US:
 * 2048 sub-buckets at 3 digits, 256 at 2; the counts array is
 * (buckets + 1) × half of that long.
 */
function histogramLength(digits: i32): i32 {
  return digits == 3 ? 23 * 1024 : 26 * 128
}

function histogramRecord(histogram: usize, digits: i32, value: u32): void {
  const halfMagnitude = digits == 3 ? 10 : 7
  let bucket = 31 - <i32>clz(value) - halfMagnitude
  if (bucket < 0) bucket = 0
  const sub = <i32>(value >>> (<u32>bucket))
  const index = ((bucket + 1) << halfMagnitude) + sub - (1 << halfMagnitude)
  assert(index >= 0 && index < histogramLength(digits))
  const at = histogram + ((<usize>index) << 2)
  store<u32>(at, load<u32>(at) + 1)
}

// ---- Figures, at the end: percentiles of one recorder or of a group ----

/** count, avg, min, max, p50, p90, p95, p99, sd of the last stats() call. */
const STATS_FIELDS: i32 = 9
let statsOut: usize = 0
let groupList: usize = 0
let groupListCap: i32 = 0
let groupCount: i32 = 0
let sortBuffer: usize = 0
let sortSpare: usize = 0
let sortCap: i32 = 0
let groupHistogram: usize = 0
let radixCounts: usize = 0
// The group of the last stats() call, for percentile(): its samples in
// order (while exact) or its histogram.
let lastTotal: i32 = 0
let lastSorted: usize = 0
let lastHistogram: usize = 0
let lastDigits: i32 = 3
let lastHigh: f64 = 0

/** Start a group of recorders for stats(). */
export function groupClear(): void {
  groupCount = 0
}

/** Add a recorder (cellRecorder(), bucketRecorder()) to the group. */
export function groupAdd(recorder: usize): void {
  if (groupCount == groupListCap) {
    const old = groupList
    groupListCap = max<i32>(16, groupListCap * 2)
    groupList = heap.alloc(<usize>groupListCap * 4)
    if (groupCount > 0) memory.copy(groupList, old, <usize>groupCount * 4)
  }
  store<u32>(groupList + <usize>groupCount * 4, <u32>recorder)
  groupCount++
}

// The figures of the last stats() call.
export function statsCount(): f64 {
  return statsField(0)
}
export function statsAvg(): f64 {
  return statsField(1)
}
export function statsMin(): f64 {
  return statsField(2)
}
export function statsMax(): f64 {
  return statsField(3)
}
export function statsP50(): f64 {
  return statsField(4)
}
export function statsP90(): f64 {
  return statsField(5)
}
export function statsP95(): f64 {
  return statsField(6)
}
export function statsP99(): f64 {
  return statsField(7)
}
/** The sample standard deviation. */
export function statsSd(): f64 {
  return statsField(8)
}

function statsField(field: i32): f64 {
  assert(statsOut != 0 && field < STATS_FIELDS)
  return load<f64>(statsOut + <usize>field * 8)
}

/**
 * The figures of the group's recorders taken together: exact when every
 * one is exact (k6's interpolation between sorted samples), else from
 * their histograms merged (HdrHistogram's percentiles), read by statsCount()
 * and its neighbours.
 */
export function stats(): void {
  const count = groupCount
  if (statsOut == 0) statsOut = heap.alloc(<usize>STATS_FIELDS * 8)
  const out = statsOut
  let total: i32 = 0
  let sum: f64 = 0
  let low: f64 = Infinity
  let high: f64 = -Infinity
  let exact = true
  let digits: i32 = 3
  for (let i = 0; i < count; i++) {
    const r = <usize>load<u32>(groupList + <usize>i * 4)
    total += load<i32>(r + R_COUNT)
    sum += load<f64>(r + R_SUM)
    low = Math.min(low, load<f64>(r + R_MIN))
    high = Math.max(high, load<f64>(r + R_MAX))
    if (load<u32>(r + R_HISTOGRAM) != 0) exact = false
    digits = load<i32>(r + R_DIGITS)
  }
  store<f64>(out, <f64>total)
  lastTotal = total
  if (total == 0) {
    for (let f = 1; f < STATS_FIELDS; f++) store<f64>(out + <usize>f * 8, NaN)
    return
  }
  const mean = sum / <f64>total
  store<f64>(out, mean, 8)
  store<f64>(out, low, 16)
  store<f64>(out, high, 24)
  lastHigh = high
  if (exact) {
    const sorted = sortedSamples(count, total)
    lastSorted = sorted
    lastHistogram = 0
    store<f64>(out, interpolate(sorted, total, 50), 32)
    store<f64>(out, interpolate(sorted, total, 90), 40)
    store<f64>(out, interpolate(sorted, total, 95), 48)
    store<f64>(out, interpolate(sorted, total, 99), 56)
    let squares: f64 = 0
    for (let i = 0; i < total; i++) {
      const d = load<f64>(sorted + ((<usize>i) << 3)) - mean
      squares += d * d
    }
    store<f64>(out, standardDeviation(squares, total), 64)
    return
  }
  let histogram: usize
  if (count == 1) {
    histogram = <usize>load<u32>(<usize>load<u32>(groupList) + R_HISTOGRAM)
  } else {
    // Merged into one 3-digit histogram: exact parts' samples recorded
    // into it, histograms' counts added.
    digits = 3
    const length = histogramLength(3)
    if (groupHistogram == 0) groupHistogram = heap.alloc((<usize>length) << 2)
    histogram = groupHistogram
    memory.fill(histogram, 0, (<usize>length) << 2)
    for (let i = 0; i < count; i++)
      addTo(histogram, 3, <usize>load<u32>(groupList + <usize>i * 4))
  }
  lastHistogram = histogram
  lastDigits = digits
  store<f64>(out, histogramPercentile(histogram, digits, total, 50, high), 32)
  store<f64>(out, histogramPercentile(histogram, digits, total, 90, high), 40)
  store<f64>(out, histogramPercentile(histogram, digits, total, 95, high), 48)
  store<f64>(out, histogramPercentile(histogram, digits, total, 99, high), 56)
  store<f64>(out, histogramDeviation(histogram, digits, total, mean), 64)
}

/**
 * Percentile `p` (0 to 100) of the group the last stats() call computed,
 * by the same rule as its p50 to p99: for thresholds on other percentiles,
 * and the order-statistic spread of a percentile (how far it would move
 * between runs from sampling alone).
 */
export function percentile(p: f64): f64 {
  if (lastTotal == 0) return NaN
  const clamped = Math.min(100, Math.max(0, p))
  if (lastHistogram == 0) return interpolate(lastSorted, lastTotal, clamped)
  return histogramPercentile(
    lastHistogram,
    lastDigits,
    lastTotal,
    clamped,
    lastHigh
  )
}

/** The sample standard deviation from the sum of squared deviations. */
function standardDeviation(squares: f64, total: i32): f64 {
  return total > 1 ? Math.sqrt(squares / <f64>(total - 1)) : 0
}

/** The standard deviation of a histogram's values (slot midpoints). */
function histogramDeviation(
  histogram: usize,
  digits: i32,
  total: i32,
  mean: f64
): f64 {
  const halfMagnitude = digits == 3 ? 10 : 7
  const half = 1 << halfMagnitude
  const length = histogramLength(digits)
  let squares: f64 = 0
  for (let i = 0; i < length; i++) {
    const n = load<u32>(histogram + ((<usize>i) << 2))
    if (n == 0) continue
    let bucket = (i >> halfMagnitude) - 1
    let sub = (i & (half - 1)) + half
    if (bucket < 0) {
      sub -= half
      bucket = 0
    }
    const width = Math.pow(2, <f64>bucket)
    const d = (<f64>sub * width + (width - 1) / 2) / SCALE - mean
    squares += <f64>n * d * d
  }
  return standardDeviation(squares, total)
}

/** Room for `total` samples in the sort buffers. */
function sortRoom(total: i32): void {
  if (total > sortCap) {
    sortCap = max<i32>(total, sortCap * 2)
    sortBuffer = heap.alloc((<usize>sortCap) << 3)
    sortSpare = heap.alloc((<usize>sortCap) << 3)
  }
}

/** The listed recorders' exact samples, together, sorted ascending. */
function sortedSamples(count: i32, total: i32): usize {
  if (count == 1) {
    // One recorder already in order (a time bucket sorted when it closed).
    const r = <usize>load<u32>(groupList)
    if (load<i32>(r + R_SORTED) != 0) return <usize>load<u32>(r + R_EXACT)
  }
  sortRoom(total)
  let at: usize = 0
  for (let i = 0; i < count; i++) {
    const r = <usize>load<u32>(groupList + <usize>i * 4)
    const n = (<usize>load<i32>(r + R_COUNT)) << 3
    // Every listed recorder is exact here: no histogram, all samples held.
    assert(load<u32>(r + R_HISTOGRAM) == 0)
    if (n != 0) memory.copy(sortBuffer + at, <usize>load<u32>(r + R_EXACT), n)
    at += n
  }
  assert(at == (<usize>total) << 3)
  return radixSort(total)
}

/**
 * Sort sortBuffer's first `total` samples; returns where they are now
 * (sortBuffer or sortSpare). Latencies are never negative (record() skips
 * them), so their bits sort as the numbers do (-0 made +0): a radix sort,
 * a byte at a time.
 */
function radixSort(total: i32): usize {
  for (let i = 0; i < total; i++) {
    const p = sortBuffer + ((<usize>i) << 3)
    store<f64>(p, load<f64>(p) + 0.0)
  }
  if (radixCounts == 0) radixCounts = heap.alloc(256 * 4)
  const counts = radixCounts
  let from = sortBuffer
  let to = sortSpare
  for (let shift: u64 = 0; shift < 64; shift += 8) {
    memory.fill(counts, 0, 256 * 4)
    for (let i = 0; i < total; i++) {
      const digit = <usize>(
        ((load<u64>(from + ((<usize>i) << 3)) >> shift) & 0xff)
      )
      store<i32>(counts + digit * 4, load<i32>(counts + digit * 4) + 1)
    }
    // Every value in one bucket: this byte orders nothing.
    let skip = false
    let position: i32 = 0
    for (let d: usize = 0; d < 256; d++) {
      const c = load<i32>(counts + d * 4)
      if (c == total) skip = true
      store<i32>(counts + d * 4, position)
      position += c
    }
    if (skip) continue
    for (let i = 0; i < total; i++) {
      const value = load<u64>(from + ((<usize>i) << 3))
      const digit = <usize>((value >> shift) & 0xff)
      const slot = load<i32>(counts + digit * 4)
      store<i32>(counts + digit * 4, slot + 1)
      store<u64>(to + ((<usize>slot) << 3), value)
    }
    const swap = from
    from = to
    to = swap
  }
  return from
}

/** Put a recorder's exact samples in order (a time bucket that closed). */
function sortRecorder(r: usize): void {
  const count = load<i32>(r + R_COUNT)
  if (load<i32>(r + R_SORTED) != 0 || load<u32>(r + R_HISTOGRAM) != 0) return
  sortRoom(count)
  const exact = <usize>load<u32>(r + R_EXACT)
  const bytes = (<usize>count) << 3
  memory.copy(sortBuffer, exact, bytes)
  memory.copy(exact, radixSort(count), bytes)
  store<i32>(r + R_SORTED, 1)
}

/** Merge the sorted runs [a, a + n) and [b, b + m) into [a, a + n + m). */
function mergeSorted(a: usize, n: i32, b: usize, m: i32): void {
  sortRoom(n + m)
  const out = sortBuffer
  let i = 0
  let j = 0
  let k: usize = 0
  while (i < n && j < m) {
    const x = load<f64>(a + ((<usize>i) << 3))
    const y = load<f64>(b + ((<usize>j) << 3))
    if (y < x) {
      store<f64>(out + k, y)
      j++
    } else {
      store<f64>(out + k, x)
      i++
    }
    k += 8
  }
  if (i < n) {
    memory.copy(out + k, a + ((<usize>i) << 3), (<usize>(n - i)) << 3)
    k += (<usize>(n - i)) << 3
  }
  if (j < m) {
    memory.copy(out + k, b + ((<usize>j) << 3), (<usize>(m - j)) << 3)
    k += (<usize>(m - j)) << 3
  }
  memory.copy(a, out, k)
}

/** k6's TrendSink.P: interpolate between the sorted neighbours. */
function interpolate(sorted: usize, n: i32, p: f64): f64 {
  if (n == 1) return load<f64>(sorted)
  const i = (p / 100) * <f64>(n - 1)
  const lower = load<f64>(sorted + ((<usize>Math.floor(i)) << 3))
  const upper = load<f64>(sorted + ((<usize>Math.ceil(i)) << 3))
  return lower + (upper - lower) * (i - Math.floor(i))
}

/**
 * hdr-histogram-js's getValueAtPercentile (the highest value equivalent
 * to the first slot that reaches the count), in ms, at most `high`.
 */
function histogramPercentile(
  histogram: usize,
  digits: i32,
  total: i32,
  p: f64,
  high: f64
): f64 {
  const fpCount = (p / 100) * <f64>total
  // ulp(x) = 2^(floor(log2 x) - 52), as hdr-histogram-js computes it.
  const ulp = Math.pow(2, Math.floor(Math.log2(fpCount)) - 52)
  const wanted = Math.max(Math.ceil(fpCount - ulp), 1)
  const halfMagnitude = digits == 3 ? 10 : 7
  const half = 1 << halfMagnitude
  const length = histogramLength(digits)
  let running: f64 = 0
  for (let i = 0; i < length; i++) {
    running += <f64>load<u32>(histogram + ((<usize>i) << 2))
    if (running >= wanted) {
      let bucket = (i >> halfMagnitude) - 1
      let sub = (i & (half - 1)) + half
      if (bucket < 0) {
        sub -= half
        bucket = 0
      }
      const lowest = <f64>sub * Math.pow(2, <f64>bucket)
      const highest = lowest + Math.pow(2, <f64>bucket) - 1
      return Math.min(high, highest / SCALE)
    }
  }
  return Math.min(high, 0)
}
