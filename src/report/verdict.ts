import { shardLabel } from '../k6/segments.js'
import type { Reason, Verdict } from '../judge/verdict.js'
import type { SummaryResult, ThresholdResult } from '../results/types.js'
import type { MetricComparison } from '../judge/compare.js'
import {
  describeComparison,
  describeValues,
  metricLabel,
  signedDelta
} from './comparison.js'
import { formatCount, formatPercent, formatSignedShare } from './format.js'
import { signalOf } from '../k6/run.js'
import { formatObserved } from './observed.js'

/** The verdict in words: a headline, a line per reason and per warning. */
interface VerdictText {
  headline: string
  reasons: string[]
  warnings: string[]
}

export function verdictText(
  verdict: Verdict,
  summary: SummaryResult | undefined,
  /** The branch the baseline's runs are from: `main`. */
  base?: string,
  /** How many of its runs the comparison used. */
  runs?: number
): VerdictText {
  const reasons = verdict.failures.map((r) => reasonText(r, summary))
  const warnings = verdict.warnings.map((r) => reasonText(r, summary))
  // The headline names what decided; the evidence (cut-off, p) is in the
  // comparison table below it, and in the failure line of the log.
  const first = verdict.failures[0]
  return {
    headline: verdict.passed
      ? passedHeadline(
          verdict,
          base && runs
            ? `${base}'s last ${runs === 1 ? 'run' : `${runs} runs`}`
            : 'the baseline'
        )
      : first?.kind === 'regressions'
        ? regressionsInBrief(first.regressions, base)
        : first?.kind === 'thresholds'
          ? `perf-gate failed: ${thresholdsInBrief(first.thresholds, summary)}`
          : `perf-gate failed: ${reasons[0]}`,
    reasons,
    warnings
  }
}

/** `setFailed` gets one line that names everything that failed. */
export function failureLine(verdict: Verdict, summary?: SummaryResult): string {
  return `perf-gate failed: ${verdict.failures.map((r) => reasonText(r, summary)).join('; ')}`
}

function passedHeadline(verdict: Verdict, against: string): string {
  const count = verdict.thresholdCount
  const s = count === 1 ? '' : 's'
  if (verdict.shard) {
    return (
      `perf-gate ${shardLabel(verdict.shard)} ran its share of the load: ` +
      (count > 0
        ? `its ${count} threshold${s} are judged by the merge, over all ${verdict.shard.count} shards`
        : 'the merge judges the run over all shards')
    )
  }
  const together = verdict.mergedShards
    ? ` over the ${verdict.mergedShards} shards together`
    : ''
  let headline =
    count > 0
      ? `perf-gate passed: all ${count} threshold${s} held${together}`
      : `perf-gate passed: k6 finished cleanly${together} (the script sets no thresholds)`
  const paired = verdict.paired
  if (paired) {
    headline += paired.unjudged
      ? '; the paired comparison could not judge (see below)'
      : paired.regression
        ? '; the change is slower than its reference, not gated'
        : `; no regression against the reference (${formatSignedShare(paired.change)}, paired)`
  }
  const decision = verdict.regressions
  if (decision && !decision.note) {
    const n = decision.regressions.length
    headline +=
      n > 0
        ? `; ${n} regression${n === 1 ? '' : 's'} ${decision.waivedBy ? 'waived' : 'reported, not gated'}`
        : decision.warnings.length > 0
          ? '; slower than the baseline, within the fail tolerance'
          : `; no regression against ${against}`
  }
  return headline
}

/**
 * The figures that decided, first: `p95 latency +30.6% (23.7 ms → 31.0 ms),
 * p99 latency +31.1% against main's last 6 runs`; two at most, then how many
 * more.
 */
function regressionsInBrief(
  regressions: MetricComparison[],
  base: string | undefined
): string {
  const [first, second] = regressions
  const runs = first?.evidence?.runs
  const against =
    runs === undefined
      ? 'against the baseline'
      : `against ${base ? `${base}'s` : "the baseline's"} last ${runs === 1 ? 'run' : `${runs} runs`}`
  const parts = [
    first && `${scoped(first)}${signedDelta(first)} (${describeValues(first)})`,
    second && `${scoped(second)}${signedDelta(second)}`
  ].filter(Boolean)
  const more = regressions.length - parts.length
  return `${parts.join(', ')}${more > 0 ? ` and ${more} more` : ''} ${against}`
}

/** Two crossed thresholds with their values, then how many more. */
function thresholdsInBrief(
  thresholds: ThresholdResult[],
  summary: SummaryResult | undefined
): string {
  const n = thresholds.length
  const named = thresholds
    .slice(0, 2)
    .map((t) => describeThreshold(t, summary))
    .join(', ')
  return `${n} threshold${n === 1 ? '' : 's'} crossed: ${named}${n > 2 ? ` and ${n - 2} more` : ''}`
}

function scoped(c: MetricComparison): string {
  return `${c.scope === 'overall' ? '' : `${c.scope}: `}${metricLabel(c.metric)} `
}

