import { withoutCredentials } from '../shared/urls.js'
import { MetricLineReader } from './line-reader.js'
import { sampleTags, sampleTime, sampleValue, tagNames } from './taps.js'

/**
 * A paired run's samples by target, from results.json: each request's
 * http_req_duration with its `target` tag (change or reference), its
 * time, and whether it failed (http_req_failed). Follow-up polls and the
 * health checks are left out: the pairs are the endpoints' requests, and
 * of them the ones that worked (expected_response:true).
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

export interface PairedSamples {
  samples: PairedSample[]
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

/** The tags a paired sample needs, read in one pass. */
const TAGS = tagNames('target', 'name', 'expected_response', 'url')

export class PairedReader extends MetricLineReader {
  private readonly out: PairedSamples = {
    samples: [],
    failed: { change: 0, reference: 0 },
    requests: { change: 0, reference: 0 }
  }

  /** One string per endpoint name, however many samples carry it. */
  private readonly names = new Map<string, string>()

  /** The base URL every request of `only`'s run should go to. */
  private readonly base?: string

  constructor(
    private readonly only?: PairedSample['target'],
    expectedBase?: string
  ) {
    super(['http_req_duration', 'http_req_failed'])
    if (only && expectedBase) {
      this.base = withoutCredentials(expectedBase).replace(/\/+$/, '')
      this.out.elsewhere = { change: 0, reference: 0 }
      this.out.withUrl = { change: 0, reference: 0 }
    }
  }

  finish(): PairedSamples {
    this.flush()
    return this.out
  }

  /** A request's URL tag names a URL under the expected base. */
  private under(url: string): boolean {
    if (!this.base) return false
    const plain = withoutCredentials(url)
    return (
      plain === this.base ||
      plain.startsWith(`${this.base}/`) ||
      plain.startsWith(`${this.base}?`)
    )
  }

  /**
   * A sample line read in place (value, time and the tags it needs): a
   * paired run has two lines a request, and JSON.parse of each was most
   * of its reading.
   */
  override sample(
    metric: string,
    bytes: Buffer,
    start: number,
    end: number
  ): void {
    const failed = metric === 'http_req_failed'
    const [tagged, tagName, expected, url] = sampleTags(bytes, start, end, TAGS)
    const target = this.only ?? tagged
    if (target !== 'change' && target !== 'reference') return
    const name = tagName ?? ''
    if (!this.only && (name === 'health' || name.endsWith(' (follow)'))) return
    const value = sampleValue(bytes, start, end)
    if (value === undefined) return
    if (failed) {
      this.failedSample(target, value, url)
      return
    }
    // A failed request's latency is not the service's (a refused
    // connection answers at once): the pairs are the requests that worked.
    if (expected === 'false') return
    const timeMs = Date.parse(sampleTime(bytes, start, end) ?? '')
    if (!Number.isFinite(timeMs)) return
    let known = this.names.get(name)
    if (known === undefined) this.names.set(name, (known = name))
    this.out.samples.push({ timeMs, target, value, name: known })
  }

  private failedSample(
    target: PairedSample['target'],
    value: number,
    url: string | undefined
  ): void {
    this.out.requests[target]++
    if (value !== 0) this.out.failed[target]++
    if (!this.out.elsewhere || !this.out.withUrl) return
    if (url !== undefined && /^https?:\/\//.test(url)) {
      this.out.withUrl[target]++
      if (!this.under(url)) this.out.elsewhere[target]++
    }
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
  const first = (s: PairedSamples): number =>
    s.samples.reduce((min, x) => Math.min(min, x.timeMs), Infinity)
  const skew = first(change) - first(reference)
  const shift = Number.isFinite(skew) ? skew : 0
  return {
    samples: [
      ...change.samples,
      ...reference.samples.map((x) => ({ ...x, timeMs: x.timeMs + shift }))
    ],
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
