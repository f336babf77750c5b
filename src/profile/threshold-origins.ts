import type { Profile } from './schema.js'

/**
 * Where each threshold of the generated script came from in the profile:
 * its metric key and expression (as thresholdsFor writes them) and the key
 * path of the line that declared it, so a crossed threshold is annotated
 * on the profile's line, as a script's is on the script's.
 */
interface ThresholdOrigin {
  key: string
  expression: string
  keyPath: (string | number)[]
}

const SLO: Record<string, [string, (v: number) => string]> = {
  p95: ['http_req_duration', (v) => `p(95)<${v}`],
  p99: ['http_req_duration', (v) => `p(99)<${v}`],
  p99_9: ['http_req_duration', (v) => `p(99.9)<${v}`],
  error_rate: ['http_req_failed', (v) => `rate<${v}`],
  min_rps: ['http_reqs', (v) => `rate>${v}`],
  checks: ['checks', (v) => `rate>${v}`]
}

export function thresholdOrigins(profile: Profile): ThresholdOrigin[] {
  const out: ThresholdOrigin[] = []
  const slo = (
    values: Record<string, number | undefined> | undefined,
    suffix: string,
    at: (string | number)[]
  ): void => {
    for (const [name, value] of Object.entries(values ?? {})) {
      const rule = SLO[name]
      if (!rule || value === undefined) continue
      out.push({
        key: `${rule[0]}${suffix}`,
        expression: rule[1](value),
        keyPath: [...at, name]
      })
    }
  }
  const k6 = (
    lists: Record<string, string[]> | undefined,
    suffix: string,
    at: (string | number)[]
  ): void => {
    for (const [metric, list] of Object.entries(lists ?? {})) {
      list.forEach((expression, i) =>
        out.push({
          key: `${metric}${suffix}`,
          expression,
          keyPath: [...at, metric, i]
        })
      )
    }
  }
  slo(profile.thresholds?.slo, '', ['thresholds', 'slo'])
  k6(profile.thresholds?.k6, '', ['thresholds', 'k6'])
  profile.endpoints?.forEach((e, i) => {
    const suffix = `{name:${e.name}}`
    slo(e.thresholds?.slo, suffix, ['endpoints', i, 'thresholds', 'slo'])
    e.thresholds?.k6?.forEach((expression, j) =>
      out.push({
        key: `http_req_duration${suffix}`,
        expression,
        keyPath: ['endpoints', i, 'thresholds', 'k6', j]
      })
    )
  })
  profile.pools?.forEach((p, i) => {
    const suffix = `{pool:${p.name}}`
    slo(p.thresholds?.slo, suffix, ['pools', i, 'thresholds', 'slo'])
    p.thresholds?.k6?.forEach((expression, j) =>
      out.push({
        key: `http_req_duration${suffix}`,
        expression,
        keyPath: ['pools', i, 'thresholds', 'k6', j]
      })
    )
  })
  k6(profile.browser?.thresholds, '', ['browser', 'thresholds'])
  return out
}

/** A metric key without a paired plan's `target:change` narrowing. */
export function withoutTarget(key: string): string {
  return key.replace(/\{target:change\}$/, '').replace(/,target:change\}$/, '}')
}
