import type { Kernel } from './kernel.js'

/**
 * A reader of chosen metrics' lines in results.json. The analyser's
 * kernel finds them as it reads every line anyway (tapMetric), and hands
 * each over in file order with the metric headers: no second search of
 * the bytes, no copy of them, no JSON.parse of lines nobody reads.
 */
export interface LineTap {
  /** The metrics whose sample lines it reads; the list may grow after a header. */
  metrics(): readonly string[]
  /** A metric header line (`{"type":"Metric",…}`): bytes[start, end). */
  header?(bytes: Buffer, start: number, end: number): void
  /** A sample line of one of its metrics: bytes[start, end). */
  sample(metric: string, bytes: Buffer, start: number, end: number): void
}

const HEADER = Buffer.from('{"type":"Metric",')
const pointOpening = (metric: string): Buffer =>
  Buffer.from(`{"metric":${JSON.stringify(metric)},"type":"Point"`)

/** The taps of one analyser: their metrics tapped in its kernel. */
export class KernelTaps {
  /** Tapped metric names by the kernel's number. */
  private readonly tapped: string[] = []
  private readonly known = new Set<string>()
  /** Metrics past the kernel's cap: found by a byte search instead. */
  private readonly searched: string[] = []

  constructor(private readonly taps: readonly LineTap[]) {}

  get empty(): boolean {
    return this.taps.length === 0
  }

  /** Tap in the kernel every metric a tap reads that is not tapped yet. */
  register(kernel: Kernel, memory: () => Buffer): void {
    for (const tap of this.taps) {
      for (const metric of tap.metrics()) {
        if (this.known.has(metric)) continue
        this.known.add(metric)
        const name = Buffer.from(`${JSON.stringify(metric).slice(1)}`)
        if (name.length > 256) {
          this.searched.push(metric)
          continue
        }
        memory().set(name, kernel.tapNameAt())
        const number = kernel.tapMetric(name.length)
        if (number < 0) this.searched.push(metric)
        else this.tapped[number] = metric
      }
    }
  }

  /**
   * The lines of the last parse() (bytes[input, input + consumed) of the
   * kernel's memory) to the taps, headers and samples in file order. A
   * metric a header made a tap read is tapped from the next parse(); in
   * this one, its lines after the header are found by a byte search.
   */
  dispatch(
    kernel: Kernel,
    memory: Buffer,
    input: number,
    consumed: number
  ): void {
    const headers = kernel.headerCount.value
    const samples = kernel.tappedCount.value
    let h = 0
    let s = 0
    while (h < headers || s < samples) {
      const headerAt = h < headers ? kernel.headerStart(h) : Infinity
      const sampleAt = s < samples ? kernel.tappedStart(s) : Infinity
      if (headerAt < sampleAt) {
        const end = input + kernel.headerEnd(h)
        const grown = this.header(memory, input + headerAt, end)
        for (const metric of grown) {
          this.search(metric, memory, end, input + consumed)
        }
        h++
      } else {
        const metric = this.tapped[kernel.tappedMetric(s)]
        this.sample(
          metric,
          memory,
          input + sampleAt,
          input + kernel.tappedEnd(s)
        )
        s++
      }
    }
    for (const metric of this.searched) {
      this.search(metric, memory, input, input + consumed)
    }
  }

  /** A header to every tap; the metrics it made them read, new. */
  private header(bytes: Buffer, start: number, end: number): string[] {
    const grown: string[] = []
    for (const tap of this.taps) {
      if (!tap.header) continue
      const before = tap.metrics().length
      tap.header(bytes, start, end)
      const after = tap.metrics()
      for (let i = before; i < after.length; i++) {
        if (!this.known.has(after[i])) grown.push(after[i])
      }
    }
    return [...new Set(grown)]
  }

  private sample(
    metric: string,
    bytes: Buffer,
    start: number,
    end: number
  ): void {
    for (const tap of this.taps) {
      if (tap.metrics().includes(metric)) tap.sample(metric, bytes, start, end)
    }
  }

  /** The metric's sample lines in bytes[from, to), found by their opening. */
  private search(
    metric: string,
    bytes: Buffer,
    from: number,
    to: number
  ): void {
    const needle = pointOpening(metric)
    for (let at = bytes.indexOf(needle, from); at >= 0 && at < to;) {
      const newline = bytes.indexOf(10, at)
      const stop = newline < 0 || newline > to ? to : newline
      if (at === from || bytes[at - 1] === 10) {
        this.sample(metric, bytes, at, stop)
      }
      at = bytes.indexOf(needle, stop)
    }
  }
}

/**
 * A tap fed raw bytes without an analyser (a test, a file read alone):
 * its lines found by a byte search, in file order.
 */
export class SearchFeed {
  private carry: Buffer | undefined

  constructor(private readonly tap: LineTap) {}

  push(chunk: Buffer): void {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    const end = bytes.lastIndexOf(10)
    if (end < 0) {
      this.carry = bytes
      return
    }
    this.scan(bytes, end + 1)
    this.carry = end + 1 < bytes.length ? bytes.subarray(end + 1) : undefined
  }

