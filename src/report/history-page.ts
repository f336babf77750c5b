import type { HistoryRun } from '../baseline/history.js'
import type { ChangePoint, ShiftMetric } from '../judge/change-points.js'
import { changeText, figureName, figureValue, sureText } from './history.js'

/**
 * The history page: one self-contained HTML file (styles inline, charts
 * as inline SVG, no script, nothing fetched), so that it opens offline,
 * from the artifact, or from GitHub Pages serving the data branch. Per
 * load shape, each figure over the branch's runs: every run a point that
 * links to its workflow run, the level between change points as a line
 * with the run-to-run band (±2 standard deviations) around it, and each
 * change point a red line.
 */
export interface HistoryPageData {
  objective: string
  branch: string
  /** `https://github.com/owner/repo`: commits link there. */
  repoUrl?: string
  generatedAt: string
  series: { fingerprint: string; runs: HistoryRun[]; points: ChangePoint[] }[]
}

interface Figure {
  scope: string
  metric: ShiftMetric
}

const OVERALL: ShiftMetric[] = ['p95', 'p50', 'p99', 'errorRate', 'rps']
/** Endpoints drawn per load shape, busiest first. */
const ENDPOINTS_DRAWN = 12
/** A percentile is drawn where runs had the requests to measure it. */
const NEEDED: Partial<Record<ShiftMetric, number>> = {
  p95: 200,
  p99: 1000,
  p50: 20
}

export function renderHistoryPage(data: HistoryPageData): string {
  const sections = data.series.map((s) => renderSeries(s, data)).join('\n')
  const title = `perf-gate: ${data.objective} on ${data.branch}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${html(data.objective)} on <code>${html(data.branch)}</code></h1>
<p>Every run of the <b>${html(data.objective)}</b> objective that perf-gate recorded, oldest on the left. A point is a run (it links to its workflow run; hover for its commit). The grey line is the level between change points, the band around it the run-to-run spread (±2 standard deviations); a red line is a change point, where the level moved beyond the noise. Written by perf-gate ${html(data.generatedAt.slice(0, 16).replace('T', ' '))} UTC.</p>
</header>
${sections || '<p>No runs recorded yet.</p>'}
</body>
</html>
`
}

function renderSeries(
  series: HistoryPageData['series'][number],
  data: HistoryPageData
): string {
  const { runs, points } = series
  const first = runs[0]?.date.slice(0, 10) ?? ''
  const last = runs.at(-1)?.date.slice(0, 10) ?? ''
  const overall = OVERALL.filter((m) => drawable(runs, 'overall', m)).map(
    (metric) => chart(runs, points, { scope: 'overall', metric })
  )
  const endpoints = busiestEndpoints(runs)
    .map((scope) => {
      const metric = drawable(runs, scope, 'p95') ? 'p95' : 'p50'
      return drawable(runs, scope, metric)
        ? chart(runs, points, { scope, metric })
        : ''
    })
    .filter(Boolean)
  return `<section>
<h2>Load shape <code>${html(series.fingerprint)}</code> · ${runs.length} run${runs.length === 1 ? '' : 's'} · ${html(first)} to ${html(last)}</h2>
${pointsTable(points, data)}
${overall.join('\n')}
${endpoints.length ? `<details open><summary>Endpoints (${endpoints.length})</summary>\n${endpoints.join('\n')}\n</details>` : ''}
</section>`
}

function pointsTable(points: ChangePoint[], data: HistoryPageData): string {
  if (points.length === 0) {
    return '<p class="quiet">No change point: every figure stayed at its level.</p>'
  }
  const rows = [...points]
    .reverse()
    .flatMap((p) =>
      p.figures.map(
        (f, i) =>
          `<tr>${
            i === 0
              ? `<td rowspan="${p.figures.length}">${commitLink(p.firstAfter.commit, data)} ${runLink(p.firstAfter)}<br><span class="quiet">${html(p.firstAfter.date.slice(0, 10))}, after ${commitLink(p.lastBefore.commit, data)}</span></td>`
              : ''
          }<td>${html(figureName(f))}</td><td>${html(figureValue(f.metric, f.before))} → ${html(figureValue(f.metric, f.after))}</td><td>${html(changeText(f))}</td><td>${html(sureText(f.p))}</td></tr>`
      )
    )
  return `<table><thead><tr><th>First run at the new level</th><th>Figure</th><th>Before → after</th><th>Change</th><th>How sure</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`
}

/** A figure is drawn when at least half the runs measured it well. */
function drawable(runs: HistoryRun[], scope: string, metric: ShiftMetric) {
  const measured = runs.filter(
    (r) => valueOf(r, { scope, metric }) !== undefined
  )
  return measured.length > 0 && measured.length * 2 >= runs.length
}

