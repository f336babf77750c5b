import type {
  ChangePoint,
  FigureShift,
  HistoryView,
  ShiftMetric
} from '../judge/change-points.js'
import { code, text } from './escape.js'
import {
  formatAge,
  formatMs,
  formatPercent,
  formatRate,
  formatSignedShare
} from './format.js'

/** Where the words of a history link to. */
export interface HistoryLinks {
  /** `https://github.com/owner/repo`: commits link there. */
  repoUrl?: string
  /** The history page. */
  pageUrl?: string
  /** For "3 days ago"; tests pin it. */
  now?: Date
}

const LABEL: Record<ShiftMetric, string> = {
  p95: 'p95 latency',
  p99: 'p99 latency',
  p50: 'median latency',
  errorRate: 'error rate',
  rps: 'throughput'
}

/** Change points shown in the job summary, newest first. */
const SHOWN_POINTS = 5
/** Figures shown per change point, surest first. */
const SHOWN_FIGURES = 4
/** The pull request line names a move of main's this recent. */
const RECENT_RUNS = 10

/** `p95 latency`, `GET /api/x: median latency`. */
export function figureName(f: Pick<FigureShift, 'scope' | 'metric'>): string {
  return `${f.scope === 'overall' ? '' : `${f.scope}: `}${LABEL[f.metric]}`
}

/** A figure's value in its unit. */
export function figureValue(metric: ShiftMetric, value: number): string {
  if (metric === 'errorRate') return formatPercent(value)
  if (metric === 'rps') return formatRate(value)
  return formatMs(value)
}

/** `+21.1% (95% interval +15.2% to +27.3%)`; percentage points for a rate. */
export function changeText(f: FigureShift): string {
  const signed = (x: number): string =>
    f.metric === 'errorRate'
      ? `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)} pp`
      : formatSignedShare(x).replace('-', '−')
  return `${signed(f.change)} (95% interval ${signed(f.interval[0])} to ${signed(f.interval[1])})`
}

