/**
 * A paired run's samples by target, from results.json: each request's
 * http_req_duration with its `target` tag (change or reference), its
 * time, and whether it failed (http_req_failed). Follow-up polls and the
 * health checks are left out: the pairs are the endpoints' requests.
 */

export interface PairedSample {
  /** Epoch milliseconds. */
  timeMs: number
  target: 'change' | 'reference'
  /** Latency in ms. */
  value: number
}

export interface PairedSamples {
  samples: PairedSample[]
  failed: { change: number; reference: number }
  requests: { change: number; reference: number }
}

const DURATION = Buffer.from('{"metric":"http_req_duration","type":"Point"')
const FAILED = Buffer.from('{"metric":"http_req_failed","type":"Point"')

export class PairedReader {
  private readonly out: PairedSamples = {
    samples: [],
    failed: { change: 0, reference: 0 },
    requests: { change: 0, reference: 0 }
  }
  private carry: Buffer | undefined

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

  finish(): PairedSamples {
    if (this.carry) {
      const last = Buffer.concat([this.carry, Buffer.from('\n')])
      this.carry = undefined
      this.scan(last, last.length)
    }
    return this.out
  }

  private scan(bytes: Buffer, end: number): void {
    for (const needle of [DURATION, FAILED]) {
      for (let at = bytes.indexOf(needle); at >= 0 && at < end;) {
        const lineEnd = bytes.indexOf(10, at)
        const stop = lineEnd < 0 ? end : lineEnd
        if (at === 0 || bytes[at - 1] === 10)
          this.line(bytes.toString('utf8', at, stop), needle === FAILED)
        at = bytes.indexOf(needle, stop)
      }
    }
  }

  private line(text: string, failed: boolean): void {
    let data: {
      time?: string
      value?: unknown
      tags?: { target?: unknown; name?: unknown }
    }
    try {
      data = (JSON.parse(text) as { data: typeof data }).data
    } catch {
      return
    }
    const target = data.tags?.target
    if (target !== 'change' && target !== 'reference') return
    const name = String(data.tags?.name ?? '')
    if (name === 'health' || name.endsWith(' (follow)')) return
    if (typeof data.value !== 'number') return
    if (failed) {
      this.out.requests[target]++
      if (data.value !== 0) this.out.failed[target]++
      return
    }
    const timeMs = Date.parse(String(data.time))
    if (Number.isFinite(timeMs))
      this.out.samples.push({ timeMs, target, value: data.value })
  }
}
