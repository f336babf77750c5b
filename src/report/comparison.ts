import type { BaselineEntry } from '../baseline/entry.js'
import {
  METRICS,
  type Comparison,
  type Cutoff,
  type MetricComparison,
  type MetricKey,
  type Status
} from '../judge/compare.js'
import type { HistoryView } from '../judge/change-points.js'
import type { RegressionDecision } from '../judge/regressions.js'
import type { HistoryLinks } from './history.js'
import { code, MAX_LINE, text as md } from './escape.js'
import {
  formatAge,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  formatSignedPercent
} from './format.js'

/** Why a run was not compared with a baseline. */
export type NotCompared =
  | { why: 'baseline-none' }
  | { why: 'no-token' }
  /** The store could not be read: `error` says why, `store` which. */
  | { why: 'unreadable'; store: string; error: string }

function notComparedText(skipped: NotCompared): string {
  switch (skipped.why) {
    case 'baseline-none':
      return '`baseline: none`'
    case 'no-token':
      return 'no github-token or repository'
    case 'unreadable':
      return `the baseline could not be read from ${skipped.store} (${md(skipped.error, MAX_LINE)})`
  }
}

export interface ComparisonReport {
  comparison?: Comparison
  gate: RegressionDecision
  current: BaselineEntry
  /** Where the baseline was read from, or why it was not. */
  store: string
  /** Why no comparison was made, when none was. */
  skipped?: NotCompared
  /** For "x days ago"; tests pin it. */
  now?: Date
  /** The label that waives a regression, on a pull request. */
  waiverLabel?: string
  /**
   * false: the run fails for a reason the label cannot waive (a crossed
   * threshold, a k6 error), so the hint would not help.
   */
  waivable?: boolean
  /** The branch's history of runs and its change points. */
  history?: { view: HistoryView; links: HistoryLinks }
}

const STATUS: Record<Status, string> = {
  regression: '❌ regression',
  warning: '⚠️ slower',
  ok: '✅ ok',
  improved: '🚀 better',
  'not-judged': '⚪ not judged',
  'no-baseline': '— new'
}

const LABEL: Record<MetricKey, string> = {
  p95: 'p95 latency',
  p99: 'p99 latency',
  p50: 'p50 latency',
  avg: 'average latency',
  errorRate: 'error rate',
  rps: 'throughput',
  checksRate: 'checks passed'
}

const SHOWN_ENDPOINTS = 10

/** A metric's label for a person: `p95 latency`. */
export function metricLabel(metric: MetricKey): string {
  return LABEL[metric]
}

/** A metric's value in its own unit: `12.3 ms`, `45.6/s`, `0.50%`. */
function formatMetricValue(
  metric: MetricKey,
  value: number | undefined
): string {
  const unit = METRICS[metric].unit
  if (unit === 'ms') return formatMs(value)
  if (unit === 'rps') return formatRate(value)
  return formatPercent(value)
}

/**
 * A change in the worse direction as a person reads it: `+14.2% (3.4 ms)`
 * for latency, `−10.0% (5.0/s)` for throughput, `+0.50 pp` for rates.
 */
function formatCutoff(metric: MetricKey, cutoff: Cutoff): string {
  const { unit, worse } = METRICS[metric]
  if (unit === 'ratio') {
    const pp = cutoff.absolute * 100
    return `${worse === 'up' ? '+' : '-'}${pp.toFixed(2)} pp`
  }
  const pct = Number.isFinite(cutoff.relative)
    ? `${worse === 'up' ? '+' : '-'}${(cutoff.relative * 100).toFixed(1)}%`
    : ''
  const abs =
    unit === 'ms' ? formatMs(cutoff.absolute) : formatRate(cutoff.absolute)
  return pct ? `${pct} (${abs})` : abs
}

/** `p95 latency 23.7 ms → 31.0 ms (+30.6%)` */
/** `568 µs → 5.66 ms` */
export function describeValues(c: MetricComparison): string {
  return `${formatMetricValue(c.metric, c.baseline)} → ${formatMetricValue(c.metric, c.current)}`
}