/** How sure: the two-sided p of the step. */
export function sureText(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${p.toFixed(4)}`
}

/** A table cell that should not wrap. */
function nbsp(cell: string): string {
  return cell.replace(/ /g, '\u00a0')
}

function commit(sha: string, links: HistoryLinks): string {
  const short = code(sha.slice(0, 7))
  return links.repoUrl && /^[0-9a-f]{7,40}$/i.test(sha)
    ? `[${short}](${links.repoUrl}/commit/${sha})`
    : short
}

function runLink(url: string | undefined): string {
  return url && /^https?:\/\//.test(url) ? ` ([run](${url}))` : ''
}

/**
 * The job summary's account of a branch's history, for the runs that
 * record it: every change point of the last runs, a row per figure that
 * moved, the new ones first.
 */
export function renderHistory(
  view: HistoryView,
  links: HistoryLinks
): { top: string[]; details: string[] } {
  const page = links.pageUrl ? ` ([history page](${links.pageUrl}))` : ''
  const runs = `${view.runs.length} runs of this load shape on ${code(view.branch)}`
  if (view.points.length === 0) {
    return {
      top: [],
      details: [`No change point in the last ${runs}${page}.`, '']
    }
  }
  const shown = [...view.points].reverse().slice(0, SHOWN_POINTS)
  const table = [
    '| First run at the new level | Last run before | Figure | Before → after | Change | How sure |',
    '|---|---|---|---|---|---|',
    ...shown.flatMap((point) => pointRows(point, view, links))
  ]
  const fresh = view.fresh.length
  const line =
    fresh > 0
      ? `**📈 ${fresh === 1 ? 'A change point' : `${fresh} change points`} in ${code(view.branch)}'s history, found with this run** (${runs}${page}): a level that is not the one before, which no single pull request's comparison shows.`
      : `${view.points.length} change point${view.points.length === 1 ? '' : 's'} in the last ${runs}${page}.`
  return fresh > 0
    ? { top: [line, '', ...table, ''], details: [] }
    : { top: [], details: [line, '', ...table, ''] }
}

function pointRows(
  point: ChangePoint,
  view: HistoryView,
  links: HistoryLinks
): string[] {
  const now = links.now ?? new Date()
  const isNew = view.fresh.includes(point) ? ' 🆕' : ''
  const first = `${commit(point.firstAfter.commit, links)}${runLink(point.firstAfter.runUrl)}, ${formatAge(point.firstAfter.date, now)}${isNew}`
  const last = commit(point.lastBefore.commit, links)
  return point.figures
    .slice(0, SHOWN_FIGURES)
    .map(
      (f, i) =>
        `| ${i === 0 ? first : ''} | ${i === 0 ? last : ''} | ${text(figureName(f))} | ` +
        `${nbsp(`${figureValue(f.metric, f.before)} → ${figureValue(f.metric, f.after)}`)} | ${changeText(f)} | ${nbsp(sureText(f.p))} |`
    )
}

/**
 * One line for a pull request when its base branch itself moved lately:
 * `main's p95 latency rose 12.3% at abc1234, 3 days ago`, so that a
 * reviewer does not blame the pull request for it.
 */
export function mainMovedLine(
  view: HistoryView,
  links: HistoryLinks
): string | undefined {
  const point = view.points.at(-1)
  if (!point || point.index < view.runs.length - RECENT_RUNS) return undefined
  const f = point.figures[0]
  const rose = f.change > 0
  const size =
    f.metric === 'errorRate'
      ? `${Math.abs(100 * f.change).toFixed(2)} percentage points`
      : `${Math.abs(100 * f.change).toFixed(1)}%`
  const page = links.pageUrl ? ` ([history](${links.pageUrl}))` : ''
  return (
    `ℹ️ ${code(view.branch)} itself moved lately: its ${text(figureName(f))} ${rose ? 'rose' : 'fell'} ${size} at ` +
    `${commit(point.firstAfter.commit, links)}, ${formatAge(point.firstAfter.date, links.now ?? new Date())}${page}. ` +
    `The comparison below is with runs from both sides of that move: a change in the same direction may be ${text(view.branch)}'s, not this pull request's.`
  )
}

/** A change point as a warning annotation's one line. */
export function changePointWarning(point: ChangePoint, branch: string): string {
  const figures = point.figures
    .slice(0, 2)
    .map(
      (f) =>
        `${figureName(f)} ${figureValue(f.metric, f.before)} → ${figureValue(f.metric, f.after)}, ${changeText(f)}, ${sureText(f.p)}`
    )
    .join('; ')
  return (
    `Change point in ${branch}'s history at ${point.firstAfter.commit.slice(0, 7)} ` +
    `(after ${point.lastBefore.commit.slice(0, 7)}): ${figures}.`
  )
}

/** A change point as an issue: its title and body. */
export function changePointIssueText(
  point: ChangePoint,
  view: HistoryView,
  objective: string,
  links: HistoryLinks
): { title: string; body: string } {
  const f = point.figures[0]
  const size = changeText(f).split(' (')[0]
  const title = `perf-gate: ${view.branch}'s ${figureName(f)} ${size} at ${point.firstAfter.commit.slice(0, 7)} (${objective})`
  const page = links.pageUrl
    ? `\n\nThe [history page](${links.pageUrl}) draws every run.`
    : ''
  const body = [
    `perf-gate found a change point in ${code(view.branch)}'s history of the ${code(objective)} objective: from ${commit(point.firstAfter.commit, links)}${runLink(point.firstAfter.runUrl)} on, these figures are at another level than before (the last run before: ${commit(point.lastBefore.commit, links)}).`,
    '',
    '| Figure | Before → after | Change | How sure |',
    '|---|---|---|---|',
    ...point.figures.map(
      (g) =>
        `| ${text(figureName(g))} | ${figureValue(g.metric, g.before)} → ${figureValue(g.metric, g.after)} | ${changeText(g)} | ${sureText(g.p)} |`
    ),
    '',
    `The commits between ${commit(point.lastBefore.commit, links)} and ${commit(point.firstAfter.commit, links)} are where it happened.` +
      page
  ].join('\n')
  return { title: title.slice(0, 200), body }
}
