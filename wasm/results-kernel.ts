// The hot loop of the results.json analyser (src/results/stream.ts), in
// AssemblyScript; `npm run wasm` compiles it into src/results/kernel-wasm.ts.
//
// Why WebAssembly: with gzip input, zlib decompresses on one core while this
// parses on the other, and every cycle spent here slows both. In JavaScript
// the parsing spent about as long in the JIT's warm-up as in the steady
// state; this runs at full speed from the first byte.
//
// It reads complete lines of k6's `--out json` output,
//   {"metric":"NAME","type":"Point","data":{"time":"…","value":N,"tags":{…}}}
// and writes one 40-byte record per sample of the metrics perf-gate reports
// on (iterations are summed, checks counted here); the JavaScript side
// records them (histograms, time buckets). Tag values are interned by their
// bytes, each new one announced once (table, id, where its bytes are) for
// the JavaScript side to decode.
//
// Memory comes from the stub runtime's heap.alloc, which never frees and
// aligns to 16 bytes: the JavaScript side reads records through Int32Array
// and Float64Array views.

// Record kinds.
const HTTP: i32 = 0
const VUS: i32 = 2
const DROPPED: i32 = 3

// Tag tables: http_req_duration's status, expected_response, name and
// scenario, then the check name of checks.
const TABLES: i32 = 5
const CHECK_TABLE: i32 = 4
const SLOTS: i32 = 4096

/** Record: i32 kind and four tag ids; f64 time at 24, value at 32. */
const RECORD: i32 = 40
/** New tag value: i32 table, id, start, end (offsets into the input). */
const NEW_VALUE: i32 = 16
/** Metric header line: i32 start, end. */
const HEADER: i32 = 8

const HASH_SEED: u32 = 0x811c9dc5
const HASH_PRIME: u32 = 0x01000193

// Outputs of the last parse().
export let recordCount: i32 = 0
export let newValueCount: i32 = 0
export let headerCount: i32 = 0
export let lineCount: i32 = 0
export let corruptCount: i32 = 0
export let iterationSum: f64 = 0
// Over the whole run.
export let firstMs: f64 = Infinity
export let lastMs: f64 = -Infinity

let input: usize = 0
let inputCap: i32 = 0
let records: usize = 0
let headers: usize = 0
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
const targetName = new StaticArray<usize>(5)
const targetLength = new StaticArray<i32>(5)

let metricPrefix: usize = 0
let headerPrefix: usize = 0
let pointTime: usize = 0
let valueKey: usize = 0
const METRIC_PREFIX = '{"metric":"'
const HEADER_PREFIX = '{"type":"Metric"'
const POINT_TIME = '","type":"Point","data":{"time":"'
const VALUE_KEY = '","value":'
const METRIC_PREFIX_LENGTH: i32 = METRIC_PREFIX.length
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
let sampleValue: f64 = 0
let cursor: usize = 0
let ids: usize = 0

function ascii(text: string): usize {
  const at = heap.alloc(<usize>text.length)
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
  caps[0] = statusCap
  caps[1] = expectedCap
  caps[2] = nameCap
  caps[3] = scenarioCap
  caps[4] = checkCap
  const keys = ['status', 'expected_response', 'name', 'scenario', 'check']
  maxCap = 0
  for (let t = 0; t < TABLES; t++) {
    counts[t] = 0
    if (caps[t] > maxCap) maxCap = caps[t]
    keyAt[t] = ascii(keys[t])
    keyLength[t] = keys[t].length
  }
  const targets = [
    'http_req_duration',
    'checks',
    'vus',
    'iterations',
    'dropped_iterations'
  ]
  for (let k = 0; k < 5; k++) {
    targetName[k] = ascii(targets[k])
    targetLength[k] = targets[k].length
  }
  metricPrefix = ascii(METRIC_PREFIX)
  headerPrefix = ascii(HEADER_PREFIX)
  pointTime = ascii(POINT_TIME)
  valueKey = ascii(VALUE_KEY)
  const slotBytes = <usize>(TABLES * SLOTS * 4)
  slots = heap.alloc(slotBytes)
  memory.fill(slots, 0, slotBytes)
  valueAt = heap.alloc(<usize>(TABLES * maxCap * 4))
  valueLength = heap.alloc(<usize>(TABLES * maxCap * 4))
  newValues = heap.alloc(<usize>(TABLES * (maxCap + 1) * NEW_VALUE))
  const checkBytes = <usize>((checkCap + 1) * 8)
  checkCounts = heap.alloc(checkBytes)
  memory.fill(checkCounts, 0, checkBytes)
  timeBase = heap.alloc(<usize>TIME_BASE_CAP)
  ids = heap.alloc(16)
}

