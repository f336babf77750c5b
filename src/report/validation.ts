import type { Inspected, InspectedScenario } from '../k6/inspect.js'
import { code, text } from './escape.js'
import { renderPlan, type PlanView } from './load-plan.js'

/** What validate-only checked, and what a run would do. */
export interface ValidationView {
  /** The script k6 inspected, as the workspace names it. */
  scriptLabel: string
  k6Version: string
  inspected: Inspected
  /** The profile, its plan and script, when the run has one. */
  prepared?: PlanView
}

/** One scenario's load as k6 derived it, in k6's option names. */
function inspectedLoad(s: InspectedScenario): string {
  const parts: string[] = []
  const has = (key: string): boolean => s[key] !== null && s[key] !== undefined
  if (has('rate')) {
    const per = String(s.timeUnit ?? '1s')
    parts.push(
      `${String(s.rate)} iterations${per === '1s' ? '/s' : ` per ${per}`}`
    )
  }
  const unit =
    s.executor === 'ramping-vus' ? ' VUs' : `/${String(s.timeUnit ?? '1s')}`
  const from = has('startVUs') ? s.startVUs : s.startRate
  if (has('vus')) parts.push(`${String(s.vus)} VUs`)
  if (has('iterations')) parts.push(`${String(s.iterations)} iterations`)
  if (Array.isArray(s.stages)) {
    const stages = s.stages as { duration?: string; target?: number }[]
    parts.push(
      (from !== null && from !== undefined
        ? `from ${String(from)}${unit}: `
        : '') +
        stages
          .map((st) => `${st.target}${unit} over ${st.duration}`)
          .join(' → ')
    )
  }
  if (has('duration')) parts.push(`for ${String(s.duration)}`)
  if (has('maxDuration')) parts.push(`within ${String(s.maxDuration)}`)
  return parts.join(', ') || '–'
}

function vusOf(s: InspectedScenario): string {
  const pre = s.preAllocatedVUs
  const max = s.maxVUs
  if (typeof max === 'number') {
    return typeof pre === 'number' ? `${pre}–${max}` : String(max)
  }
  if (typeof s.vus === 'number') return String(s.vus)
  if (s.executor === 'ramping-vus' && Array.isArray(s.stages)) {
    const targets = (s.stages as { target?: number }[]).map((st) =>
      Number(st.target ?? 0)
    )
    return String(Math.max(Number(s.startVUs ?? 0), ...targets))
  }
  return '–'
}

export function renderValidation(view: ValidationView): string {
  const { inspected } = view
  const scenarios = Object.entries(inspected.scenarios)
  const thresholds = Object.entries(inspected.thresholds)
  const count = thresholds.reduce((n, [, list]) => n + list.length, 0)
  const out = [
    `## ✅ perf-gate validated ${code(view.scriptLabel, { max: 300 })} (validate-only: no load was sent)`,
    '',
    view.prepared
      ? `${code(view.prepared.profileLabel)} is a valid profile; the script it generates loads in k6 v${text(view.k6Version)}.`
      : `The script loads in k6 v${text(view.k6Version)}.`,
    ''
  ]
  if (view.prepared) out.push(...renderPlan(view.prepared), '')
  out.push(
    `### What k6 read (\`k6 inspect\`)`,
    '',
    '| Scenario | Executor | Load | VUs |',
    '|---|---|---|---|',
    ...scenarios.map(
      ([name, s]) =>
        `| ${code(name, { cell: true })} | ${code(String(s.executor), { cell: true })} | ${text(inspectedLoad(s), 300)} | ${vusOf(s)} |`
    ),
    '',
    [
      inspected.maxVUs !== undefined
        ? `At most ${inspected.maxVUs} VUs`
        : undefined,
      inspected.totalDuration
        ? `at most ${text(inspected.totalDuration)} with the graceful stops`
        : undefined
    ]
      .filter(Boolean)
      .join(', ') + '.',
    '',
    count
      ? `${count} thresholds on ${thresholds.length} metrics, each read as k6 reads it:`
      : 'No thresholds: a run would fail only on a real regression or on k6 itself.',
    ''
  )
  if (count) {
    out.push(
      '| Metric | Thresholds |',
      '|---|---|',
      ...thresholds.map(
        ([key, list]) =>
          `| ${code(key, { cell: true })} | ${list.map((t) => code(t, { cell: true })).join(' ')} |`
      ),
      ''
    )
  }
  return out.join('\n')
}