function valueOf(run: HistoryRun, f: Figure): number | undefined {
  const set = f.scope === 'overall' ? run.overall : run.endpoints[f.scope]
  const v = set?.[f.metric]
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined
  if ((set.requests ?? Infinity) < (NEEDED[f.metric] ?? 0)) return undefined
  return f.metric === 'errorRate' || v > 0 ? v : undefined
}

function busiestEndpoints(runs: HistoryRun[]): string[] {
  const requests = new Map<string, number>()
  for (const r of runs) {
    for (const [name, set] of Object.entries(r.endpoints)) {
      requests.set(name, (requests.get(name) ?? 0) + (set.requests ?? 0))
    }
  }
  return [...requests]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, ENDPOINTS_DRAWN)
    .map(([name]) => name)
}

const W = 920
const H = 210
const M = { left: 70, right: 40, top: 24, bottom: 40 }

/** One figure over the runs, as inline SVG. */
function chart(
  runs: HistoryRun[],
  points: ChangePoint[],
  figure: Figure
): string {
  const values = runs.map((r) => valueOf(r, figure))
  const moves = points.filter((p) =>
    p.figures.some(
      (f) => f.scope === figure.scope && f.metric === figure.metric
    )
  )
  const levels = levelsOf(values, moves, figure.metric === 'errorRate')
  const shown = values.filter((v): v is number => v !== undefined)
  const lo = Math.min(...shown, ...levels.map((l) => l.low))
  const hi = Math.max(...shown, ...levels.map((l) => l.high))
  // A flat figure (no error in any run) still gets an axis of its scale.
  const rate = figure.metric === 'errorRate'
  const ticks = niceTicks(
    rate ? 0 : lo,
    hi > lo ? hi : rate ? Math.max(hi, 0.01) : hi * 1.1 || 1
  )
  const [y0, y1] = [ticks[0], ticks.at(-1)!]
  const plotH = H - M.top - M.bottom
  const step = (W - M.left - M.right) / Math.max(1, runs.length)
  const frame: Frame = {
    step,
    x: (i) => M.left + (i + 0.5) * step,
    y: (v) => M.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH
  }
  const name = figureName(figure)
  const parts = [
    ...drawLevels(levels, frame),
    ...drawAxes(runs, ticks, figure.metric, frame),
    ...drawChanges(moves, figure, frame),
    ...drawRuns(runs, values, figure, frame)
  ]
  return `<figure>
<figcaption>${html(name)}</figcaption>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${html(`${name} over ${runs.length} runs`)}">
${parts.join('\n')}
</svg>
</figure>`
}

/** Where a run and a value are drawn. */
interface Frame {
  /** The width of one run. */
  step: number
  x: (index: number) => number
  y: (value: number) => number
}

interface Level {
  from: number
  to: number
  low: number
  mid: number
  high: number
}

/** Each level between the figure's change points, with its ±2 sd band. */
function levelsOf(
  values: (number | undefined)[],
  moves: ChangePoint[],
  rate: boolean
): Level[] {
  const to = (v: number) => (rate ? Math.asin(Math.sqrt(v)) : Math.log(v))
  const back = (x: number) =>
    rate ? Math.sin(Math.max(0, Math.min(Math.PI / 2, x))) ** 2 : Math.exp(x)
  return segments(
    values.map((v) => (v === undefined ? undefined : to(v))),
    moves.map((p) => p.index)
  ).map((s) => ({
    from: s.from,
    to: s.to,
    low: back(s.mean - 2 * s.sd),
    mid: back(s.mean),
    high: back(s.mean + 2 * s.sd)
  }))
}

function drawLevels(levels: Level[], f: Frame): string[] {
  return levels.flatMap((l) => {
    const a = f.x(l.from) - f.step / 2
    const b = f.x(l.to - 1) + f.step / 2
    return [
      `<rect class="band" x="${n(a)}" y="${n(f.y(l.high))}" width="${n(b - a)}" height="${n(Math.max(0, f.y(l.low) - f.y(l.high)))}"/>`,
      `<line class="level" x1="${n(a)}" x2="${n(b)}" y1="${n(f.y(l.mid))}" y2="${n(f.y(l.mid))}"/>`
    ]
  })
}

function drawAxes(
  runs: HistoryRun[],
  ticks: number[],
  metric: ShiftMetric,
  f: Frame
): string[] {
  return [
    ...ticks.flatMap((t) => [
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${n(f.y(t))}" y2="${n(f.y(t))}"/>`,
      `<text class="tick" x="${M.left - 6}" y="${n(f.y(t) + 4)}" text-anchor="end">${html(figureValue(metric, t))}</text>`
    ]),
    ...xTicks(runs.length).flatMap((i) => [
      `<text class="tick" x="${n(f.x(i))}" y="${H - M.bottom + 16}" text-anchor="middle">${html(runs[i].date.slice(5, 10))}</text>`,
      `<text class="tick sha" x="${n(f.x(i))}" y="${H - M.bottom + 30}" text-anchor="middle">${html(runs[i].commit.slice(0, 7))}</text>`
    ])
  ]
}