export function reasonText(
  reason: Reason,
  summary: SummaryResult | undefined
): string {
  switch (reason.kind) {
    case 'thresholds': {
      const n = reason.thresholds.length
      return (
        `${n} threshold${n === 1 ? '' : 's'} crossed: ` +
        reason.thresholds.map((t) => describeThreshold(t, summary)).join(', ')
      )
    }
    case 'cancelled':
      return (
        `the run was cancelled${reason.signal ? ` (${reason.signal})` : ''}; ` +
        'k6 stopped before the test finished'
      )
    case 'thresholds-unnamed':
      return reason.listed > 0
        ? `k6 exited ${reason.exitCode} (a threshold was crossed) though its summary shows all ${reason.listed} threshold${reason.listed === 1 ? '' : 's'} held; k6's exit code decides`
        : `k6 reports crossed thresholds (exit code ${reason.exitCode}) but wrote no summary naming them`
    case 'error-guard':
      return (
        `${formatPercent(reason.rate)} of requests failed, above perf-gate's error-rate guard of ${formatPercent(reason.limit)} ` +
        '(the script sets no threshold on http_req_failed; set one, or change error-guard)'
      )
    case 'abort-on-fail':
      return 'k6 stopped the test early because of an abortOnFail threshold'
    case 'iteration-errors':
      return (
        `${reason.count} exception${reason.count === 1 ? '' : 's'} ` +
        `thrown inside iterations (k6 exits 0 on these)` +
        (reason.first ? `; first: ${reason.first.message}` : '')
      )
    case 'k6':
      return k6ReasonText(reason)
    case 'summary-unreadable':
      return `k6's summary could not be read: ${reason.error}`
    case 'results-incomplete':
      return (
        `results.json holds ${formatCount(reason.results)} requests where k6's summary counts ${formatCount(reason.summary)}: ` +
        'the file was cut short (a full disk, or its writer killed), so the per-endpoint figures would be wrong; run again'
      )
    case 'regressions': {
      const n = reason.regressions.length
      const line = `${n} regression${n === 1 ? '' : 's'} against the baseline: ${reason.regressions.map(describeComparison).join('; ')}`
      return line + notGatedText(reason.notGated)
    }
    case 'slower':
      return `slower than the baseline: ${describeComparison(reason.comparison)}`
    case 'paired-regression': {
      const r = reason.result
      const line =
        `the change is ${formatSignedShare(r.change)} slower than its reference under the same load ` +
        `(95% interval ${formatSignedShare(r.interval[0])} to ${formatSignedShare(r.interval[1])}, p ${r.p < 0.0001 ? '< 0.0001' : `= ${r.p.toFixed(4)}`}, ${r.buckets} paired ${r.bucketSeconds} s buckets)`
      return line + notGatedText(reason.notGated)
    }
    case 'paired-misdirected':
      return (
        `${formatCount(reason.elsewhere)} of the ${reason.target}'s ${formatCount(reason.requests)} requests went elsewhere than ${reason.url}: ` +
        "the script must take its URL from BASE_URL (perf-gate sets it to each target's), or both runs load the same service"
      )
    case 'shard-thresholds': {
      const n = reason.thresholds.length
      return (
        `${n} threshold${n === 1 ? '' : 's'} crossed on this shard's share of the load alone ` +
        `(${reason.thresholds.map((t) => describeThreshold(t, summary)).join(', ')}): not gated here; ` +
        `the merge judges every threshold over all ${reason.shard.count} shards`
      )
    }
  }
}

/** Why a regression does not fail the check, when it does not. */
function notGatedText(
  notGated: Extract<Reason, { kind: 'regressions' }>['notGated']
): string {
  if (!notGated) return ''
  return 'waivedBy' in notGated
    ? ` (waived by the ${notGated.waivedBy} label)`
    : ' (fail-on-regression is false)'
}

/** k6 ended the run itself: what its exit code means, and what to do. */
function k6ReasonText(reason: Extract<Reason, { kind: 'k6' }>): string {
  const error = reason.error ? `: ${reason.error}` : ''
  switch (reason.outcome) {
    case 'invalid-options':
      return `k6 rejected the test options (exit code ${reason.exitCode})${error}`
    case 'script-error':
      return `the script failed (exit code ${reason.exitCode})${error}`
    case 'aborted-by-script':
      return `the script aborted the test (exec.test.abort, exit code ${reason.exitCode})${error}`
    case 'marked-failed':
      return `the script marked the test as failed (exec.test.fail, exit code ${reason.exitCode})${error}`
    case 'setup-timeout':
    case 'teardown-timeout': {
      const stage = reason.outcome === 'setup-timeout' ? 'setup' : 'teardown'
      // k6 names the option in a hint; say it when it did not.
      const fix = error.includes(`${stage}Timeout`)
        ? ''
        : `; raise ${stage}Timeout in the script's options, or make ${stage}() faster`
      return `${stage}() ran past its time limit (exit code ${reason.exitCode})${error}${fix}`
    }
    case 'k6-panic':
      return `k6 crashed (exit code ${reason.exitCode}, a panic inside k6: a k6 bug, not the script's)${error}; try another k6-version`
    case 'killed': {
      const signal = signalOf(reason.exitCode)
      return (
        `k6 was killed by ${signal ?? 'a signal'} (exit code ${reason.exitCode})${error}` +
        (signal === 'SIGKILL'
          ? ': usually the runner ran out of memory; lower the load, or use a larger runner'
          : '')
      )
    }
    case 'cloud-error':
      return `k6 exited with a k6 Cloud code (${reason.exitCode})${error}; perf-gate runs k6 locally: remove cloud options from k6-args`
    default:
      return `k6 failed with exit code ${reason.exitCode}${error}`
  }
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
