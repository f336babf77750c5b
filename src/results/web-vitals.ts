import { TrendSink } from '../k6/sinks.js'
import { MetricLineReader } from './line-reader.js'

/**
 * Web Vitals per page from results.json: k6/browser writes a sample of
 * `browser_web_vital_<vital>` for each page it measured, tagged with the
 * page's `url`. Read from the same bytes as the results analyser, only
 * the lines of those metrics parsed.
 */

export const VITALS = ['lcp', 'inp', 'cls', 'fcp', 'ttfb'] as const
export type Vital = (typeof VITALS)[number]

export interface PageVitals {
  url: string
  /** The 75th percentile of each vital measured (Web Vitals' convention). */
  p75: Partial<Record<Vital, number>>
  samples: Partial<Record<Vital, number>>
}

export class WebVitalsReader extends MetricLineReader {
  private readonly pages = new Map<string, Map<Vital, TrendSink>>()

  constructor() {
    super(VITALS.map((vital) => `browser_web_vital_${vital}`))
  }

  finish(): PageVitals[] {
    this.flush()
    return [...this.pages].map(([url, sinks]) => {
      const page: PageVitals = { url, p75: {}, samples: {} }
      for (const [vital, sink] of sinks) {
        page.p75[vital] = sink.percentile(0.75)
        page.samples[vital] = sink.count
      }
      return page
    })
  }

  protected override line(text: string): void {
    let sample: {
      metric?: string
      type?: string
      data?: { value?: unknown; tags?: { url?: unknown } }
    }
    try {
      sample = JSON.parse(text)
    } catch {
      return
    }
    if (sample.type !== 'Point') return
    const vital = sample.metric?.slice('browser_web_vital_'.length) as Vital
    const value = sample.data?.value
    const url = sample.data?.tags?.url
    if (!VITALS.includes(vital) || typeof value !== 'number') return
    if (typeof url !== 'string') return
    const sinks = this.pages.get(url) ?? new Map<Vital, TrendSink>()
    this.pages.set(url, sinks)
    let sink = sinks.get(vital)
    if (!sink) sinks.set(vital, (sink = new TrendSink()))
    sink.add(value)
  }
}

/**
 * Google's bands for each vital at p75: good up to the first, poor from
 * the second (web.dev/articles/vitals). CLS is a score, the rest ms.
 */
const VITAL_BANDS: Record<Vital, [number, number]> = {
  lcp: [2500, 4000],
  inp: [200, 500],
  cls: [0.1, 0.25],
  fcp: [1800, 3000],
  ttfb: [800, 1800]
}

export function vitalRating(
  vital: Vital,
  value: number
): 'good' | 'needs improvement' | 'poor' {
  const [good, poor] = VITAL_BANDS[vital]
  return value <= good ? 'good' : value <= poor ? 'needs improvement' : 'poor'
}
