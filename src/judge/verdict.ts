import { k6MessageLine, type IterationError } from '../k6/log.js'
import type { K6Run, Outcome } from '../k6/run.js'
import type { Shard } from '../k6/segments.js'
import type { PairedResult } from './paired.js'
import type { PairedSamples } from '../results/paired-samples.js'
import type { SummaryResult, ThresholdResult } from '../results/types.js'
import type { MetricComparison } from './compare.js'
import type { RegressionDecision } from './regressions.js'

/**
 * Why a run failed, or what a passing run should still say: data with its
 * figures. report/verdict.ts puts it into words.
 */
export type Reason =
  | { kind: 'thresholds'; thresholds: ThresholdResult[] }
  | { kind: 'cancelled'; signal?: NodeJS.Signals }
  /**
   * Exit 99 but no crossed threshold in the summary: it lists `listed`
   * thresholds, all held (0: the format names none).
   */
  | { kind: 'thresholds-unnamed'; exitCode: number; listed: number }
  /**
   * The script sets no threshold on http_req_failed and more requests
   * failed than perf-gate's guard allows.
   */
  | { kind: 'error-guard'; rate: number; limit: number }
  | { kind: 'abort-on-fail' }
  | { kind: 'iteration-errors'; count: number; first?: IterationError }
  | {
      kind: 'k6'
      outcome: Exclude<
        Outcome,
        'passed' | 'thresholds-crossed' | 'iteration-errors' | 'cancelled'
      >
      exitCode: number
      /**
       * What k6 said, in one line: the reason given to exec.test.fail(),
       * or k6's last error.
       */
      error?: string
    }
  | { kind: 'summary-unreadable'; error: string }
  /**
   * results.json holds fewer requests than k6's summary counts: its writer
   * was cut off (a full disk, a killed process), and what it is missing
   * would be missing from every per-endpoint figure.
   */
  | { kind: 'results-incomplete'; results: number; summary: number }
  | {
      kind: 'regressions'
      regressions: MetricComparison[]
      /** Reported, not failed: by this label, or fail-on-regression false. */
      notGated?: { waivedBy: string } | { failOnRegression: false }
    }
  | { kind: 'slower'; comparison: MetricComparison }
  /**
   * Paired A/B: the change slower than the reference beyond the noise and
   * the tolerance, under the same load at the same moments.
   */
  | {
      kind: 'paired-regression'
      result: PairedResult
      notGated?: { waivedBy: string } | { failOnRegression: false }
    }
  /**
   * Paired A/B with a script of the user's: most of a target's requests did
   * not go to its URL (the script ignores BASE_URL), so both runs loaded
   * the same service and the comparison means nothing.
   */
  | {
      kind: 'paired-misdirected'
      target: 'change' | 'reference'
      /** Requests whose URL k6 recorded (those without a name tag). */
      requests: number
      elsewhere: number
      /** The URL its requests should have gone to (no credentials). */
      url: string
    }
  /**
   * A shard's own thresholds, judged by k6 on its segment alone: recorded,
   * not gated (the merge judges them over every shard).
   */
  | { kind: 'shard-thresholds'; shard: Shard; thresholds: ThresholdResult[] }

/** The run's verdict. */
export interface Verdict {
  passed: boolean
  /** Every reason the gate failed. */
  failures: Reason[]
  /** Problems that do not fail the gate. */
  warnings: Reason[]
  failedThresholds: ThresholdResult[]
  /** Thresholds the run was judged on. */
  thresholdCount: number
  /** What the comparison with the baseline decided, when there was one. */
  regressions?: RegressionDecision
  /** perf-gate's error-rate guard, when it applied (no threshold of the script's). */
  errorGuard?: { limit: number; rate: number }
  /** This run was one shard: its thresholds are the merge's to judge. */
  shard?: Shard
  /** This run is the merge of this many shards. */
  mergedShards?: number
  /** A paired A/B run's comparison of the change with its reference. */
  paired?: PairedResult
}

/** The `verdict` output: what a workflow branches on. */
type VerdictLabel = 'pass' | 'warn' | 'waived' | 'regression' | 'fail'

