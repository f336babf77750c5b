import { withoutCredentials } from '../shared/urls.js'
import type { LineTap } from './taps.js'
import { sampleTag, tagKey } from './taps.js'

/**
 * A paired run's samples by target, from results.json: each request's
 * http_req_duration with its `target` tag (change or reference), its
 * time, and whether it failed (its expected_response tag, which k6's
 * http_req_failed is derived from). The analyser's kernel reads them as it
 * reads every line (pairSamples); nothing here parses a line. Follow-up
 * polls and the health checks are left out: the pairs are the endpoints'
 * requests, and of them the ones that worked (expected_response:true).
 * A file of one target's run alone (a script of the user's, run once per
 * target) is read with that target: all its requests are that target's.
 */

export interface PairedSample {
  /** Epoch milliseconds. */
  timeMs: number
  target: 'change' | 'reference'
  /** Latency in ms. */
  value: number
  /** The request's endpoint (its name tag): each has its own speed. */
  name?: string
}

const TARGETS = ['change', 'reference'] as const

/**
 * Samples in columns: 21 bytes each (a long run has millions), where an
 * object per sample took about 100 and left the collector its garbage.
 */
export class SampleColumns {
  length = 0
  timeMs = new Float64Array(1024)
  value = new Float64Array(1024)
  /** 0: change, 1: reference. */
  target = new Uint8Array(1024)
  /** Index into `names`. */
  name = new Uint32Array(1024)
  readonly names: string[] = []
  private readonly ids = new Map<string, number>()

  static from(samples: readonly PairedSample[]): SampleColumns {
    const columns = new SampleColumns()
    for (const s of samples) columns.push(s.timeMs, s.target, s.value, s.name)
    return columns
  }

  push(
    timeMs: number,
    target: PairedSample['target'],
    value: number,
    name = ''
  ): void {
    if (this.length === this.timeMs.length) this.grow()
    let id = this.ids.get(name)
    if (id === undefined) {
      id = this.names.length
      this.names.push(name)
      this.ids.set(name, id)
    }
    const i = this.length++
    this.timeMs[i] = timeMs
    this.value[i] = value
    this.target[i] = target === 'change' ? 0 : 1
    this.name[i] = id
  }

  targetOf(i: number): PairedSample['target'] {
    return TARGETS[this.target[i]]
  }

  at(i: number): PairedSample {
    return {
      timeMs: this.timeMs[i],
      target: this.targetOf(i),
      value: this.value[i],
      name: this.names[this.name[i]]
    }
  }

  toArray(): PairedSample[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i))
  }

  private grow(): void {
    const size = this.timeMs.length * 2
    const more = <T extends Float64Array | Uint8Array | Uint32Array>(
      old: T,
      make: new (n: number) => T
    ): T => {
      const next = new make(size)
      next.set(old)
      return next
    }
    this.timeMs = more(this.timeMs, Float64Array)
    this.value = more(this.value, Float64Array)
    this.target = more(this.target, Uint8Array)
    this.name = more(this.name, Uint32Array)
  }
}

export interface PairedSamples {
  samples: SampleColumns
  failed: { change: number; reference: number }
  requests: { change: number; reference: number }
  /**
   * A target's run alone (a script of the user's): of its requests whose
   * `url` tag is a URL (k6 sets it to the `name` tag when one is given),
   * how many there were, and how many went elsewhere than the target's
   * base URL (the script ignored BASE_URL).
   */
  elsewhere?: { change: number; reference: number }
  withUrl?: { change: number; reference: number }
  /**
   * Two runs, one per target (joinTargets): how much later the change's
   * first request came than the reference's, before they were lined up.
   */
  startSkewMs?: number
}

