import { HTML_REPORT_FILE } from '../k6/dashboard.js'
import { OUTCOME_LABEL, type K6Run } from '../k6/run.js'
import type { KeyFigures } from '../results/figures.js'
import type { Finding } from '../results/findings.js'
import { findingText } from './findings.js'
import type { EndpointStats, ResultsAnalysis } from '../results/types.js'
import type { SummaryResult } from '../results/types.js'
import type { Verdict } from '../judge/verdict.js'
import { code, MAX_LINE, text as md } from './escape.js'
import { verdictText } from './verdict.js'
import type { ArtifactLink } from '../publish/artifacts.js'
import { factorsText, renderPlan, type PlanView } from './load-plan.js'
import {
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatRate
} from './format.js'
import { formatObserved } from './observed.js'
import {
  baseName,
  charts,
  renderComparison,
  type ComparisonReport
} from './comparison.js'
import { JUNIT_FILE } from './junit.js'
import { renderPaired } from './paired.js'
import { mainMovedLine, renderHistory } from './history.js'
import type { PairedSamples } from '../results/paired-samples.js'
import {
  VITALS,
  vitalRating,
  type PageVitals,
  type Vital
} from '../results/web-vitals.js'
import {
  renderShards,
  shardingFact,
  skewWarnings,
  type ShardingView
} from './shards.js'

interface ReportData {
  verdict: Verdict
  run?: K6Run
  summary?: SummaryResult
  figures?: KeyFigures
  /** The results.json analysis, when there was one. */
  stream?: ResultsAnalysis
  streamError?: string
  findings?: Finding[]
  /** The profile's plan, when the script was generated from one. */
  plan?: PlanView
  k6Version?: string
  /** The script as the user names it, relative to the workspace. */
  scriptLabel?: string
  artifact?: ArtifactLink
  /** The baseline comparison, when one was made. */
  comparison?: ComparisonReport
  /**
   * Written before the comparison ends (so a job killed during it keeps
   * a summary): the comparison is said to be under way.
   */
  comparisonPending?: boolean
  /** This workflow run, for the footer link. */
  runUrl?: string
  /** The run was a shard, or the merge of shards. */
  sharding?: ShardingView
  /** Web Vitals per page, when the run drove a browser. */
  webVitals?: PageVitals[]
  /** A paired run's samples by target (their error rates). */
  paired?: PairedSamples
}

/** Where the thresholds and their values came from, when not k6's summary. */
function thresholdNotes(summary: SummaryResult): string[] {
  const notes: string[] = []
  if (summary.format === 'machine-readable') {
    const sources = [
      ...new Set(
        summary.thresholds.map(
          (t) =>
            ({
              profile: 'the profile',
              'results.json': "results.json's metric headers",
              script: 'the script k6 ran (config.script)',
              k6: "k6's log"
            })[t.listedBy ?? 'k6']
        )
      )
    ]
    notes.push(
      `k6's machine-readable summary lists no thresholds: perf-gate read them from ${sources.join(', ')}, ` +
        "computed each value from results.json with k6's own statistics, and took k6's word on which crossed " +
        '(its log names the metrics).'
    )
  } else if (summary.thresholds.some((t) => t.observedFrom)) {
    notes.push(
      "† computed by perf-gate from results.json with k6's own statistics: k6's summary did not carry this value."
    )
  }
  if (summary.unlistedThresholds?.length) {
    notes.push(
      `k6 also judged thresholds on ${summary.unlistedThresholds.map((k) => code(k)).join(', ')}, ` +
        "whose expressions perf-gate could not read; k6's exit code covers them."
    )
  }
  return notes.length ? [...notes, ''] : []
}

/**
 * The job summary, which is also the pull request comment: pure markdown
 * from the run's data. On top, what a reviewer needs: the verdict with the
 * figures that decided it, one compact table, how to waive when that
 * applies. Everything else is collapsed below, each said once.
 */
