import * as core from '@actions/core'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { toleranceConfig } from '../judge/compare.js'
import {
  applyRegressions,
  decideVerdict,
  type Verdict
} from '../judge/verdict.js'
import type { K6Run } from '../k6/run.js'
import type { Profile } from '../profile/schema.js'
import { describeFinding } from '../report/findings.js'
import { resultRecord, type RunAnalysis } from '../results/analyse.js'
import { writeResult, type PerfGateResult } from '../results/result.js'
import { errorMessage } from '../shared/errors.js'
import { compareWithBaseline, type BaselineComparison } from './baseline.js'

export interface Judged {
  /** The final verdict: the run's own, then the comparison's. */
  verdict: Verdict
  /** The run's own verdict (thresholds, k6), before the comparison. */
  own: Verdict
  result: PerfGateResult
  resultPath: string
  baseline?: BaselineComparison
}

/**
 * The run's own verdict, perf-gate-result.json written, then the
 * comparison with the baseline folded in. The comparison never throws: a
 * store it cannot reach is a warning, and the results are already on disk.
 */
export async function judge(
  k6Run: K6Run,
  analysis: RunAnalysis,
  run: {
    inputs: Inputs
    context: RunContext
    k6Version: string
    objective: string
    fingerprint: string
    profile?: Profile
  }
): Promise<Judged> {
  const { inputs, context } = run
  const own = decideVerdict({
    run: k6Run,
    summary: analysis.summary,
    summaryError: analysis.summaryError,
    failOnIterationErrors: inputs.failOnIterationErrors
  })
  const resultPath = path.join(inputs.resultsDir, 'perf-gate-result.json')
  const result = resultRecord(
    k6Run,
    run.k6Version,
    own.passed,
    analysis,
    describeFinding
  )
  writeResult(resultPath, result)

  const baseline = analysis.figures
    ? await compareWithBaseline({
        baseline: inputs.baseline,
        context,
        token: inputs.githubToken,
        result,
        objective: run.objective,
        fingerprint: run.fingerprint,
        tolerances: toleranceConfig(run.profile?.regression, {
          floorMs: inputs.regressionFloorMs,
          noise: inputs.regressionNoise
        }),
        failOnRegression: inputs.failOnRegression,
        waiverLabel: inputs.waiverLabel,
        artifactPrefix: `${inputs.artifactName}-baseline`
      }).catch((error: unknown) => {
        core.warning(`Baseline comparison skipped: ${errorMessage(error)}`)
        return undefined
      })
    : undefined
  for (const warning of baseline?.warnings ?? []) core.warning(warning)
  return {
    verdict: applyRegressions(own, baseline?.decision),
    own,
    result,
    resultPath,
    baseline
  }
}