function describeChange(c: MetricComparison): string {
  const where = c.scope === 'overall' ? '' : `${c.scope}: `
  const pct =
    c.deltaPct === undefined || !Number.isFinite(c.deltaPct)
      ? ''
      : ` (${signedDelta(c)})`
  return `${where}${LABEL[c.metric]} ${formatMetricValue(c.metric, c.baseline)} → ${formatMetricValue(c.metric, c.current)}${pct}`
}

/** Δ as the table shows it: relative, percentage points for rates. */
export function signedDelta(c: MetricComparison): string {
  if (c.baseline === undefined || c.current === undefined) return ''
  if (METRICS[c.metric].unit === 'ratio') {
    const pp = (c.current - c.baseline) * 100
    return `${pp >= 0 ? '+' : ''}${pp.toFixed(2)} pp`
  }
  if (c.deltaPct === undefined || !Number.isFinite(c.deltaPct)) return ''
  return formatSignedPercent(c.deltaPct)
}

/** The history a comparison used, in words: `6 runs of history`. */
function runsText(runs: number): string {
  return `${runs} run${runs === 1 ? '' : 's'} of history`
}

/**
 * One line for a flagged or unjudged comparison: what changed, against
 * what limit, and on what evidence; for the verdict, the log, the comment.
 */
export function describeComparison(c: MetricComparison): string {
  const change = describeChange(c)
  if (c.notJudged) return `${change}: ${notJudgedText(c)}`
  const e = c.evidence
  if (!e) return change
  const tier = c.tier === 'fail' ? e.cutoff.fail : e.cutoff.warn
  if ((c.status === 'regression' || c.status === 'warning') && tier) {
    return (
      `${change}: beyond the ${formatCutoff(c.metric, tier)} ` +
      `a change must exceed to ${c.tier === 'fail' ? 'fail' : 'warn'} with ${runsText(e.runs)} ` +
      `(p ${formatP(e.p)})`
    )
  }
  return change
}

/** Why a comparison was not judged, and what would fix it. */
export function notJudgedText(c: MetricComparison): string {
  switch (c.notJudged?.why) {
    case 'too-few-requests':
      return (
        `needs at least ${c.notJudged.needed} requests to be judged ` +
        `(this run had ${c.notJudged.requests}): a longer or heavier run would give it`
      )
    case 'load-shape-changed':
      return 'not gated: the load shape changed since the baseline'
    case 'no-value':
      return `not judged: this run has no ${LABEL[c.metric]}`
    default:
      return ''
  }
}

/** `= 0.0003`, `< 0.0001` */
function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : `= ${p.toFixed(4)}`
}

/**
 * What the comparison could have caught, for the reader who wonders why
 * nothing was flagged: "With 6 runs of history this gate fails p95 changes
 * above +14.2% (3.4 ms) …". Undefined without a judged p95.
 */
export function sensitivityLine(comparison: Comparison): string | undefined {
  const p95 = comparison.metrics.find((c) => c.metric === 'p95' && c.evidence)
  const e = p95?.evidence
  if (!p95 || !e) return undefined
  // A flagged p95 says its own cut-off in its row.
  if (p95.status === 'regression' || p95.status === 'warning') return undefined
  const parts = [
    `With ${runsText(e.runs)} this gate ${e.cutoff.fail ? `fails p95 changes above ${formatCutoff('p95', e.cutoff.fail)} and ` : ''}warns above ${formatCutoff('p95', e.cutoff.warn)}`
  ]
  const ten = e.withTenRuns?.fail ?? e.withTenRuns?.warn
  const now = e.cutoff.fail ?? e.cutoff.warn
  if (ten && ten.relative < now.relative - 0.005) {
    parts.push(
      `; with 10 runs it would ${e.withTenRuns?.fail ? 'fail' : 'warn'} above about ${formatCutoff('p95', ten)}`
    )
  }
  return `${parts.join('')}.`
}