export function renderJobSummary(data: ReportData): string {
  const { verdict, summary, figures } = data
  // The waiver label turns only regressions into warnings.
  const waivable = verdict.failures.every(
    (r) => r.kind === 'regressions' || r.kind === 'paired-regression'
  )
  const compared = data.comparison
    ? renderComparison({ ...data.comparison, waivable })
    : undefined
  const history = historyLines(data)
  const out = [...renderHeadline(data), ...history.context]
  if (verdict.paired) out.push(...renderPaired(verdict.paired, data.paired))
  if (compared) out.push(...compared.top)
  else if (data.comparisonPending) {
    out.push(
      'The comparison with the baseline had not finished when this summary was written; ' +
        'perf-gate rewrites it when the comparison ends. If this line stays, the job ended first: ' +
        'the verdict above is the run’s own.',
      ''
    )
  }
  out.push(...history.top)
  if (!compared?.details.length && figures) {
    // Nothing to compare with: the run's own figures are the table.
    out.push(...renderFigures(figures), '')
  }
  if (summary && summary.thresholds.length > 0) {
    out.push(...renderThresholds(summary))
  }
  if (verdict.errorGuard) {
    const { limit, rate } = verdict.errorGuard
    out.push(
      `The script sets no threshold on \`http_req_failed\`: perf-gate's error-rate guard applied ` +
        `(fails above ${formatPercent(limit)}; input \`error-guard\`): ${formatPercent(rate)} of requests failed.`,
      ''
    )
  }
  if (compared?.details.length) {
    out.push(
      ...collapsed('How it was compared with the baseline', compared.details)
    )
  }
  if (data.comparison) {
    const c = data.comparison
    const chart = charts(
      c.current,
      c.comparison?.reference,
      c.comparison?.history
    )
    if (chart.length) out.push(...collapsed('Charts', chart))
  }
  if (history.details.length) {
    out.push(...collapsed(history.title, history.details))
  }
  const details = renderDetails(
    data,
    compared?.details.length ? figures : undefined
  )
  if (details.length) out.push(...collapsed('Details of this run', details))
  const page = data.comparison?.history?.links.pageUrl
  const links = [
    data.runUrl ? `🔗 [Workflow run](${data.runUrl})` : undefined,
    data.artifact ? renderArtifact(data.artifact) : undefined,
    page ? `📈 [${history.title}](${page})` : undefined
  ].filter(Boolean)
  if (links.length) out.push(links.join(' · '), '')
  return out.join('\n')
}

/**
 * The branch's history: a pull request gets one line when its base branch
 * itself moved lately; a run that records the history gets its change
 * points (new ones on top, the others folded away).
 */
function historyLines(data: ReportData): {
  context: string[]
  top: string[]
  details: string[]
  title: string
} {
  const history = data.comparison?.history
  const title = `History of ${history?.view.branch ?? 'the branch'}`
  if (!history) return { context: [], top: [], details: [], title }
  if (!history.view.records) {
    const line = mainMovedLine(history.view, history.links)
    return { context: line ? [line, ''] : [], top: [], details: [], title }
  }
  return { context: [], ...renderHistory(history.view, history.links), title }
}

/** The verdict's headline, the run's facts, and every further reason. */
function renderHeadline(data: ReportData): string[] {
  const { verdict, run, summary, figures } = data
  const history = data.comparison?.comparison?.history.length
  const words = verdictText(
    verdict,
    summary,
    history ? baseName(data.comparison?.comparison) : undefined,
    history
  )
  const out: string[] = []
  out.push(
    `## ${verdict.passed ? '✅' : '❌'} ${md(words.headline, MAX_LINE)}`,
    ''
  )

  const merged = data.sharding?.merged
  const facts = [
    data.k6Version ? `k6 v${data.k6Version}` : undefined,
    data.scriptLabel ? code(data.scriptLabel) : undefined,
    data.sharding ? shardingFact(data.sharding) : undefined,
    // k6's exit code when it says something: a failed run whose k6 exited
    // 0 failed for another reason, named above.
    run && !merged && (run.exitCode !== 0 || verdict.passed)
      ? `exit code ${run.exitCode} (${OUTCOME_LABEL[run.outcome]})`
      : undefined,
    figures?.durationS !== undefined
      ? formatDuration(figures.durationS)
      : undefined,
    data.plan ? factorsText(data.plan.plan) : undefined
  ].filter(Boolean)
  if (facts.length) out.push(facts.join(' · '), '')

  // The headline says the first reason; the others, and the warnings, here.
  const more = [
    ...words.reasons.slice(1).map((r) => `- ❌ ${md(r, MAX_LINE)}`),
    ...words.warnings.map((w) => `- ⚠️ ${md(w, MAX_LINE)}`),
    ...(merged ? skewWarnings(merged) : []).map((w) => `- ⚠️ ${md(w)}`)
  ]
  if (more.length) out.push(...more, '')
  return out
}