function drawChanges(moves: ChangePoint[], figure: Figure, f: Frame): string[] {
  return moves.flatMap((p) => {
    const shift = p.figures.find(
      (g) => g.scope === figure.scope && g.metric === figure.metric
    )!
    const px = f.x(p.index) - f.step / 2
    return [
      `<line class="change" x1="${n(px)}" x2="${n(px)}" y1="${M.top}" y2="${H - M.bottom}"><title>${html(`Change point at ${p.firstAfter.commit.slice(0, 7)}: ${changeText(shift)}`)}</title></line>`,
      `<text class="change-label" x="${n(px + 4)}" y="${M.top + 11}">${html(changeText(shift).split(' (')[0])}</text>`
    ]
  })
}

/** Every run a point, linking to its workflow run. */
function drawRuns(
  runs: HistoryRun[],
  values: (number | undefined)[],
  figure: Figure,
  f: Frame
): string[] {
  const r = runs.length > 150 ? 1.8 : runs.length > 60 ? 2.5 : 3.5
  const name = figureName(figure)
  return values.flatMap((v, i) => {
    if (v === undefined) return []
    const run = runs[i]
    const label = `${run.commit.slice(0, 7)} · ${run.date.slice(0, 16).replace('T', ' ')} · ${name} ${figureValue(figure.metric, v)}`
    const dot = `<circle cx="${n(f.x(i))}" cy="${n(f.y(v))}" r="${r}"><title>${html(label)}</title></circle>`
    return [
      safeUrl(run.runUrl) ? `<a href="${html(run.runUrl!)}">${dot}</a>` : dot
    ]
  })
}

/** Runs between change points: each level's mean and spread. */
function segments(
  values: (number | undefined)[],
  cuts: number[]
): { from: number; to: number; mean: number; sd: number }[] {
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), values.length]
  const out: { from: number; to: number; mean: number; sd: number }[] = []
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [from, to] = [bounds[i], bounds[i + 1]]
    const xs = values
      .slice(from, to)
      .filter((v): v is number => v !== undefined)
    if (xs.length === 0 || to <= from) continue
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length
    const sd =
      xs.length > 1
        ? Math.sqrt(
            xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1)
          )
        : 0
    out.push({ from, to, mean, sd })
  }
  return out
}

/** About five round values spanning [lo, hi]. */
function niceTicks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 4
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step =
    [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ??
    10 * magnitude
  const start = Math.floor(lo / step) * step
  const ticks: number[] = []
  for (let t = start; t < hi + step - 1e-12; t += step) {
    ticks.push(Number(t.toPrecision(12)))
  }
  return ticks
}

/** Where the date labels go: about eight, first and last included. */
function xTicks(count: number): number[] {
  if (count <= 1) return count ? [0] : []
  const every = Math.max(1, Math.ceil(count / 8))
  const ticks: number[] = []
  for (let i = 0; i < count; i += every) ticks.push(i)
  if (count - 1 - ticks.at(-1)! >= every / 2) ticks.push(count - 1)
  return ticks
}

function commitLink(sha: string, data: HistoryPageData): string {
  const short = `<code>${html(sha.slice(0, 7))}</code>`
  return data.repoUrl && safeUrl(data.repoUrl) && /^[0-9a-f]{7,40}$/i.test(sha)
    ? `<a href="${html(`${data.repoUrl}/commit/${sha}`)}">${short}</a>`
    : short
}

function runLink(run: HistoryRun): string {
  return safeUrl(run.runUrl) ? `<a href="${html(run.runUrl!)}">run</a>` : ''
}

function safeUrl(url: string | undefined): boolean {
  return !!url && /^https?:\/\/[^\s"'<>]+$/.test(url)
}

function n(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : '0'
}

function html(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[
        c
      ]!
  )
}

const STYLE = `
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;color:#1f2328;background:#fff;margin:24px auto;max-width:960px;padding:0 16px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:32px 0 8px;padding-top:16px;border-top:1px solid #d1d9e0}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px}
a{color:#0969da}.quiet{color:#59636e}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #d1d9e0;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:2px}
svg{max-width:100%;height:auto;display:block}
circle{fill:#0969da}a circle:hover{fill:#d1242f}
.band{fill:#8c959f;fill-opacity:.18}.level{stroke:#59636e;stroke-width:1.5}
.grid{stroke:#d1d9e0;stroke-width:1}.tick{font-size:11px;fill:#59636e}.sha{font-family:ui-monospace,monospace;font-size:10px}
.change{stroke:#d1242f;stroke-width:1.5;stroke-dasharray:5 3}.change-label{font-size:11px;fill:#d1242f;font-weight:600}
details summary{cursor:pointer;font-weight:600;margin:16px 0 4px}
`
