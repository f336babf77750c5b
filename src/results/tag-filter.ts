import { ResultsAnalyser, type AnalyserLimits } from './analyser.js'
import type { ResultsAnalysis } from './types.js'

/**
 * results.json without the samples of one tag value, analysed as the
 * bytes stream by: the lines tagged `"key":"value"` (as k6 writes its
 * tags; quoted, the needle is the whole key and value, and inside another
 * string its quotes would be escaped) are cut out, and the rest goes through an analyser of its own.
 * A paired run's change target alone is the run without
 * `"target":"reference"`: its requests and checks, and what belongs to
 * neither (VUs, iterations), read as a single run against it would be.
 */
export class TagFilteredStream {
  private readonly analyser: ResultsAnalyser
  private readonly other: Buffer
  private carry: Buffer | undefined

  constructor(
    key: string,
    dropValue: string,
    limits: Partial<AnalyserLimits> = {}
  ) {
    this.analyser = new ResultsAnalyser(limits)
    this.other = Buffer.from(
      `${JSON.stringify(key)}:${JSON.stringify(dropValue)}`
    )
  }

  push(chunk: Buffer): void {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    const end = bytes.lastIndexOf(10) + 1
    this.carry = end < bytes.length ? bytes.subarray(end) : undefined
    if (end > 0) this.analyser.push(this.kept(bytes.subarray(0, end)))
  }

  finish(): ResultsAnalysis {
    if (this.carry) this.analyser.push(this.kept(this.carry))
    this.carry = undefined
    return this.analyser.finish()
  }

  /** The bytes without the dropped value's lines. */
  private kept(bytes: Buffer): Buffer {
    let at = bytes.indexOf(this.other)
    if (at < 0) return bytes
    const parts: Buffer[] = []
    let from = 0
    while (at >= 0) {
      const start = bytes.lastIndexOf(10, at) + 1
      const newline = bytes.indexOf(10, at)
      const stop = newline < 0 ? bytes.length : newline + 1
      if (start > from) parts.push(bytes.subarray(from, start))
      from = stop
      at = bytes.indexOf(this.other, stop)
    }
    if (from < bytes.length) parts.push(bytes.subarray(from))
    return Buffer.concat(parts)
  }
}
