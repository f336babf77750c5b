import type { Comparison, MetricComparison } from './compare.js'

/** What the comparison with the baseline decides for the check. */
export interface RegressionDecision {
  /** Regressions fail the check (not waived, fail-on-regression true). */
  failing: boolean
  /** Waived by this PR label. */
  waivedBy?: string
  /** Beyond the fail tier. */
  regressions: MetricComparison[]
  /** Beyond the warn tier only. */
  warnings: MetricComparison[]
  /** Why nothing was gated, when nothing was. */
  note?: 'no-baseline' | 'load-shape-changed'
}

interface DecisionOptions {
  failOnRegression: boolean
  waiverLabel: string
  /** Labels of the pull request, if this is one. */
  labels: string[]
}

export function decideRegressions(
  comparison: Comparison | undefined,
  options: DecisionOptions
): RegressionDecision {
  if (!comparison || comparison.history.length === 0) {
    return {
      failing: false,
      regressions: [],
      warnings: [],
      note: 'no-baseline'
    }
  }
  const { regressions, warnings } = comparison
  const waived =
    regressions.length > 0 && options.labels.includes(options.waiverLabel)
  return {
    failing: regressions.length > 0 && options.failOnRegression && !waived,
    waivedBy: waived ? options.waiverLabel : undefined,
    regressions,
    warnings,
    note: comparison.fingerprintChanged ? 'load-shape-changed' : undefined
  }
}