/**
 * Room for `length` bytes of input and the records they can make; returns
 * where to write them. Grows, never shrinks.
 */
export function reserve(length: i32): usize {
  if (length > inputCap) {
    // Whole megabytes, so that a chunk plus a carried line fits next time,
    // and at least double: the stub runtime never frees, so what growth
    // leaves behind stays below what is in use.
    let cap = (length + 0x10000 + 0xfffff) & ~0xfffff
    if (cap < inputCap * 2) cap = inputCap * 2
    // Slack past the end: the newline search reads 16 bytes at a time.
    input = heap.alloc(<usize>cap + 64)
    // A sample line is at least 48 bytes, a header line 16.
    records = heap.alloc(<usize>((cap / 40 + 4) * RECORD))
    headers = heap.alloc(<usize>((cap / 16 + 4) * HEADER))
    inputCap = cap
  }
  return input
}

export function recordsAt(): usize {
  return records
}
export function newValuesAt(): usize {
  return newValues
}
export function headersAt(): usize {
  return headers
}
export function checkCountsAt(): usize {
  return checkCounts
}

/**
 * Read the complete lines of input[0, length) and return where the first
 * incomplete one starts: the caller keeps those bytes for the next call.
 */
export function parse(length: i32): i32 {
  recordCount = 0
  newValueCount = 0
  headerCount = 0
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

/** The first '\n' in [from, end), or `end`. */
function findNewline(from: usize, end: usize): usize {
  const newline = i8x16.splat(10)
  for (let at = from; at < end; at += 16) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(at), newline))
    if (mask != 0) {
      const found = at + <usize>ctz(mask)
      return found < end ? found : end
    }
  }
  return end
}

/** Whether the `length` bytes at `a` and `b` are the same. */
function same(a: usize, b: usize, length: i32): bool {
  let i = 0
  for (; i + 8 <= length; i += 8) {
    if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false
  }
  for (; i < length; i++) {
    if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false
  }
  return true
}

/** Whether [at, end) starts with the `length` bytes at `prefix`. */
function startsWith(at: usize, end: usize, prefix: usize, length: i32): bool {
  return at + <usize>length <= end && same(at, prefix, length)
}