/** Every threshold, crossed first, folded away under their count. */
function renderThresholds(summary: SummaryResult): string[] {
  const crossed = summary.thresholds.filter((t) => !t.passed).length
  const held = summary.thresholds.length - crossed
  const table = ['| | Metric | Expression | Observed |', '|---|---|---|---|']
  // Crossed first: they are what the reader came for; then by metric,
  // as k6 lists them.
  const ordered = [...summary.thresholds].sort(
    (a, b) =>
      Number(a.passed) - Number(b.passed) || a.metric.localeCompare(b.metric)
  )
  for (const t of ordered) {
    const observed = formatObserved(t, summary.metrics[t.metric])
    table.push(
      `| ${t.passed ? '✅' : '❌'} | ${code(t.metric, { cell: true })} | ${code(t.expression, { cell: true })} | ` +
        `${observed ? `${t.statistic} = ${observed}${t.observedFrom ? ' †' : ''}` : 'n/a'} |`
    )
  }
  return collapsed(
    `Thresholds: ${crossed ? `${crossed} crossed, ` : ''}${held} held`,
    [...table, '', ...thresholdNotes(summary)]
  )
}

/**
 * What the "Details of this run" section holds: the shards, the figures
 * (when the comparison took the top table), findings, Web Vitals, pools,
 * endpoints, data notes, exceptions, failed requests and checks, the plan.
 */
function renderDetails(
  data: ReportData,
  /** The run's figures, when they are not the top table. */
  figures: KeyFigures | undefined
): string[] {
  const { run, summary } = data
  const details: string[] = []
  const merged = data.sharding?.merged
  if (merged) details.push(...renderShards(merged))
  if (figures) details.push(...renderFigures(figures), '')
  for (const finding of data.findings ?? []) {
    const { title, detail } = findingText(finding)
    details.push(
      `> ${finding.severity === 'warning' ? '⚠️' : 'ℹ️'} **${title}.** ${detail}`,
      ''
    )
  }
  if (data.webVitals?.length)
    details.push(...renderWebVitals(data.webVitals), '')
  const pools = data.plan?.plan.pools
  if (pools && data.stream) {
    details.push(...renderPools(pools, data.stream.scenarios), '')
  }
  if (data.stream && data.stream.endpoints.length > 0) {
    details.push(...renderEndpoints(data.stream.endpoints), '')
  }
  const notes = dataNotes(data.stream, data.streamError)
  if (notes.length) details.push(...notes.map((n) => `- ⚠️ ${n}`), '')
  if (run) details.push(...renderRunErrors(run))
  if (summary) details.push(...renderFailingChecks(summary))
  if (data.plan) details.push(...renderPlan(data.plan), '')
  return details
}

/** Exceptions inside iterations, and requests that failed before a response. */
function renderRunErrors(run: K6Run): string[] {
  const details: string[] = []
  if (run.stderr.iterationErrors > 0) {
    details.push(
      '### Exceptions inside iterations',
      '',
      `k6 logged ${formatCount(run.stderr.iterationErrors)} exception(s) thrown inside iterations; the iterations that threw did not finish.` +
        (run.exitCode === 0 ? ' k6 still exited 0.' : ''),
      ''
    )
    for (const e of run.stderr.firstIterationErrors) {
      const where = e.location
        ? ` at ${code(`${e.location.file.split('/').pop()}:${e.location.line}:${e.location.column}`)}`
        : ''
      details.push(
        `- ${code(e.message, { max: 300 })}${where} ×${formatCount(e.count)}`
      )
    }
    details.push('')
  }

  const failures = Object.entries(run.stderr.requestFailures ?? {})
  if (failures.length > 0) {
    details.push('### Requests that failed before a response', '')
    details.push('| Error | Count |', '|---|---|')
    for (const [kind, count] of failures.sort((a, b) => b[1] - a[1])) {
      details.push(`| ${md(kind, 200)} | ${formatCount(count)} |`)
    }
    details.push('')
  }
  return details
}

