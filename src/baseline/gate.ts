import type { Comparison, MetricComparison } from './compare.js'
import { METRICS } from './compare.js'

export type GateVerdict = 'pass' | 'warn' | 'waived' | 'regression' | 'fail'

export interface RegressionGate {
  /** Regressions fail the check (not waived, fail-on-regression true). */
  failing: boolean
  /** Waived by this PR label. */
  waivedBy?: string
  /** One line per regression and per warning, for the log and the comment. */
  regressions: string[]
  warnings: string[]
  /** Why nothing was gated, when nothing was. */
  note?: string
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
      note: 'no baseline to compare with yet'
    }
  }
  const regressions = comparison.regressions.map(describe)
  const warnings = comparison.warnings.map(describe)
  const waived =
    regressions.length > 0 && options.labels.includes(options.waiverLabel)
  return {
    failing: regressions.length > 0 && options.failOnRegression && !waived,
    waivedBy: waived ? options.waiverLabel : undefined,
    regressions,
    warnings,
    note: comparison.fingerprintChanged
      ? 'the load shape changed since the baseline: compared for information, not gated'
      : undefined
  }
}

function describe(c: MetricComparison): string {
  const where = c.scope === 'overall' ? '' : `${c.scope}: `
  return `${where}${c.reason ?? METRICS[c.metric].label}`
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