interface VerdictInput {
  run: K6Run
  summary?: SummaryResult
  /** Why summary.json could not be read, when it could not. */
  summaryError?: string
  failOnIterationErrors: boolean
  /**
   * The share of failed requests above which a run fails when the script
   * sets no threshold on http_req_failed; undefined: no guard.
   */
  errorGuard?: number
  /** Share of requests that failed (http_req_failed). */
  errorRate?: number
  /** The script has a threshold on http_req_failed (any tag filter). */
  guardsErrors?: boolean
  /** Paths under it are shown relative in k6's messages. */
  workspace?: string
  /** Requests in results.json and in the summary, when they differ. */
  resultsIncomplete?: { results: number; summary: number }
}

const MARKED_FAILED = /^test marked as failed: /
/** k6's own words after the cause, which say nothing the exit code does not. */
const GENERIC = [
  /^test run was marked as failed$/,
  /^thresholds on metrics .* have been crossed$/
]

/**
 * The k6 message that says why: the reason given to exec.test.fail(), or
 * the last error that is not a restatement of the exit code.
 */
function k6Reason(run: K6Run, workspace?: string): string | undefined {
  const errors = run.stderr.errors
  const marked = errors.find((e) => MARKED_FAILED.test(e))
  if (marked) return k6MessageLine(marked.replace(MARKED_FAILED, ''), workspace)
  const last = [...errors]
    .reverse()
    .find((e) => !GENERIC.some((g) => g.test(e)))
  return last === undefined ? undefined : k6MessageLine(last, workspace)
}

/** Pure: decide pass or fail from what k6 did and what it wrote. */
export function decideVerdict(input: VerdictInput): Verdict {
  const { run, summary } = input
  const failures: Reason[] = []
  const warnings: Reason[] = []
  const failedThresholds = summary?.thresholds.filter((t) => !t.passed) ?? []
  const error = k6Reason(run, input.workspace)

  if (failedThresholds.length > 0) {
    failures.push({ kind: 'thresholds', thresholds: failedThresholds })
  }

  outcomeReasons(input, failedThresholds, error, failures, warnings)

  // A gate is not green when nothing worked: without a threshold of the
  // script's on failed requests, perf-gate's guard stands in.
  let errorGuard: Verdict['errorGuard']
  if (
    input.errorGuard !== undefined &&
    !input.guardsErrors &&
    input.errorRate !== undefined
  ) {
    errorGuard = { limit: input.errorGuard, rate: input.errorRate }
    if (input.errorRate > input.errorGuard) {
      failures.push({
        kind: 'error-guard',
        rate: input.errorRate,
        limit: input.errorGuard
      })
    }
  }

  if (input.resultsIncomplete) {
    failures.push({ kind: 'results-incomplete', ...input.resultsIncomplete })
  }

  if (input.summaryError) {
    // A run that should have produced figures but did not cannot pass: the
    // gate would be vouching for numbers nobody saw.
    const reason: Reason = {
      kind: 'summary-unreadable',
      error: input.summaryError
    }
    if (failures.length === 0) failures.push(reason)
    else warnings.push(reason)
  }

  return {
    passed: failures.length === 0,
    failures,
    warnings,
    failedThresholds,
    thresholdCount: summary?.thresholds.length ?? 0,
    errorGuard
  }
}

/** What k6's outcome says, beside the thresholds it named. */
function outcomeReasons(
  input: VerdictInput,
  failedThresholds: ThresholdResult[],
  error: string | undefined,
  failures: Reason[],
  warnings: Reason[]
): void {
  const { run, summary } = input
  switch (run.outcome) {
    case 'passed':
      break
    case 'cancelled':
      failures.push({ kind: 'cancelled', signal: run.cancelledBy })
      break
    case 'thresholds-crossed':
      if (failedThresholds.length === 0) {
        failures.push({
          kind: 'thresholds-unnamed',
          exitCode: run.exitCode,
          listed: summary?.thresholds.length ?? 0
        })
      }
      if (run.stderr.errors.some((e) => /abortOnFail/.test(e))) {
        failures.push({ kind: 'abort-on-fail' })
      }
      break
    case 'iteration-errors': {
      const reason: Reason = {
        kind: 'iteration-errors',
        count: run.stderr.iterationErrors,
        first: run.stderr.firstIterationErrors[0]
      }
      if (input.failOnIterationErrors) failures.push(reason)
      else warnings.push(reason)
      break
    }
    default:
      failures.push({
        kind: 'k6',
        outcome: run.outcome,
        exitCode: run.exitCode,
        error
      })
  }
}

