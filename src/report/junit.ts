import type { MetricComparison } from '../judge/compare.js'
import type { Verdict } from '../judge/verdict.js'
import type { SummaryResult } from '../results/types.js'
import {
  describeComparison,
  metricLabel,
  notJudgedText,
  type ComparisonReport
} from './comparison.js'
import { describeThreshold, reasonText } from './verdict.js'

export const JUNIT_FILE = 'perf-gate-junit.xml'

interface JUnitInput {
  verdict: Verdict
  summary?: SummaryResult
  comparison?: ComparisonReport
  /** What ran: the script or the profile, for the suites' names. */
  label: string
  /** The run's length in seconds. */
  durationS?: number
  /** When the run started (the suites' timestamp). */
  startedAt?: Date
}

/**
 * The run as JUnit XML, as dorny/test-reporter, mikepenz/action-junit-report
 * and GitLab read it: a suite of the run itself (a failure when k6 or
 * perf-gate's guards failed it), a suite of thresholds (a case each, failed
 * when crossed, with what was observed), and a suite of the comparison with
 * the baseline (a case per judged figure, failed when a regression fails
 * the check; unjudged figures are skipped, saying what would judge them).
 */
export function renderJUnit(input: JUnitInput): string {
  const { verdict, summary } = input
  const suites: Suite[] = []
  const suite = (name: string): Suite => {
    const s: Suite = { name: `${input.label}: ${name}`, cases: [] }
    suites.push(s)
    return s
  }

  const runCase: Case = {
    className: 'perf-gate.run',
    name: 'k6 run',
    time: input.durationS
  }
  suite('run').cases.push(runCase)
  // Thresholds and regressions have their own cases; the rest fails here.
  const own = verdict.failures.filter(
    (r) => r.kind !== 'thresholds' && r.kind !== 'regressions'
  )
  if (own.length) {
    runCase.failure = {
      message: own.map((r) => reasonText(r, summary)).join('; '),
      type: 'run'
    }
  }

  if (summary && summary.thresholds.length > 0) {
    const thresholds = suite('thresholds')
    for (const t of summary.thresholds) {
      const words = describeThreshold(t, summary)
      thresholds.cases.push({
        className: `perf-gate.thresholds.${t.metric}`,
        name: `${t.metric} ${t.expression}`,
        ...(t.passed
          ? { out: `held: ${words}` }
          : { failure: { message: `crossed: ${words}`, type: 'threshold' } })
      })
    }
  }

  const comparison = input.comparison?.comparison
  if (comparison) {
    const gate = input.comparison?.gate
    const regressions = suite('compared with the baseline')
    for (const m of [...comparison.metrics, ...comparison.endpoints]) {
      if (m.status === 'no-baseline') continue
      const c: Case = {
        className: `perf-gate.baseline.${m.scope === 'overall' ? 'overall' : 'endpoint'}`,
        name: caseName(m)
      }
      const words = describeComparison(m)
      if (m.status === 'regression' && gate?.failing) {
        c.failure = { message: words, type: 'regression' }
      } else if (m.status === 'not-judged') {
        c.skipped = true
        c.out = notJudgedText(m) || words
      } else if (m.status === 'regression') {
        c.out = `${words}; ${gate?.waivedBy ? `waived by the ${gate.waivedBy} label` : 'not gated (fail-on-regression is false)'}`
      } else c.out = words
      regressions.cases.push(c)
    }
  }
  return xml(`perf-gate: ${input.label}`, suites, input.startedAt)
}

interface Case {
  className: string
  name: string
  time?: number
  failure?: { message: string; type: string }
  skipped?: boolean
  /** system-out */
  out?: string
}

interface Suite {
  name: string
  cases: Case[]
}

/**
 * The JUnit XML the report tools read: testsuites with the totals, a
 * testsuite per suite (its timestamp the run's start, local form without
 * a zone, as Ant writes it), a testcase per case.
 */
function xml(name: string, suites: Suite[], startedAt?: Date): string {
  const count = (cases: Case[]) => ({
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: 0,
    skipped: cases.filter((c) => c.skipped).length
  })
  const all = count(suites.flatMap((s) => s.cases))
  const timestamp = startedAt?.toISOString().replace(/\.\d+Z$/, '')
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name, ...all })}>`
  ]
  for (const s of suites) {
    lines.push(
      `  <testsuite${attributes({ name: s.name, timestamp, ...count(s.cases) })}>`
    )
    for (const c of s.cases) {
      const open = `    <testcase${attributes({ classname: c.className, name: c.name, time: c.time })}`
      const body = [
        ...(c.failure
          ? [
              `      <failure${attributes({ message: c.failure.message, type: c.failure.type })}/>`
            ]
          : []),
        ...(c.skipped ? ['      <skipped/>'] : []),
        ...(c.out !== undefined
          ? [`      <system-out>${cdata(c.out)}</system-out>`]
          : [])
      ]
      lines.push(
        ...(body.length
          ? [`${open}>`, ...body, '    </testcase>']
          : [`${open}/>`])
      )
    }
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return lines.join('\n')
}

function attributes(
  values: Record<string, string | number | undefined>
): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('')
}

/** Text XML can hold: no control characters, the five entities escaped. */
function escapeXml(text: string): string {
  return xmlText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

function cdata(text: string): string {
  // ']]>' would end the section: split it across two.
  return `<![CDATA[${xmlText(text).replace(/]]>/g, ']]]]><![CDATA[>')}]]>`
}

function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '')
}

function caseName(m: MetricComparison): string {
  return m.scope === 'overall'
    ? metricLabel(m.metric)
    : `${m.scope}: ${metricLabel(m.metric)}`
}