/** The baseline section of the job summary and the PR comment. */
/** The comparison in two parts: what a reviewer reads, and the how. */
interface ComparisonText {
  /** One compact table and, when it applies, how to waive; or one line. */
  top: string[]
  /** Collapsed: the baseline, what it could see, flagged endpoints, the method. */
  details: string[]
}

export function renderComparison(report: ComparisonReport): ComparisonText {
  const { comparison, gate, current } = report
  if (report.skipped) {
    return {
      top: [
        `Not compared with a baseline: ${notComparedText(report.skipped)}.`,
        ''
      ],
      details: []
    }
  }
  if (!comparison || comparison.history.length === 0) {
    const excluded = excludedText(comparison)
    return {
      top: [
        `No baseline yet for the ${code(current.objective)} objective and this load shape: not gated on regressions.`,
        ''
      ],
      details: [
        `Baselines (${report.store}) are written by passing push and schedule runs ` +
          'on the default branch of the same objective (a push that runs another one records the pull requests’ objective too); ' +
          'from the first one on, pull requests are compared, and each run of history sharpens the comparison.',
        '',
        ...(excluded ? [`${capital(excluded)}.`, ''] : [])
      ]
    }
  }
  const base = baseName(comparison)
  const runs = comparison.history.length
  // What changed first (the endpoints that were flagged among them), then
  // the run's own figures; a figure the run could not judge says what it
  // needed, once.
  const flagged = [...comparison.regressions, ...comparison.warnings]
  const rest = comparison.metrics.filter((c) => !flagged.includes(c))
  const top = [
    `| | ${md(base)} (${runs === 1 ? '1 run' : `${runs} runs`}) | This run | Δ | Verdict |`,
    '|---|---|---|---|---|',
    ...[...flagged, ...rest].map(compactRow),
    ''
  ]
  if (gate.note === 'load-shape-changed') {
    top.push(
      '> ⚠️ The load shape changed since the baseline: compared for information, not gated.',
      ''
    )
  }
  if (gate.waivedBy && gate.regressions.length > 0) {
    top.push(
      `> 🏷️ Waived by the ${code(gate.waivedBy)} label: reported, not failed.`,
      ''
    )
  } else if (gate.failing && report.waiverLabel && report.waivable !== false) {
    top.push(
      `> 🏷️ If this change is meant to be slower, add the ${code(report.waiverLabel)} label to the pull request and re-run the job.`,
      ''
    )
  }

  const details = [baselineLine(report, comparison), '']
  const sensitivity = sensitivityLine(comparison)
  if (sensitivity) details.push(sensitivity, '')
  details.push(...endpointTable(comparison))
  details.push(
    "<sub>A regression is beyond the noise (this run against the history's mean and spread, with the run's own sampling error: " +
      'a one-sided Student t test, 0.5% false alarms per figure to fail, 2.5% to warn), beyond the tolerance ' +
      '(p95 and p99 +10% to fail, +5% to warn) and beyond the floor, when one is set.</sub>',
    ''
  )
  return { top, details }
}

/** The branch the history is from: `main`. */
export function baseName(comparison: Comparison | undefined): string {
  return (comparison?.reference?.ref ?? 'baseline').replace(
    /^refs\/heads\//,
    ''
  )
}

function baselineLine(
  report: ComparisonReport,
  comparison: Comparison
): string {
  const ref = comparison.reference
  if (!ref) return ''
  const age = formatAge(ref.date, report.now ?? new Date())
  const commit = `\`${ref.commit.slice(0, 7)}\``
  const runs = comparison.history.length
  const basis = `mean of the last ${runs === 1 ? 'run' : `${runs} runs`}`
  const excluded = excludedText(comparison)
  const link = ref.runUrl ? ` · [run](${ref.runUrl})` : ''
  return (
    `Baseline: ${commit} on ${code(ref.ref.replace(/^refs\/heads\//, ''))}, ${age} · ${basis}` +
    `${excluded ? ` (${excluded})` : ''} · ${report.store}${link}`
  )
}

