import type { ChunkReader } from './analyser.js'

const NEEDLE = Buffer.from('{"metric":"http_reqs","type":"Point"')

/**
 * The requests in each of several results files, counted as their bytes
 * stream by: a complete `http_reqs` Point line is one request (k6 writes
 * one per request, and its summary counts the same). A line cut short by
 * the end of a file does not count. No line is decoded.
 */
export class RequestCounter implements ChunkReader {
  /** Requests per file, in the order the files were fed. */
  readonly perFile: number[] = []
  private carry: Buffer | undefined

  /** The next bytes are another file's. */
  nextFile(): void {
    this.finishFile()
    this.perFile.push(0)
  }

  push(chunk: Buffer): void {
    if (this.perFile.length === 0) this.perFile.push(0)
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    const end = bytes.lastIndexOf(10)
    if (end < 0) {
      this.carry = bytes
      return
    }
    for (let at = bytes.indexOf(NEEDLE); at >= 0 && at < end;) {
      if (at === 0 || bytes[at - 1] === 10)
        this.perFile[this.perFile.length - 1]++
      at = bytes.indexOf(NEEDLE, at + NEEDLE.length)
    }
    this.carry = end + 1 < bytes.length ? bytes.subarray(end + 1) : undefined
  }

  /** A last line without its newline counts when it is whole JSON. */
  finishFile(): void {
    const last = this.carry
    this.carry = undefined
    if (!last || this.perFile.length === 0) return
    if (last.subarray(0, NEEDLE.length).equals(NEEDLE)) {
      try {
        JSON.parse(last.toString('utf8'))
        this.perFile[this.perFile.length - 1]++
      } catch {
        // cut short
      }
    }
  }
}
