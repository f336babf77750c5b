import type { RegressionGate } from './judge/gate.js'
import { describeComparison } from './report/comparison.js'
import type { K6Run } from './k6/run.js'
import { formatObserved } from './report/observed.js'
import type { SummaryResult, ThresholdResult } from './results/types.js'

export interface Verdict {
  passed: boolean
  /** One line for a person: what happened and what to look at. */
  headline: string
  /** Every reason the gate failed, one line each. */
  reasons: string[]
  /** Problems that do not fail the gate. */
  warnings: string[]
  failedThresholds: ThresholdResult[]
}

export interface VerdictInput {
  run: K6Run
  summary?: SummaryResult
  /** Why summary.json could not be read, when it could not. */
  summaryError?: string
  failOnIterationErrors: boolean
}

/** Pure: decide pass or fail from what k6 did and what it wrote. */
export function decideVerdict(input: VerdictInput): Verdict {
  const { run, summary } = input
  const reasons: string[] = []
  const warnings: string[] = []
  const failedThresholds = summary?.thresholds.filter((t) => !t.passed) ?? []
  const lastError = run.stderr.errors.at(-1)

  if (failedThresholds.length > 0) {
    reasons.push(
      `${failedThresholds.length} threshold${failedThresholds.length === 1 ? '' : 's'} crossed: ` +
        failedThresholds.map((t) => describeThreshold(t, summary)).join(', ')
    )
  }

  switch (run.outcome) {
    case 'passed':
      break
    case 'cancelled':
      reasons.push(
        `the run was cancelled${run.cancelledBy ? ` (${run.cancelledBy})` : ''}; ` +
          'k6 stopped before the test finished'
      )
      break
    case 'thresholds-crossed':
      if (failedThresholds.length === 0) {
        reasons.push(
          `k6 reports crossed thresholds (exit code ${run.exitCode}) but wrote no summary naming them`
        )
      }
      if (run.stderr.errors.some((e) => /abortOnFail/.test(e))) {
        reasons.push(
          'k6 stopped the test early because of an abortOnFail threshold'
        )
      }
      break
    case 'iteration-errors': {
      const errors = run.stderr
      const first = errors.firstIterationErrors[0]
      const line =
        `${errors.iterationErrors} exception${errors.iterationErrors === 1 ? '' : 's'} ` +
        `thrown inside iterations (k6 exits 0 on these)` +
        (first ? `; first: ${first.message}` : '')
      if (input.failOnIterationErrors) reasons.push(line)
      else warnings.push(line)
      break
    }
    case 'invalid-options':
      reasons.push(
        `k6 rejected the test options (exit code ${run.exitCode})` +
          (lastError ? `: ${lastError}` : '')
      )
      break
    case 'script-error':
      reasons.push(
        `the script failed (exit code ${run.exitCode})` +
          (lastError ? `: ${lastError}` : '')
      )
      break
    case 'aborted-by-script':
      reasons.push(
        `the script aborted the test (exec.test.abort, exit code ${run.exitCode})` +
          (lastError ? `: ${lastError}` : '')
      )
      break
    case 'k6-error':
      reasons.push(
        `k6 failed with exit code ${run.exitCode}` +
          (lastError ? `: ${lastError}` : '')
      )
      break
  }

  if (input.summaryError) {
    // A run that should have produced figures but did not cannot pass: the
    // gate would be vouching for numbers nobody saw.
    if (reasons.length === 0) {
      reasons.push(`k6's summary could not be read: ${input.summaryError}`)
    } else {
      warnings.push(`k6's summary could not be read: ${input.summaryError}`)
    }
  }

  const passed = reasons.length === 0
  return {
    passed,
    headline: passed
      ? headlinePassed(summary)
      : `perf-gate failed: ${reasons[0]}`,
    reasons,
    warnings,
    failedThresholds
  }
}

function headlinePassed(summary: SummaryResult | undefined): string {
  const count = summary?.thresholds.length ?? 0
  return count > 0
    ? `perf-gate passed: all ${count} threshold${count === 1 ? '' : 's'} held`
    : 'perf-gate passed: k6 finished cleanly (the script sets no thresholds)'
}

/** `http_req_duration p(95)<20 (p(95)=58.7 ms)` */
export function describeThreshold(
  threshold: ThresholdResult,
  summary: SummaryResult | undefined
): string {
  const observed = formatObserved(threshold, summary?.metrics[threshold.metric])
  return (
    `${threshold.metric} ${threshold.expression}` +
    (observed ? ` (${threshold.statistic}=${observed})` : '')
  )
}

/** Fold the baseline comparison into the run's verdict. */
export function applyRegressionGate(
  verdict: Verdict,
  gate: RegressionGate | undefined
): Verdict {
  if (!gate) return verdict
  const reasons = [...verdict.reasons]
  const warnings = [...verdict.warnings]
  const count = gate.regressions.length
  if (count > 0) {
    const line = `${count} regression${count === 1 ? '' : 's'} against the baseline: ${gate.regressions.map(describeComparison).join('; ')}`
    if (gate.failing) reasons.push(line)
    else if (gate.waivedBy) {
      warnings.push(`${line} (waived by the ${gate.waivedBy} label)`)
    } else warnings.push(`${line} (fail-on-regression is false)`)
  }
  for (const w of gate.warnings)
    warnings.push(`slower than the baseline: ${describeComparison(w)}`)
  const passed = reasons.length === 0
  let headline = passed ? verdict.headline : `perf-gate failed: ${reasons[0]}`
  if (passed && !gate.note) {
    headline +=
      count > 0
        ? `; ${count} regression${count === 1 ? '' : 's'} ${gate.waivedBy ? 'waived' : 'reported, not gated'}`
        : gate.warnings.length > 0
          ? '; slower than the baseline, within the fail tolerance'
          : '; no regression against the baseline'
  }
  return { ...verdict, passed, headline, reasons, warnings }
}
