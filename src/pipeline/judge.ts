import * as core from '@actions/core'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { pairedTest, type PairedResult } from '../judge/paired.js'
import {
  applyMisdirected,
  applyPaired,
  decideVerdict,
  shardVerdict,
  type Verdict
} from '../judge/verdict.js'
import { currentLabels } from '../publish/labels.js'
import type { ShardingView } from '../report/shards.js'
import type { Deadline } from '../shared/deadline.js'
import { clearOwnFile, type K6Run } from '../k6/run.js'
import { errorMessage } from '../shared/errors.js'
import { describeFinding } from '../report/findings.js'
import { resultRecord, type RunAnalysis } from '../results/analyse.js'
import { writeResult, type PerfGateResult } from '../results/result.js'
import type { Redactor } from '../shared/secrets.js'
import type { Measured } from './measured.js'
import type { Step } from './step.js'

interface JudgedRun {
  /** The run's own verdict (thresholds, k6), before any comparison. */
  own: Verdict
  result: PerfGateResult
  /** perf-gate-result.json, when it could be written. */
  resultPath?: string
  /**
   * A paired run's change target alone, as the baseline store compares
   * and keeps it; undefined when no request was tagged with it.
   */
  changeResult?: PerfGateResult
}

/** The judge stage's result: the verdict before the comparison. */
export interface Judged extends JudgedRun {
  /** The own verdict with the paired test's (the comparison comes next). */
  verdict: Verdict
  /** The paired test, when the run was paired and had samples. */
  paired?: PairedResult
  /** The step's context, with the pull request's labels as they are now. */
  context: RunContext
}

/**
 * The judge stage: the run's own verdict (k6, thresholds, a shard's or a
 * merge's view of it), then the paired test with the waiver label read
 * from the API (one added before a re-run is not in the event's payload).
 */
export async function judge(
  run: Measured,
  step: Step,
  deadline: Deadline
): Promise<Judged> {
  const { inputs } = step
  const judged = judgeRun(
    run.k6Run,
    run.analysis,
    inputs,
    run.k6Version,
    step.redactor,
    (verdict) => withSharding(verdict, run.sharding)
  )
  // Only where a waiver can change the verdict: a comparison, or a pair.
  const waivable = inputs.baseline.store !== 'none' || run.pair !== undefined
  const context = waivable
    ? await withCurrentLabels(step.context, inputs.githubToken, deadline)
    : step.context
  const samples = run.pair ? run.analysis.paired : undefined
  if (!run.pair || !samples) return { ...judged, verdict: judged.own, context }
  const paired = pairedTest(samples.samples)
  const waivedBy = context.pullRequest?.labels.includes(inputs.waiverLabel)
    ? inputs.waiverLabel
    : undefined
  const verdict = applyMisdirected(
    applyPaired(judged.own, paired, {
      failOnRegression: inputs.failOnRegression,
      waivedBy
    }),
    samples,
    run.pair
  )
  return { ...judged, verdict, paired, context }
}

/** A shard gates on nothing of its own; a merge says how many it merged. */
function withSharding(
  verdict: Verdict,
  sharding: ShardingView | undefined
): Verdict {
  if (sharding?.shard) return shardVerdict(verdict, sharding.shard.shard)
  if (sharding?.merged) {
    return { ...verdict, mergedShards: sharding.merged.shards.length }
  }
  return verdict
}

/** The pull request's labels as they are now. */
async function withCurrentLabels(
  context: RunContext,
  token: string,
  deadline: Deadline
): Promise<RunContext> {
  if (!context.pullRequest) return context
  const labels = await currentLabels({
    token,
    apiUrl: context.apiUrl,
    repository: context.repository,
    number: context.pullRequest.number,
    fromPayload: context.pullRequest.labels,
    deadline
  })
  return { ...context, pullRequest: { ...context.pullRequest, labels } }
}

/**
 * results.json against the summary of the same run: k6 counts every
 * request in both, so fewer in the file means the file was cut short.
 */
export function resultsIncomplete(
  analysis: RunAnalysis
): { results: number; summary: number } | undefined {
  const summary = analysis.summary?.metrics.http_reqs?.values.count
  const results = analysis.stream?.http.requests
  if (summary === undefined || results === undefined) return undefined
  return results < summary ? { results, summary } : undefined
}

/**
 * The run's own verdict, and perf-gate-result.json written at once: both
 * are known before any network step, and a job killed later keeps them.
 */
function judgeRun(
  k6Run: K6Run,
  analysis: RunAnalysis,
  inputs: Inputs,
  k6Version: string,
  redactor: Redactor,
  /** A shard's or a merge's view of the verdict. */
  adjust: (verdict: Verdict) => Verdict = (verdict) => verdict
): JudgedRun {
  const decided = decideVerdict({
    run: k6Run,
    summary: analysis.summary,
    summaryError: analysis.summaryError,
    failOnIterationErrors: inputs.failOnIterationErrors,
    errorGuard: inputs.errorGuard,
    errorRate: analysis.figures?.errorRate,
    guardsErrors: guardsErrors(analysis),
    workspace: inputs.workspace,
    resultsIncomplete: resultsIncomplete(analysis)
  })
  const own = adjust(decided)
  const resultPath = path.join(inputs.resultsDir, 'perf-gate-result.json')
  // What is stored (the file, the baseline entry) holds no secret.
  const result = redactor.redactValue(
    resultRecord(k6Run, k6Version, own.passed, analysis, describeFinding)
  )
  // What was measured is reported even when this file cannot be written
  // (a full disk, a directory in its place): the job summary, the
  // outputs and k6's own files still go out.
  let written: string | undefined = resultPath
  try {
    clearOwnFile(resultPath)
    writeResult(resultPath, result)
  } catch (error) {
    written = undefined
    core.warning(
      `Could not write ${resultPath}: ${errorMessage(error)}. The report goes on without it.`
    )
  }
  const change = analysis.change
  // Requests tagged target=change: a run without the tag has no change.
  const changeResult =
    change && (analysis.paired?.requests.change ?? 0) > 0
      ? redactor.redactValue(
          resultRecord(
            k6Run,
            k6Version,
            own.passed,
            { ...analysis, figures: change.figures, stream: change.stream },
            describeFinding
          )
        )
      : undefined
  return { own, result, resultPath: written, changeResult }
}

/**
 * The script sets a threshold on failed requests: in the summary's list
 * (tag filters too), or in results.json's metric header (the list of a
 * format that names none).
 */
function guardsErrors(analysis: RunAnalysis): boolean {
  const listed = analysis.summary?.thresholds.some(
    (t) =>
      t.metric === 'http_req_failed' || t.metric.startsWith('http_req_failed{')
  )
  return (
    !!listed ||
    (analysis.stream?.metrics.http_req_failed?.thresholds.length ?? 0) > 0
  )
}
