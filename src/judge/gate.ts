import type { Comparison, MetricComparison } from './compare.js'

export type GateVerdict = 'pass' | 'warn' | 'waived' | 'regression' | 'fail'

/** What the comparison decides for the check. */
export interface RegressionGate {
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

export interface GateOptions {
  failOnRegression: boolean
  waiverLabel: string
  /** Labels of the pull request, if this is one. */
  labels: string[]
}

export function regressionGate(
  comparison: Comparison | undefined,
  options: GateOptions
): RegressionGate {
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

export function gateVerdict(
  runPassed: boolean,
  gate: RegressionGate
): GateVerdict {
  if (!runPassed) return 'fail'
  if (gate.regressions.length > 0) {
    if (gate.waivedBy) return 'waived'
    return gate.failing ? 'regression' : 'warn'
  }
  return gate.warnings.length > 0 ? 'warn' : 'pass'
}
