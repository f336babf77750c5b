import { endpointMetrics, requestsNeeded } from './compare.js'

/**
 * What a run will be able to judge, known before k6 starts from the
 * requests its plan sends: the comparison needs 10 requests beyond a
 * percentile (p95: 200, p99: 1,000) and 20 for an endpoint's median.
 * Decisions only; report/load-plan.ts words them.
 */
export interface Judgeable {
  /** Requests the plan sends in all (per target, paired). */
  requests: number
  overall: FigureReach[]
  /** Busiest first. */
  endpoints: (FigureReach & { name: string; share: number })[]
}

interface FigureReach {
  /** The latency statistic judged, or undefined: too few requests. */
  latency?: 'p95' | 'p99' | 'p50'
  requests: number
  /** What the next statistic up needs, when this run does not reach it. */
  next?: { latency: 'p50' | 'p95' | 'p99'; needs: number }
}

export function judgeable(perEndpoint: ReadonlyMap<string, number>): Judgeable {
  const requests = [...perEndpoint.values()].reduce((a, b) => a + b, 0)
  const rounded = Math.round(requests)
  const p95 = requestsNeeded('p95')
  const p99 = requestsNeeded('p99')
  const overall: FigureReach[] = [
    rounded >= p99
      ? { latency: 'p99', requests: rounded }
      : rounded >= p95
        ? {
            latency: 'p95',
            requests: rounded,
            next: { latency: 'p99', needs: p99 }
          }
        : { requests: rounded, next: { latency: 'p95', needs: p95 } }
  ]
  const endpoints = [...perEndpoint]
    .map(([name, n]) => {
      const count = Math.floor(n)
      const median = requestsNeeded('p50')
      const latency =
        count >= median
          ? (endpointMetrics(count)[0] as 'p95' | 'p50')
          : undefined
      return {
        name,
        share: requests > 0 ? n / requests : 0,
        requests: count,
        latency,
        ...(latency === 'p95'
          ? {}
          : latency === 'p50'
            ? { next: { latency: 'p95' as const, needs: p95 } }
            : { next: { latency: 'p50' as const, needs: median } })
      }
    })
    .sort((a, b) => b.requests - a.requests)
  return { requests: rounded, overall, endpoints }
}