  /** The last line, when the bytes do not end in a newline. */
  flush(): void {
    if (!this.carry) return
    const last = Buffer.concat([this.carry, Buffer.from('\n')])
    this.carry = undefined
    this.scan(last, last.length)
  }

  private scan(bytes: Buffer, end: number): void {
    // Each opening's next line start; headers first among equals.
    const next = new Map<string, number>()
    const find = (metric: string, from: number): void => {
      const needle = metric === '' ? HEADER : pointOpening(metric)
      let at = bytes.indexOf(needle, from)
      while (at > 0 && bytes[at - 1] !== 10) at = bytes.indexOf(needle, at + 1)
      if (at >= 0 && at < end) next.set(metric, at)
      else next.delete(metric)
    }
    if (this.tap.header) find('', 0)
    for (const metric of this.tap.metrics()) find(metric, 0)
    while (next.size > 0) {
      let metric = ''
      let at = Infinity
      for (const [m, position] of next) {
        if (position < at || (position === at && m === '')) {
          at = position
          metric = m
        }
      }
      const newline = bytes.indexOf(10, at)
      const stop = newline < 0 ? end : newline
      if (metric === '') {
        const before = new Set(this.tap.metrics())
        this.tap.header?.(bytes, at, stop)
        for (const m of this.tap.metrics()) if (!before.has(m)) find(m, at)
        find('', at + 1)
      } else {
        this.tap.sample(metric, bytes, at, stop)
        find(metric, at + 1)
      }
    }
  }
}

// The fields of a sample line, read in place:
// {"metric":"…","type":"Point","data":{"time":"…","value":N,"tags":{…}}}

/**
 * Where `needle` first occurs in bytes[from, end), or -1: a plain loop,
 * cheaper than Buffer#indexOf's call over the few hundred bytes of a line.
 */
function find(
  bytes: Buffer,
  needle: Buffer,
  from: number,
  end: number
): number {
  const first = needle[0]
  const last = end - needle.length
  outer: for (let at = from; at <= last; at++) {
    if (bytes[at] !== first) continue
    for (let i = 1; i < needle.length; i++) {
      if (bytes[at + i] !== needle[i]) continue outer
    }
    return at
  }
  return -1
}

const VALUE = Buffer.from('"value":')
const TAGS = Buffer.from('"tags":{')

/** The sample's value, or undefined when the line has none. */
export function sampleValue(
  bytes: Buffer,
  start: number,
  end: number
): number | undefined {
  const at = valueAt(bytes, start, end)
  if (at < 0) return undefined
  let stop = at + VALUE.length
  while (stop < end && bytes[stop] !== 0x2c && bytes[stop] !== 0x7d) stop++
  const text = bytes.toString('latin1', at + VALUE.length, stop)
  const value = Number(text)
  return text.trim() !== '' && Number.isFinite(value) ? value : undefined
}

/**
 * Where `"value":` is: after the opening (`{"metric":"…","type":"Point",
 * "data":{"time":"`) and a time of 20 characters at least.
 */
function valueAt(bytes: Buffer, start: number, end: number): number {
  const quote = bytes.indexOf(0x22, start + 11)
  const skip = quote < 0 || quote >= end ? start : quote + 40
  const at = find(bytes, VALUE, skip, end)
  return at >= 0 || skip === start ? at : find(bytes, VALUE, start, end)
}

/**
 * The value of tag `key` of a sample line, decoded; undefined when the
 * sample has no such tag. Tag values are JSON strings: a key's opening
 * `"key":"` right after `{` or `,` is the key's, never text inside a
 * value (whose quotes are escaped).
 */
export function sampleTag(
  bytes: Buffer,
  start: number,
  end: number,
  key: Buffer
): string | undefined {
  const value = valueAt(bytes, start, end)
  const tags = find(bytes, TAGS, value < 0 ? start : value, end)
  if (tags < 0) return undefined
  let at = find(bytes, key, tags + TAGS.length, end)
  while (at >= 0) {
    const before = bytes[at - 1]
    if (before === 0x7b || before === 0x2c) {
      const from = at + key.length
      const { close, escaped } = stringEnd(bytes, from, end)
      if (close >= end) return undefined
      return escaped
        ? decodeJsonString(bytes, from, close)
        : bytes.toString('utf8', from, close)
    }
    at = find(bytes, key, at + 1, end)
  }
  return undefined
}

function decodeJsonString(
  bytes: Buffer,
  from: number,
  close: number
): string | undefined {
  try {
    return JSON.parse(bytes.toString('utf8', from - 1, close + 1)) as string
  } catch {
    return undefined
  }
}

/**
 * The JSON string value starting at `from` (after its opening quote): where
 * its closing quote is (`end` when none before it), and whether it holds
 * escapes.
 */
function stringEnd(
  bytes: Buffer,
  from: number,
  end: number
): { close: number; escaped: boolean } {
  let close = from
  let escaped = false
  while (close < end && bytes[close] !== 0x22) {
    if (bytes[close] === 0x5c) {
      escaped = true
      close++
    }
    close++
  }
  return { close, escaped }
}

/** The opening of a tag `key` in a sample line, for sampleTag. */
export function tagKey(key: string): Buffer {
  return Buffer.from(`${JSON.stringify(key)}:"`)
}