/** `2 runs set aside: 1 on another runner, 1 outlier` */
function excludedText(comparison: Comparison | undefined): string {
  if (!comparison) return ''
  const { runner, duration, outliers } = comparison.excluded
  const parts = [
    runner ? `${runner} on another runner` : '',
    duration ? `${duration} cut short or overlong` : '',
    outliers ? `${outliers} far outside the others (an outlier)` : ''
  ].filter(Boolean)
  const total = runner + duration + outliers
  return total
    ? `${total} run${total === 1 ? '' : 's'} set aside: ${parts.join(', ')}`
    : ''
}

function compactRow(c: MetricComparison): string {
  const figure =
    c.scope === 'overall'
      ? LABEL[c.metric]
      : `${md(c.scope)} · ${LABEL[c.metric]}`
  return `| ${figure} | ${cell(formatMetricValue(c.metric, c.baseline))} | ${cell(formatMetricValue(c.metric, c.current))} | ${cell(signedDelta(c))} | ${verdictCell(c)} |`
}

/** A value that stays on one line in a narrow table: `32.1 ms`. */
function cell(text: string): string {
  return text.replace(/ /g, '\u00a0')
}

/**
 * `❌ regression, beyond +33.2%`: the verdict and the limit it crossed;
 * what a figure the run could not judge needed.
 */
function verdictCell(c: MetricComparison): string {
  const flagged = c.status === 'regression' || c.status === 'warning'
  const tier =
    c.tier === 'fail' ? c.evidence?.cutoff.fail : c.evidence?.cutoff.warn
  if (flagged && tier) {
    return `${STATUS[c.status]}, beyond ${cell(formatCutoff(c.metric, tier).replace(/ \(.*\)$/, ''))}`
  }
  if (c.notJudged?.why === 'too-few-requests') {
    return `${STATUS[c.status]}: needs ${formatCount(c.notJudged.needed)} requests, had ${formatCount(c.notJudged.requests)}`
  }
  return STATUS[c.status]
}

function endpointTable(comparison: Comparison): string[] {
  const byName = new Map<string, MetricComparison[]>()
  for (const c of comparison.endpoints) {
    byName.set(c.scope, [...(byName.get(c.scope) ?? []), c])
  }
  if (byName.size === 0) return []
  const header = [
    '| Endpoint | Latency | Baseline | Now | Δ | Errors baseline | Errors now | Verdict |',
    '|---|---|---|---|---|---|---|---|'
  ]
  const rank = (list: MetricComparison[]): number =>
    Math.min(...list.map((c) => order(c.status)))
  const rows = [...byName.entries()].map(([name, list]) => {
    // Its latency by the statistic its requests support: p95 or median.
    const latency = list.find((c) => c.metric === 'p95' || c.metric === 'p50')
    const errors = list.find((c) => c.metric === 'errorRate')
    const worst = [...list].sort((a, b) => order(a.status) - order(b.status))[0]
    return `| ${md(name)} | ${latency ? LABEL[latency.metric] : ''} | ${cell(formatMs(latency?.baseline))} | ${cell(formatMs(latency?.current))} | ${latency ? cell(signedDelta(latency)) : ''} | ${formatPercent(errors?.baseline)} | ${formatPercent(errors?.current)} | ${verdictCell(worst)} |`
  })
  // Busiest first (the order compare() gives). Only endpoints with
  // something to say are listed; the run's own endpoint table has them all.
  const ranks = [...byName.values()].map(rank)
  const flagged = rows
    .map((row, i) => ({ row, rank: ranks[i] }))
    .filter((r) => r.rank <= order('improved'))
  const quiet = rows.length - flagged.length
  const shown: string[] = []
  const rest: string[] = []
  flagged.forEach((r, i) => {
    if (i < SHOWN_ENDPOINTS || r.rank <= order('warning')) shown.push(r.row)
    else rest.push(r.row)
  })
  const within = quiet
    ? `${quiet} endpoint${quiet === 1 ? '' : 's'} within the noise or new.`
    : ''
  if (flagged.length === 0) return within ? [within, ''] : []
  const out = [
    '#### Endpoints',
    '',
    ...header,
    ...shown,
    '',
    ...(within ? [within, ''] : [])
  ]
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
    'not-judged',
    'improved',
    'ok',
    'no-baseline'
  ].indexOf(status)
}

