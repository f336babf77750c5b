import { NeedleLineReader } from './line-reader.js'

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

export class PairedReader extends NeedleLineReader {
  private readonly out: PairedSamples = {
    samples: [],
    failed: { change: 0, reference: 0 },
    requests: { change: 0, reference: 0 }
  }

  constructor() {
    super([DURATION, FAILED])
  }

  finish(): PairedSamples {
    this.flush()
    return this.out
  }

  protected line(text: string, needle: number): void {
    const failed = needle === 1
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