/** The checks that failed at least once. */
function renderFailingChecks(summary: SummaryResult): string[] {
  const failingChecks = summary.checks.filter((c) => c.fails > 0)
  if (failingChecks.length === 0) return []
  return [
    '### Failing checks',
    '',
    '| Check | Passed | Failed |',
    '|---|---|---|',
    ...failingChecks.map(
      (c) =>
        `| ${md(c.path.replace(/^::/, '').replace(/::/g, ' › '))} | ${formatCount(c.passes)} | ${formatCount(c.fails)} |`
    ),
    ''
  ]
}

/** A section folded away: its summary line, then its lines when opened. */
function collapsed(summaryLine: string, lines: string[]): string[] {
  return [
    `<details><summary>${summaryLine}</summary>`,
    '',
    ...lines,
    '</details>',
    ''
  ]
}

function renderFigures(f: KeyFigures): string[] {
  const rows: [string, string][] = []
  if (f.p95Ms !== undefined || f.p50Ms !== undefined) {
    rows.push([
      'Latency p50 / p95 / p99 (`http_req_duration`)',
      `${formatMs(f.p50Ms)} / ${formatMs(f.p95Ms)} / ${formatMs(f.p99Ms)}`
    ])
  }
  if (f.requests !== undefined) {
    rows.push(['Requests', `${formatCount(f.requests)} (${formatRate(f.rps)})`])
  }
  if (f.errorRate !== undefined) {
    rows.push([
      'Error rate (`http_req_failed`)',
      `${formatPercent(f.errorRate)}` +
        (f.failedRequests !== undefined && f.requests !== undefined
          ? ` (${formatCount(f.failedRequests)} of ${formatCount(f.requests)})`
          : '')
    ])
  }
  if (f.checksRate !== undefined) {
    rows.push([
      'Checks passed',
      `${formatPercent(f.checksRate)}` +
        (f.checksTotal !== undefined ? ` of ${formatCount(f.checksTotal)}` : '')
    ])
  }
  if (f.iterations !== undefined) {
    rows.push(['Iterations', formatCount(f.iterations)])
  }
  if (f.droppedIterations) {
    rows.push([
      'Dropped iterations',
      `${formatCount(f.droppedIterations)} (maxVUs was too low to hold the rate)`
    ])
  }
  if (f.maxVus !== undefined || f.allocatedVus !== undefined) {
    // k6 samples `vus` once a second: an arrival-rate run whose VUs are
    // idle at each sample shows 0 active; vus_max is the pool.
    rows.push([
      'VUs',
      f.allocatedVus !== undefined && f.allocatedVus !== f.maxVus
        ? `${formatCount(f.maxVus)} active at most (sampled each second), ${formatCount(f.allocatedVus)} allocated`
        : formatCount(f.maxVus ?? f.allocatedVus)
    ])
  }
  if (f.durationS !== undefined) {
    rows.push(['Duration', formatDuration(f.durationS)])
  }
  if (rows.length === 0) return []
  return [
    '### Key figures',
    '',
    '| Figure | Value |',
    '|---|---|',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`)
  ]
}

const SHOWN_ENDPOINTS = 10

function renderEndpoints(endpoints: EndpointStats[]): string[] {
  return renderGroups('Endpoints', 'Endpoint (`name` tag)', endpoints)
}

const VITAL_LABEL: Record<Vital, string> = {
  lcp: 'LCP',
  inp: 'INP',
  cls: 'CLS',
  fcp: 'FCP',
  ttfb: 'TTFB'
}
const RATING_MARK = { good: '🟢', 'needs improvement': '🟡', poor: '🔴' }

/** The browser's pages: each vital's p75, rated in Google's bands. */
function renderWebVitals(pages: PageVitals[]): string[] {
  const shown = VITALS.filter((v) => pages.some((p) => p.p75[v] !== undefined))
  const cell = (vital: Vital, value: number | undefined): string => {
    if (value === undefined) return 'n/a'
    const text = vital === 'cls' ? value.toFixed(3) : formatMs(value)
    return `${RATING_MARK[vitalRating(vital, value)]} ${text}`
  }
  return [
    '### Web Vitals (p75 per page)',
    '',
    `| Page (\`url\`) | ${shown.map((v) => VITAL_LABEL[v]).join(' | ')} | Samples |`,
    `|---|${shown.map(() => '---|').join('')}---|`,
    ...pages.map(
      (p) =>
        `| ${md(p.url, 300)} | ${shown.map((v) => cell(v, p.p75[v])).join(' | ')} | ${formatCount(Math.max(0, ...Object.values(p.samples)))} |`
    ),
    '',
    "🟢 good · 🟡 needs improvement · 🔴 poor, in Google's bands at p75 (LCP 2.5 s / 4 s, INP 200 / 500 ms, CLS 0.1 / 0.25, FCP 1.8 s / 3 s, TTFB 0.8 s / 1.8 s). " +
      'INP needs a page the browser interacted with and is absent otherwise.'
  ]
}

/** The pools' own figures: each pool is the k6 scenario of its name. */
function renderPools(
  pools: { name: string }[],
  scenarios: EndpointStats[]
): string[] {
  const rows = pools.flatMap((p) => scenarios.filter((s) => s.name === p.name))
  const silent = pools.filter((p) => !scenarios.some((s) => s.name === p.name))
  return [
    ...renderGroups('Pools', 'Pool (scenario)', rows),
    ...(silent.length
      ? [
          '',
          `No request of ${silent.map((p) => code(p.name)).join(', ')} is in results.json: the pool sent none (did it start before the run ended?).`
        ]
      : [])
  ]
}

function renderGroups(
  title: string,
  label: string,
  endpoints: EndpointStats[]
): string[] {
  const header = [
    `| ${label} | Requests | Errors | p50 | p95 | p99 | Max | Statuses |`,
    '|---|---|---|---|---|---|---|---|'
  ]
  const row = (e: EndpointStats): string =>
    `| ${md(e.name)} | ${formatCount(e.requests)} | ${formatPercent(e.errorRate)} | ` +
    `${formatMs(e.latency.p50)} | ${formatMs(e.latency.p95)} | ${formatMs(e.latency.p99)} | ` +
    `${formatMs(e.latency.max)} | ${Object.entries(e.statuses)
      .map(([status, n]) => `${status === '0' ? 'none' : status}×${n}`)
      .join(' ')} |`
  const out = [
    `### ${title}`,
    '',
    ...header,
    ...endpoints.slice(0, SHOWN_ENDPOINTS).map(row)
  ]
  const rest = endpoints.slice(SHOWN_ENDPOINTS)
  if (rest.length > 0) {
    out.push(
      '',
      `<details><summary>${rest.length} more ${title.toLowerCase().replace(/s$/, '')}${rest.length === 1 ? '' : 's'}</summary>`,
      '',
      ...header,
      ...rest.map(row),
      '',
      '</details>'
    )
  }
  return out
}

/** What went wrong reading results.json: reported, never fatal. */
function dataNotes(
  stream: ResultsAnalysis | undefined,
  error: string | undefined
): string[] {
  if (error) return [`results.json could not be analysed: ${error}`]
  if (!stream) return []
  const notes: string[] = []
  if (stream.truncatedLastLine) {
    notes.push(
      'results.json ends in a cut-off line (was k6 killed?); the rest was analysed.'
    )
  }
  if (stream.corruptLines > 0) {
    notes.push(
      `${formatCount(stream.corruptLines)} line(s) of results.json were not k6 output and were skipped.`
    )
  }
  return notes
}

function renderArtifact(a: ArtifactLink): string {
  const where = a.uploaded
    ? a.url
      ? `📦 Results: artifact [${code(a.name)}](${a.url})`
      : `📦 Results: artifact ${code(a.name)}`
    : `📁 Results were not uploaded; they are in ${code(a.localDir, { max: 300 })}`
  const named = [
    a.files.includes(HTML_REPORT_FILE)
      ? `📊 k6's HTML report ${code(HTML_REPORT_FILE)}`
      : undefined,
    a.files.includes(JUNIT_FILE) ? `🧪 JUnit ${code(JUNIT_FILE)}` : undefined
  ].filter(Boolean)
  return named.length ? `${where}, with ${named.join(' and ')}` : where
}
