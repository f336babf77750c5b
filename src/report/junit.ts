import junitModule, { type Builder } from 'junit-report-builder'
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

// The package's CommonJS export is the builder itself; its types declare
// it as a default export, which Node's ESM loader and ncc both give us.
const junit = junitModule as unknown as Builder

export interface JUnitInput {
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
  const builder = junit.newBuilder()
  builder.name(`perf-gate: ${input.label}`)
  const suite = (name: string) => {
    const s = builder.testSuite().name(`${input.label}: ${name}`)
    if (input.startedAt) s.timestamp(input.startedAt)
    return s
  }

  const run = suite('run')
  const runCase = run.testCase().className('perf-gate.run').name('k6 run')
  if (input.durationS !== undefined) runCase.time(input.durationS)
  // Thresholds and regressions have their own cases; the rest fails here.
  const own = verdict.failures.filter(
    (r) => r.kind !== 'thresholds' && r.kind !== 'regressions'
  )
  if (own.length) {
    runCase.failure(own.map((r) => reasonText(r, summary)).join('; '), 'run')
  }

  if (summary && summary.thresholds.length > 0) {
    const thresholds = suite('thresholds')
    for (const t of summary.thresholds) {
      const c = thresholds
        .testCase()
        .className(`perf-gate.thresholds.${t.metric}`)
        .name(`${t.metric} ${t.expression}`)
      const words = describeThreshold(t, summary)
      if (!t.passed) c.failure(`crossed: ${words}`, 'threshold')
      else c.standardOutput(`held: ${words}`)
    }
  }

  const comparison = input.comparison?.comparison
  if (comparison) {
    const gate = input.comparison?.gate
    const regressions = suite('compared with the baseline')
    for (const m of [...comparison.metrics, ...comparison.endpoints]) {
      if (m.status === 'no-baseline') continue
      const c = regressions
        .testCase()
        .className(
          `perf-gate.baseline.${m.scope === 'overall' ? 'overall' : 'endpoint'}`
        )
        .name(caseName(m))
      const words = describeComparison(m)
      if (m.status === 'regression' && gate?.failing) {
        c.failure(words, 'regression')
      } else if (m.status === 'not-judged') {
        c.skipped()
        c.standardOutput(notJudgedText(m) || words)
      } else if (m.status === 'regression') {
        c.standardOutput(
          `${words}; ${gate?.waivedBy ? `waived by the ${gate.waivedBy} label` : 'not gated (fail-on-regression is false)'}`
        )
      } else c.standardOutput(words)
    }
  }
  return builder.build()
}

function caseName(m: MetricComparison): string {
  return m.scope === 'overall'
    ? metricLabel(m.metric)
    : `${m.scope}: ${metricLabel(m.metric)}`
}
