import * as path from 'node:path'
import type { Inputs } from '../action/inputs.js'
import { decideVerdict, type Verdict } from '../judge/verdict.js'
import type { K6Run } from '../k6/run.js'
import { describeFinding } from '../report/findings.js'
import { resultRecord, type RunAnalysis } from '../results/analyse.js'
import { writeResult, type PerfGateResult } from '../results/result.js'
import type { Redactor } from '../shared/secrets.js'

export interface JudgedRun {
  /** The run's own verdict (thresholds, k6), before any comparison. */
  own: Verdict
  result: PerfGateResult
  resultPath: string
  /**
   * A paired run's change target alone, as the baseline store compares
   * and keeps it; undefined when no request was tagged with it.
   */
  changeResult?: PerfGateResult
}

/**
 * The run's own verdict, and perf-gate-result.json written at once: both
 * are known before any network step, and a job killed later keeps them.
 */
export function judgeRun(
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
    workspace: inputs.workspace
  })
  const own = adjust(decided)
  const resultPath = path.join(inputs.resultsDir, 'perf-gate-result.json')
  // What is stored (the file, the baseline entry) holds no secret.
  const result = redactor.redactValue(
    resultRecord(k6Run, k6Version, own.passed, analysis, describeFinding)
  )
  writeResult(resultPath, result)
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
  return { own, result, resultPath, changeResult }
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
