import { figure, type Outputs } from '../action/outputs.js'
import { verdictLabel, type Verdict } from '../judge/verdict.js'
import { HTML_REPORT_FILE } from '../k6/dashboard.js'
import * as path from 'node:path'
import type { BaselineComparison } from './baseline.js'
import type { Judged } from './judge.js'
import { existing, type RunView } from './publish.js'

/** The outputs the run and its own verdict give, before the comparison. */
export function setRunOutputs(
  outputs: Outputs,
  view: RunView,
  judged: Judged
): void {
  const { inputs, k6Run, analysis } = view
  outputs.set('k6Version', view.k6Version)
  outputs.set('fingerprint', view.fingerprint)
  outputs.set('exitCode', k6Run.exitCode)
  outputs.set('summaryPath', existing(k6Run.summaryPath))
  outputs.set('resultsPath', existing(k6Run.resultsPath))
  const htmlReport = path.join(inputs.resultsDir, HTML_REPORT_FILE)
  outputs.set('htmlReportPath', inputs.htmlReport ? existing(htmlReport) : '')
  // A paired run's figures are the change's (the generated script's file
  // holds both targets'; a script run twice has the change's run alone).
  const figures = judged.changeResult?.figures ?? analysis.figures
  outputs.set('p95Ms', figure(figures?.p95Ms, 3))
  outputs.set('p99Ms', figure(figures?.p99Ms, 3))
  outputs.set('errorRate', figure(figures?.errorRate, 6))
  outputs.set('rps', figure(figures?.rps, 3))
  const pair =
    judged.paired && !judged.paired.unjudged ? judged.paired : undefined
  outputs.set('pairedChange', figure(pair?.change, 4))
  outputs.set('pairedDetectable', figure(pair?.detectable, 4))
}

/** The verdict's outputs, written at once: known before anything is posted. */
export function setVerdictOutputs(
  outputs: Outputs,
  verdict: Verdict,
  baseline: BaselineComparison | undefined
): void {
  outputs.set(
    'regressions',
    (verdict.regressions?.regressions.length ?? 0) +
      (verdict.paired?.regression ? 1 : 0)
  )
  outputs.set('baselineSha', baseline?.baselineSha)
  outputs.set('verdict', verdictLabel(verdict))
  outputs.set('passed', verdict.passed)
  outputs.flush()
}