function line(start: usize, end: usize): void {
  lineCount++
  if (
    load<u8>(start + 2) == 0x6d &&
    startsWith(start, end, metricPrefix, METRIC_PREFIX_LENGTH)
  ) {
    const nameAt = start + <usize>METRIC_PREFIX_LENGTH
    const kind = target(nameAt, end)
    if (kind < 0) return
    if (!point(nameAt + <usize>targetLength[kind], end)) {
      corruptCount++
      return
    }
    if (kind == 0) httpDuration(end)
    else if (kind == 1) check(end)
    else if (kind == 2) record(VUS)
    else if (kind == 3) iterationSum += sampleValue
    else record(DROPPED)
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
 * Which target metric's name starts at `at` (and ends there): one byte
 * tells each from the other names of its first letter, then the whole.
 */
function target(at: usize, end: usize): i32 {
  const c = load<u8>(at)
  let kind: i32
  if (c == 0x68) {
    if (load<u8>(at + 9) != 0x64) return -1 // http_req_d…
    kind = 0
  } else if (c == 0x63) {
    if (load<u8>(at + 6) != 0x22) return -1 // checks"
    kind = 1
  } else if (c == 0x76) {
    if (load<u8>(at + 3) != 0x22) return -1 // vus"
    kind = 2
  } else if (c == 0x69) {
    if (load<u8>(at + 9) != 0x73) return -1 // iterations
    kind = 3
  } else if (c == 0x64) {
    if (load<u8>(at + 1) != 0x72) return -1 // dr…
    kind = 4
  } else {
    return -1
  }
  const length = targetLength[kind]
  return at + <usize>length < end &&
    same(at, targetName[kind], length) &&
    load<u8>(at + <usize>length) == 0x22
    ? kind
    : -1
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
  let digits: f64 = 0
  while (i < end) {
    const c = <i32>load<u8>(i)
    if (c < 48 || c > 57) break
    digits = digits * 10 + <f64>(c - 48)
    i++
  }
  cursor = i
  return digits / fractionScale(<i32>(i - from))
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
  while (i < end) {
    const c = <i32>load<u8>(i)
    if (c < 48 || c > 57) break
    value = value * 10 + <f64>(c - 48)
    i++
  }
  const digits = <i32>(i - digitsAt)
  if (i < end && load<u8>(i) == 0x2e) {
    i++
    let scale: f64 = 1
    let fraction: f64 = 0
    while (i < end) {
      const c = <i32>load<u8>(i)
      if (c < 48 || c > 57) break
      if (scale < 1e15) {
        fraction = fraction * 10 + <f64>(c - 48)
        scale *= 10
      }
      i++
    }
    value += fraction / scale
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

/** The closing quote of a JSON string whose body starts at `at`, or end. */
function stringEnd(at: usize, end: usize): usize {
  for (let i = at; i < end; i++) {
    const c = load<u8>(i)
    if (c == 0x22) return i
    if (c == 0x5c) i++
  }
  return end
}

/**
 * Walk the `"tags":{"k":"v",…}` object from `from` once and put the id of
 * each of `count` keys (tables `first`…) in `ids`, -1 when absent; stop
 * once all are found (the long `url` tag is rarely needed).
 */
function readTagIds(from: usize, end: usize, first: i32, count: i32): void {
  for (let k = 0; k < 4; k++) store<i32>(ids + <usize>(k * 4), -1)
  let missing = count
  let at = from
  while (at < end && load<u8>(at) != 0x7b) at++
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
    let valueEnd: usize
    if (k < count) {
      let hash = HASH_SEED
      let i = valueStart
      for (; i < end; i++) {
        const c = <u32>load<u8>(i)
        if (c == 0x22) break
        hash = (hash ^ c) * HASH_PRIME
        if (c == 0x5c) {
          i++
          hash = (hash ^ (<u32>load<u8>(i))) * HASH_PRIME
        }
      }
      if (i >= end) return
      valueEnd = i
      const slot = ids + <usize>(k * 4)
      if (load<i32>(slot) < 0) missing--
      store<i32>(slot, intern(first + k, valueStart, valueEnd, hash))
    } else {
      valueEnd = stringEnd(valueStart, end)
      if (valueEnd >= end) return
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
  const copy = heap.alloc(<usize>length + 1)
  memory.copy(copy, at, <usize>length)
  const index = <usize>((table * maxCap + count) * 4)
  store<i32>(valueAt + index, <i32>copy)
  store<i32>(valueLength + index, length)
  store<i32>(tableSlots + <usize>(slot * 4), count + 1)
  counts[table] = count + 1
  const announce = newValues + <usize>(newValueCount * NEW_VALUE)
  store<i32>(announce, table)
  store<i32>(announce, count, 4)
  store<i32>(announce, <i32>(at - input), 8)
  store<i32>(announce, <i32>(end - input), 12)
  newValueCount++
  return count
}

function httpDuration(end: usize): void {
  readTagIds(cursor, end, 0, 4)
  record(HTTP)
}

/** Checks are counted here: passes and fails per check id. */
function check(end: usize): void {
  readTagIds(cursor, end, CHECK_TABLE, 1)
  let id = load<i32>(ids)
  // No check tag: counted under the empty name.
  if (id < 0) id = intern(CHECK_TABLE, cursor, cursor, HASH_SEED)
  const at = checkCounts + <usize>(id * 8) + (sampleValue != 0 ? 0 : 4)
  store<i32>(at, load<i32>(at) + 1)
}

function record(kind: i32): void {
  const at = records + <usize>(recordCount * RECORD)
  store<i32>(at, kind)
  store<i32>(at, load<i32>(ids), 4)
  store<i32>(at, load<i32>(ids, 4), 8)
  store<i32>(at, load<i32>(ids, 8), 12)
  store<i32>(at, load<i32>(ids, 12), 16)
  store<f64>(at, sampleTime, 24)
  store<f64>(at, sampleValue, 32)
  recordCount++
}
