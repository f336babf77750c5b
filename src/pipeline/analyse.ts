import * as core from '@actions/core'
import type { K6Run } from '../k6/run.js'
import type { LoadPlan } from '../profile/plan.js'
import { analyseRun, type RunAnalysis } from '../results/analyse.js'

/** k6's files analysed, with what a person should know logged. */
export async function analyse(
  k6Run: K6Run,
  secrets: readonly string[],
  plan?: LoadPlan,
  /** One target's run of a paired pair (a script of the user's, run twice). */
  pairedTarget?: 'change' | 'reference',
  /** Its base URL, which all its requests should go to. */
  pairedBase?: string
): Promise<RunAnalysis> {
  const analysis = await analyseRun({
    summaryPath: k6Run.summaryPath,
    resultsPath: k6Run.resultsPath,
    // k6 writes no summary when the script never ran; that is reported
    // through the outcome, not as a missing file.
    expectSummary: [
      'passed',
      'thresholds-crossed',
      'iteration-errors',
      'marked-failed'
    ].includes(k6Run.outcome),
    wallTimeMs: k6Run.wallTimeMs,
    secrets,
    plannedThresholds: plannedThresholds(plan),
    exitCode: k6Run.exitCode,
    k6Errors: k6Run.stderr.errors,
    capacityFactor: plan?.capacity?.factor,
    soak: plan?.objective === 'soak' ? true : undefined,
    paired: plan?.paired ? 'tagged' : pairedTarget,
    pairedBase
  })
  if (analysis.redacted.length > 0) {
    core.warning(
      `summary.json held values that look like credentials in what setup() returned (${analysis.redacted.join(', ')}); ` +
        'perf-gate redacted them before publishing (k6 writes setup_data into summary.json). Return no credentials from setup().'
    )
  }
  if (analysis.stream) {
    core.info(
      `Analysed ${pairedTarget === 'reference' ? "the reference's " : ''}results.json: ${(analysis.stream.bytes / 1e6).toFixed(1)} MB, ${analysis.stream.http.requests} requests, ` +
        `${analysis.stream.series.buckets.length} time buckets in ${analysis.streamMs} ms`
    )
  }
  if (analysis.streamError) {
    core.warning(`results.json could not be analysed: ${analysis.streamError}`)
  }
  return analysis
}

/** The thresholds perf-gate put into the script, one per expression. */
export function plannedThresholds(
  plan: LoadPlan | undefined
): { key: string; expression: string }[] {
  return Object.entries(plan?.thresholds ?? {}).flatMap(([key, list]) =>
    list.map((t) => ({
      key,
      expression: typeof t === 'string' ? t : t.threshold
    }))
  )
}
