import type { Finding } from '../results/findings.js'

/** A finding in words: a title and a sentence or two of detail. */
export function findingText(finding: Finding): {
  title: string
  detail: string
} {
  if (finding.kind === 'drift') {
    const d = finding.drift
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
    return {
      title:
        finding.severity === 'warning'
          ? 'Performance degraded over the run'
          : 'No drift over the run',
      detail:
        `p95 went from ${d.firstP95.toFixed(1)} ms (first steady windows) to ${d.lastP95.toFixed(1)} ms ` +
        `(last windows), ${d.p95Change >= 0 ? '+' : ''}${pct(d.p95Change)}, ` +
        `${Math.abs(d.p95Z).toFixed(1)}× the run's own window-to-window variation (${pct(d.noise)}) in ${d.windows} windows; ` +
        `error rate ${pct(d.firstErrorRate)} → ${pct(d.lastErrorRate)}.`
    }
  }
  const c = finding.capacity
  return {
    title: `Sustained ${c.sustainedRps.toFixed(0)} req/s for ${c.heldS.toFixed(0)} s within the limits`,
    detail:
      (c.breachedAtS !== undefined
        ? `The ${c.breachedBy} limit was crossed ${c.breachedAtS.toFixed(0)} s into the run, and stayed crossed. `
        : 'The limits held for the whole run: the breaking point is higher. ') +
      (c.productionRps !== undefined && c.factor !== undefined
        ? `With the capacity model's factor of ${Number(c.factor.toFixed(2))}, production would hold about ${c.productionRps.toFixed(0)} req/s.`
        : '')
  }
}

/** A finding as perf-gate-result.json lists it: words and figures. */
export function describeFinding(finding: Finding): {
  title: string
  detail: string
  figures: Record<string, number>
} {
  const data = finding.kind === 'drift' ? finding.drift : finding.capacity
  return {
    ...findingText(finding),
    figures: Object.fromEntries(
      Object.entries(data).filter(([, v]) => typeof v === 'number')
    ) as Record<string, number>
  }
}
