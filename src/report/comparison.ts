import {
  formatMetricValue,
  METRICS,
  type Comparison,
  type MetricComparison,
  type Status
} from '../baseline/compare.js'
import type { BaselineEntry } from '../baseline/entry.js'
import type { RegressionGate } from '../baseline/gate.js'
import { cell, formatMs, formatPercent, formatSignedPercent } from './format.js'

export interface ComparisonReport {
  comparison?: Comparison
  gate: RegressionGate
  current: BaselineEntry
  /** Where the baseline was read from, or why it was not. */
  store: string
  /** Why no comparison was attempted, when none was. */
  skipped?: string
  /** For "x days ago"; tests pin it. */
  now?: Date
}

const STATUS: Record<Status, string> = {
  regression: '❌ regression',
  warning: '⚠️ slower',
  ok: '✅ ok',
  improved: '🚀 better',
  inconclusive: '⚪ not judged',
  'no-baseline': '— new'
}

const SHOWN_ENDPOINTS = 10
const CHART_POINTS = 40

/** The baseline section of the job summary and the PR comment. */
export function renderComparison(report: ReportInput): string[] {
  const { comparison, gate, current } = report
  const out: string[] = ['### Compared with the baseline', '']
  if (report.skipped) {
    out.push(`Not compared with a baseline: ${report.skipped}.`, '')
    return out
  }
  if (!comparison || comparison.history.length === 0) {
    out.push(
      `No baseline yet for the \`${current.objective}\` objective and this load shape (${report.store}): ` +
        'this run was not gated on regressions. Baselines are written by passing push and schedule runs ' +
        `on the default branch that run the same objective${
          current.objective === 'smoke'
            ? ' (with the default triggers pushes run `load`: add a step with `objective: smoke` on pushes, see the README)'
            : ''
        }.`,
      ''
    )
    return out
  }
  out.push(baselineLine(report, comparison), '')
  if (gate.note && comparison.fingerprintChanged) {
    out.push(`> ⚠️ ${capital(gate.note)}.`, '')
  }
  if (gate.waivedBy && gate.regressions.length > 0) {
    out.push(
      `> 🏷️ Regressions waived by the \`${gate.waivedBy}\` label: reported, not failed.`,
      ''
    )
  }
  out.push(
    '| Metric | Baseline | This run | Δ | Verdict |',
    '|---|---|---|---|---|',
    ...comparison.metrics.map(metricRow),
    ''
  )
  const evidence = [...comparison.metrics, ...comparison.endpoints].filter(
    (c) => c.reason
  )
  if (evidence.length) {
    out.push(
      ...evidence.map(
        (c) =>
          `- ${STATUS[c.status]} ${c.scope === 'overall' ? '' : `\`${cell(c.scope)}\` `}${c.reason}`
      ),
      ''
    )
  }
  out.push(...endpointTable(comparison))
  out.push(...charts(current, comparison.reference))
  out.push(
    `<sub>A regression is beyond the tolerance, beyond the absolute floor and beyond the noise ` +
      `(robust z > 3 over ≥ 5 runs of history, else a Mann–Whitney test of the time buckets, p < 0.01).</sub>`,
    ''
  )
  return out
}

type ReportInput = ComparisonReport

function baselineLine(report: ReportInput, comparison: Comparison): string {
  const ref = comparison.reference
  if (!ref) return ''
  const age = ageText(ref.date, report.now ?? new Date())
  const commit = `\`${ref.commit.slice(0, 7)}\``
  const runs = comparison.history.length
  const basis =
    runs >= 5
      ? `median of the last ${runs} runs`
      : `${runs} run${runs === 1 ? '' : 's'} so far (statistics get firmer at 5)`
  const link = ref.runUrl ? ` · [run](${ref.runUrl})` : ''
  return `Baseline: ${commit} on \`${ref.ref.replace(/^refs\/heads\//, '')}\`, ${age} · ${basis} · ${report.store}${link}`
}

function metricRow(c: MetricComparison): string {
  const spec = METRICS[c.metric]
  return `| ${spec.label} | ${formatMetricValue(c.metric, c.baseline)} | ${formatMetricValue(c.metric, c.current)} | ${delta(c)} | ${STATUS[c.status]} |`
}

function delta(c: MetricComparison): string {
  if (c.baseline === undefined || c.current === undefined) return ''
  if (METRICS[c.metric].unit === 'ratio') {
    const pp = (c.current - c.baseline) * 100
    return `${pp >= 0 ? '+' : ''}${pp.toFixed(2)} pp`
  }
  if (c.deltaPct === undefined || !Number.isFinite(c.deltaPct)) return ''
  return formatSignedPercent(c.deltaPct)
}

function endpointTable(comparison: Comparison): string[] {
  const byName = new Map<string, MetricComparison[]>()
  for (const c of comparison.endpoints) {
    byName.set(c.scope, [...(byName.get(c.scope) ?? []), c])
  }
  if (byName.size === 0) return []
  const header = [
    '| Endpoint | p95 baseline | p95 now | Δ | Errors baseline | Errors now | Verdict |',
    '|---|---|---|---|---|---|---|'
  ]
  const rank = (list: MetricComparison[]): number =>
    Math.min(...list.map((c) => order(c.status)))
  const rows = [...byName.entries()].map(([name, list]) => {
    const p95 = list.find((c) => c.metric === 'p95')
    const errors = list.find((c) => c.metric === 'errorRate')
    const worst = [...list].sort((a, b) => order(a.status) - order(b.status))[0]
    return `| ${cell(name)} | ${formatMs(p95?.baseline)} | ${formatMs(p95?.current)} | ${p95 ? delta(p95) : ''} | ${formatPercent(errors?.baseline)} | ${formatPercent(errors?.current)} | ${STATUS[worst.status]} |`
  })
  // Busiest first (the order compare() gives), problems never hidden.
  const entries = [...byName.values()]
  const shown: string[] = []
  const rest: string[] = []
  rows.forEach((row, i) => {
    if (i < SHOWN_ENDPOINTS || rank(entries[i]) <= order('warning')) {
      shown.push(row)
    } else rest.push(row)
  })
  const out = ['#### Endpoints', '', ...header, ...shown, '']
  if (rest.length) {
    out.push(
      `<details><summary>${rest.length} more endpoint${rest.length === 1 ? '' : 's'}</summary>`,
      '',
      ...header,
      ...rest,
      '',
      '</details>',
      ''
    )
  }
  return out
}

function order(status: Status): number {
  return [
    'regression',
    'warning',
    'inconclusive',
    'improved',
    'ok',
    'no-baseline'
  ].indexOf(status)
}

/** Mermaid xychart-beta: this run's p95 and throughput over the run, with the baseline's. */
export function charts(
  current: BaselineEntry,
  reference: BaselineEntry | undefined
): string[] {
  const out: string[] = []
  const span = current.series.bucketSeconds * current.series.p95.length
  if (current.series.p95.length < 2 || !(span > 0)) return out
  // Short runs get tenths of a second, or the axis repeats itself.
  const axis = Array.from({ length: CHART_POINTS }, (_, i) =>
    Number(((span * i) / CHART_POINTS).toFixed(span < CHART_POINTS ? 1 : 0))
  )
  for (const [key, title, unit] of [
    ['p95', 'p95 latency', 'ms'],
    ['rps', 'Throughput', 'requests/s']
  ] as const) {
    const mine = resample(current.series[key])
    const theirs = reference ? resample(reference.series[key]) : undefined
    const values = [...mine, ...(theirs ?? [])].filter((v) => v !== null)
    if (values.length === 0) continue
    const top = niceCeiling(Math.max(...(values as number[])))
    out.push(
      '```mermaid',
      'xychart-beta',
      `  title "${title} over the run (${unit})${theirs ? ': this run, then the baseline' : ''}"`,
      `  x-axis "seconds" [${axis.join(', ')}]`,
      `  y-axis "${unit}" 0 --> ${top}`,
      `  line [${mine.map((v) => fmt(v)).join(', ')}]`,
      ...(theirs ? [`  line [${theirs.map((v) => fmt(v)).join(', ')}]`] : []),
      '```',
      ''
    )
  }
  if (out.length && reference) {
    out.unshift(
      '<details><summary>Charts: this run (first line) against the baseline (second line)</summary>',
      ''
    )
    out.push('</details>', '')
  } else if (out.length) {
    out.unshift('<details><summary>Charts</summary>', '')
    out.push('</details>', '')
  }
  return out
}

/** Any number of buckets → CHART_POINTS points, by share of the run. */
function resample(series: (number | null)[]): (number | null)[] {
  return Array.from({ length: CHART_POINTS }, (_, i) => {
    const from = Math.floor((i * series.length) / CHART_POINTS)
    const to = Math.max(
      from + 1,
      Math.floor(((i + 1) * series.length) / CHART_POINTS)
    )
    const slice = series
      .slice(from, to)
      .filter((v): v is number => typeof v === 'number')
    return slice.length ? slice.reduce((a, b) => a + b, 0) / slice.length : null
  })
}

function fmt(v: number | null): string {
  // xychart-beta has no gaps: an empty bucket is drawn at 0.
  return v === null ? '0' : String(Number(v.toFixed(v >= 100 ? 0 : 1)))
}

function niceCeiling(v: number): number {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p
  return 10 * p
}

function ageText(date: string, now: Date): string {
  const ms = now.getTime() - new Date(date).getTime()
  if (!Number.isFinite(ms)) return 'date unknown'
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `${Math.max(minutes, 0)} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} h ago`
  return `${Math.round(hours / 24)} days ago`
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