/** A paired run's requests, as the analyser's kernel reads them. */
export interface PairSink {
  /**
   * One http_req_duration sample: its time (epoch ms, whole), latency, and its
   * name and target tags (undefined when absent); failed when its
   * expected_response is false.
   */
  request(
    timeMs: number,
    value: number,
    name: string | undefined,
    target: string | undefined,
    failed: boolean
  ): void
  /** Lines of http_req_failed, when the sink needs them (their url tag). */
  readonly tap?: LineTap
}

const URL_KEY = tagKey('url')

export class PairedReader implements PairSink {
  private readonly out: PairedSamples = {
    samples: new SampleColumns(),
    failed: { change: 0, reference: 0 },
    requests: { change: 0, reference: 0 }
  }

  /** The base URL every request of `only`'s run should go to. */
  private readonly base?: string

  readonly tap?: LineTap

  constructor(
    private readonly only?: PairedSample['target'],
    expectedBase?: string
  ) {
    if (only && expectedBase) {
      this.base = withoutCredentials(expectedBase).replace(/\/+$/, '')
      this.out.elsewhere = { change: 0, reference: 0 }
      this.out.withUrl = { change: 0, reference: 0 }
      this.tap = {
        metrics: () => ['http_req_failed'],
        sample: (_metric, bytes, start, end) =>
          this.url(only, sampleTag(bytes, start, end, URL_KEY))
      }
    }
  }

  finish(): PairedSamples {
    return this.out
  }

  request(
    timeMs: number,
    value: number,
    name: string | undefined,
    tagged: string | undefined,
    failed: boolean
  ): void {
    const target = this.only ?? tagged
    if (target !== 'change' && target !== 'reference') return
    if (
      !this.only &&
      name !== undefined &&
      (name === 'health' || name.endsWith(' (follow)'))
    )
      return
    this.out.requests[target]++
    if (failed) {
      this.out.failed[target]++
      // A failed request's latency is not the service's (a refused
      // connection answers at once): the pairs are the requests that worked.
      return
    }
    this.out.samples.push(timeMs, target, value, name)
  }

  /** A request's url tag: a URL under the expected base, or elsewhere. */
  private url(target: PairedSample['target'], url: string | undefined): void {
    if (!this.out.elsewhere || !this.out.withUrl || !this.base) return
    if (url === undefined || !/^https?:\/\//.test(url)) return
    this.out.withUrl[target]++
    const plain = withoutCredentials(url)
    const under =
      plain === this.base ||
      plain.startsWith(`${this.base}/`) ||
      plain.startsWith(`${this.base}?`)
    if (!under) this.out.elsewhere[target]++
  }
}

/**
 * The samples of two runs started together, one per target, as one paired
 * run: the reference's times moved so that both first requests fall at
 * the same moment (k6 processes take their own time to start).
 */
export function joinTargets(
  change: PairedSamples,
  reference: PairedSamples
): PairedSamples {
  const first = (s: SampleColumns): number => {
    let min = Infinity
    for (let i = 0; i < s.length; i++) min = Math.min(min, s.timeMs[i])
    return min
  }
  const skew = first(change.samples) - first(reference.samples)
  const shift = Number.isFinite(skew) ? skew : 0
  const samples = new SampleColumns()
  for (const [side, by] of [
    [change.samples, 0],
    [reference.samples, shift]
  ] as const) {
    for (let i = 0; i < side.length; i++) {
      samples.push(
        side.timeMs[i] + by,
        side.targetOf(i),
        side.value[i],
        side.names[side.name[i]]
      )
    }
  }
  return {
    samples,
    failed: {
      change: change.failed.change,
      reference: reference.failed.reference
    },
    requests: {
      change: change.requests.change,
      reference: reference.requests.reference
    },
    ...(change.elsewhere || reference.elsewhere
      ? {
          elsewhere: {
            change: change.elsewhere?.change ?? 0,
            reference: reference.elsewhere?.reference ?? 0
          },
          withUrl: {
            change: change.withUrl?.change ?? 0,
            reference: reference.withUrl?.reference ?? 0
          }
        }
      : {}),
    startSkewMs: shift
  }
}