/**
 * This run in red, drawn last (on top); the baseline in grey: the two
 * cannot be mistaken for each other, whatever the theme.
 */
const palette = (colours: string[]) =>
  `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${colours.join(', ')}"}}}}%%`
const GREY = '#b0b0b0'
const RED = '#d73a49'

/**
 * Mermaid xychart-beta charts: this run's p95 and throughput over the run,
 * one point per bucket of its series (every bucket in place, at least a
 * second wide), the x axis spanning the run; the baseline's own run as a
 * grey line beneath, spread over the same span. Then main's p95 over its
 * last runs (bars) with this run's (a line).
 */
export function charts(
  current: BaselineEntry,
  reference: BaselineEntry | undefined,
  history: BaselineEntry[] = []
): string[] {
  const out: string[] = []
  const series = current.series
  const points = series.p95.length
  const span = series.spanS ?? series.bucketSeconds * points
  if (points >= 2 && span > 0) {
    const end = Number(span.toFixed(span < 10 ? 1 : 0))
    for (const [key, title, unit] of [
      ['p95', 'p95 latency', 'ms'],
      ['rps', 'Throughput', 'requests/s']
    ] as const) {
      const mine = series[key]
      const theirs = reference?.series[key].length
        ? resample(reference.series[key], points)
        : undefined
      const values = [...mine, ...(theirs ?? [])].filter(
        (v): v is number => v !== null
      )
      // A run of no HTTP requests (a browser journey alone) has no curve.
      if (values.length === 0 || values.every((v) => v === 0)) continue
      const top = niceCeiling(Math.max(...values))
      out.push(
        '```mermaid',
        // Plots take the palette's colours in order: the baseline, then this run.
        palette(theirs ? [GREY, RED] : [RED]),
        'xychart-beta',
        `  title "${title} (${unit}) over the run${theirs ? ': red this run, grey the baseline' : ''}"`,
        `  x-axis "seconds" 0 --> ${end}`,
        `  y-axis "${unit}" 0 --> ${top}`,
        ...(theirs ? [`  line [${theirs.map(fmt).join(', ')}]`] : []),
        `  line [${mine.map(fmt).join(', ')}]`,
        '```',
        ''
      )
    }
  }
  const trend = history
    .map((e) => e.overall.p95)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const now = current.overall.p95
  if (trend.length >= 2 && typeof now === 'number' && Number.isFinite(now)) {
    const top = niceCeiling(Math.max(...trend, now))
    out.push(
      '```mermaid',
      palette([GREY, RED]),
      'xychart-beta',
      `  title "p95 latency (ms): the baseline's last ${trend.length} runs (bars), this run (line)"`,
      // A few runs: one labelled bar each (a numeric axis would tick halves).
      `  x-axis "runs, oldest to newest" [${trend.map((_, i) => i + 1).join(', ')}]`,
      `  y-axis "ms" 0 --> ${top}`,
      `  bar [${trend.map(fmt).join(', ')}]`,
      `  line [${trend.map(() => fmt(now)).join(', ')}]`,
      '```',
      ''
    )
  }
  return out
}

/** A series spread over `points` points, by share of its run. */
function resample(
  series: (number | null)[],
  points: number
): (number | null)[] {
  return Array.from({ length: points }, (_, i) => {
    const from = Math.floor((i * series.length) / points)
    const to = Math.max(
      from + 1,
      Math.floor(((i + 1) * series.length) / points)
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

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