/**
 * A shard's verdict: k6 judged the thresholds (and perf-gate its error
 * guard) on this segment's share of the load, which says nothing of the
 * run's; they are recorded for the merge, which judges them over all
 * shards. What stopped k6 itself still fails the shard.
 */
export function shardVerdict(verdict: Verdict, shard: Shard): Verdict {
  const own = ['thresholds', 'thresholds-unnamed', 'error-guard']
  const failures = verdict.failures.filter((r) => !own.includes(r.kind))
  const warnings: Reason[] = [
    ...(verdict.failedThresholds.length > 0
      ? [
          {
            kind: 'shard-thresholds' as const,
            shard,
            thresholds: verdict.failedThresholds
          }
        ]
      : []),
    ...verdict.warnings
  ]
  return {
    ...verdict,
    passed: failures.length === 0,
    failures,
    warnings,
    errorGuard: undefined,
    shard
  }
}

/** Fold the comparison with the baseline into the run's verdict. */
export function applyRegressions(
  verdict: Verdict,
  decision: RegressionDecision | undefined
): Verdict {
  if (!decision) return verdict
  const failures = [...verdict.failures]
  const warnings = [...verdict.warnings]
  if (decision.regressions.length > 0) {
    const reason: Reason = {
      kind: 'regressions',
      regressions: decision.regressions
    }
    if (decision.failing) failures.push(reason)
    else
      warnings.push({
        ...reason,
        notGated: decision.waivedBy
          ? { waivedBy: decision.waivedBy }
          : { failOnRegression: false }
      })
  }
  for (const comparison of decision.warnings) {
    warnings.push({ kind: 'slower', comparison })
  }
  return {
    ...verdict,
    passed: failures.length === 0,
    failures,
    warnings,
    regressions: decision
  }
}

/**
 * Fold a paired comparison into the run's verdict: a regression fails the
 * gate unless the waiver label or fail-on-regression false says otherwise.
 */
export function applyPaired(
  verdict: Verdict,
  result: PairedResult,
  gate: { failOnRegression: boolean; waivedBy?: string }
): Verdict {
  const out = { ...verdict, paired: result }
  if (!result.regression) return out
  if (gate.failOnRegression && !gate.waivedBy) {
    return {
      ...out,
      passed: false,
      failures: [...verdict.failures, { kind: 'paired-regression', result }]
    }
  }
  return {
    ...out,
    warnings: [
      ...verdict.warnings,
      {
        kind: 'paired-regression',
        result,
        notGated: gate.waivedBy
          ? { waivedBy: gate.waivedBy }
          : { failOnRegression: false }
      }
    ]
  }
}

/**
 * A paired run whose targets did not each get their requests fails: what
 * it compared was one service with itself.
 */
export function applyMisdirected(
  verdict: Verdict,
  samples: PairedSamples,
  urls: { change?: string; reference?: string }
): Verdict {
  const failures: Reason[] = []
  for (const target of ['change', 'reference'] as const) {
    const requests = samples.withUrl?.[target] ?? 0
    const elsewhere = samples.elsewhere?.[target] ?? 0
    if (requests > 0 && elsewhere * 2 > requests) {
      failures.push({
        kind: 'paired-misdirected',
        target,
        requests,
        elsewhere,
        url: urls[target] ?? ''
      })
    }
  }
  return failures.length === 0
    ? verdict
    : {
        ...verdict,
        passed: false,
        failures: [...verdict.failures, ...failures]
      }
}

/** The `verdict` output for a run. */
export function verdictLabel(verdict: Verdict): VerdictLabel {
  const decision = verdict.regressions
  const ownFailures = verdict.failures.filter(
    (r) => r.kind !== 'regressions' && r.kind !== 'paired-regression'
  )
  if (ownFailures.length > 0) return 'fail'
  if (verdict.paired?.regression) {
    const reason = [...verdict.failures, ...verdict.warnings].find(
      (r) => r.kind === 'paired-regression'
    )
    if (reason?.kind === 'paired-regression' && reason.notGated)
      return 'waivedBy' in reason.notGated ? 'waived' : 'warn'
    return 'regression'
  }
  if (decision && decision.regressions.length > 0) {
    if (decision.waivedBy) return 'waived'
    return decision.failing ? 'regression' : 'warn'
  }
  return decision && decision.warnings.length > 0 ? 'warn' : 'pass'
}
