import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { figure, type Outputs } from '../action/outputs.js'
import { toleranceConfig } from '../judge/compare.js'
import { HTML_REPORT_FILE } from '../k6/dashboard.js'
import {
  applyRegressions,
  verdictLabel,
  type Verdict
} from '../judge/verdict.js'
import { planFingerprint, scriptFingerprint } from '../profile/fingerprint.js'
import { renderGenerateOnly } from '../report/load-plan.js'
import type { SummaryResult } from '../results/types.js'
import { Deadline } from '../shared/deadline.js'
import { errorMessage, InputError } from '../shared/errors.js'
import { collectSecrets, Redactor } from '../shared/secrets.js'
import { analyse } from './analyse.js'
import { compareWithBaseline, recordBaseline } from './baseline.js'
import { executeK6, obtainK6 } from './execute.js'
import { judgeRun } from './judge.js'
import { authVariables, prepare, writeGenerateOnly } from './prepare.js'
import {
  annotate,
  commentOnPullRequest,
  renderReport,
  uploadRunFiles,
  writeJobSummary,
  writeJUnitFile,
  writeReportFile,
  type RunView
} from './publish.js'

/** How the pipeline ended, for main.ts to say so. */
export interface PipelineEnd {
  verdict?: Verdict
  summary?: SummaryResult
}

/**
 * DESIGN.md's pipeline, each stage a function of what the ones before it
 * gave: prepare (profile → plan → script) → install → run → analyse →
 * judge (thresholds, comparison, verdict) → publish (files, baseline,
 * artifact, job summary, comment). Outputs are gathered in `outputs`.
 *
 * Whatever is known is written before the next network step: the result
 * file and a first job summary before the baseline is read; the verdict,
 * the outputs, the report and the job summary before anything is uploaded
 * or posted. The network steps share one deadline (publish-timeout).
 */
export async function runPipeline(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  outputs: Outputs
): Promise<PipelineEnd> {
  const prepared = prepare(inputs, context, env)
  outputs.set('objective', prepared?.plan.objective)
  // Masked in the log before k6 prints anything; redacted from every file
  // and request body perf-gate writes.
  const secrets = collectSecrets({
    githubToken: inputs.githubToken,
    env,
    authVariables: prepared ? authVariables(prepared.profile) : [],
    k6Args: inputs.k6Args,
    baseUrl: inputs.baseUrl
  })
  // (github-token was masked as soon as it was read.)
  for (const secret of secrets) {
    if (secret !== inputs.githubToken) core.setSecret(secret)
  }
  const redactor = new Redactor(secrets)
  if (prepared && inputs.generateOnly) {
    writeGenerateOnly(prepared, inputs.resultsDir)
    await writeJobSummary(
      renderGenerateOnly(prepared, inputs.resultsDir),
      context
    )
    outputs.set('passed', true)
    return {}
  }
  const script = prepared?.scriptPath ?? inputs.script
  if (!script) {
    throw new InputError(
      'script',
      `is required without a profile: give the path of your k6 script, or add ${inputs.profileLabel}.`
    )
  }

  // install
  const k6 = await obtainK6(inputs, context)
  const k6Major = k6.version.split('.')[0]
  const fingerprint = prepared
    ? planFingerprint(prepared.plan, prepared.profile, k6Major)
    : scriptFingerprint(readText(script), inputs.k6Args, k6Major)
  outputs.set('k6Version', k6.version)
  outputs.set('fingerprint', fingerprint)
  const objective = prepared?.plan.objective ?? inputs.objective ?? 'script'

  // run, analyse, the run's own verdict
  const k6Run = await executeK6(
    k6,
    script,
    inputs,
    env,
    prepared?.plan.ownScript === undefined
      ? prepared?.plan.durationS
      : undefined
  )
  const analysis = await analyse(k6Run, secrets, prepared?.plan)
  const { own, result, resultPath } = judgeRun(
    k6Run,
    analysis,
    inputs,
    k6.version,
    redactor
  )
  outputs.set('exitCode', k6Run.exitCode)
  outputs.set('summaryPath', existing(k6Run.summaryPath))
  outputs.set('resultsPath', existing(k6Run.resultsPath))
  const htmlReport = path.join(inputs.resultsDir, HTML_REPORT_FILE)
  outputs.set('htmlReportPath', inputs.htmlReport ? existing(htmlReport) : '')
  outputs.set('p95Ms', figure(analysis.figures?.p95Ms, 3))
  outputs.set('p99Ms', figure(analysis.figures?.p99Ms, 3))
  outputs.set('errorRate', figure(analysis.figures?.errorRate, 6))
  outputs.set('rps', figure(analysis.figures?.rps, 3))
  const view: RunView = {
    inputs,
    context,
    k6Run,
    analysis,
    k6Version: k6.version,
    fingerprint,
    script,
    prepared,
    redactor
  }

  // judge: the comparison with the baseline, the first network step
  const deadline = new Deadline(inputs.publishTimeoutMs)
  await writeJobSummary(
    renderReport(view, own, { comparisonPending: true }),
    context
  )
  const baseline = analysis.figures
    ? await compareWithBaseline({
        baseline: inputs.baseline,
        context,
        token: inputs.githubToken,
        result,
        objective,
        fingerprint,
        tolerances: toleranceConfig(prepared?.profile.regression, {
          floorMs: inputs.regressionFloorMs,
          noise: inputs.regressionNoise
        }),
        failOnRegression: inputs.failOnRegression,
        waiverLabel: inputs.waiverLabel,
        artifactPrefix: `${inputs.artifactName}-baseline`,
        deadline
      }).catch((error: unknown) => {
        core.warning(`Baseline comparison skipped: ${errorMessage(error)}`)
        return undefined
      })
    : undefined
  for (const warning of baseline?.warnings ?? []) core.warning(warning)
  const verdict = applyRegressions(own, baseline?.decision)
  outputs.set('regressions', verdict.regressions?.regressions.length ?? 0)
  outputs.set('baselineSha', baseline?.baselineSha)
  outputs.set('verdict', verdictLabel(verdict))
  outputs.set('passed', verdict.passed)
  outputs.flush()
  const comparison = baseline?.report
  const reportPath = writeReportFile(
    inputs,
    renderReport(view, verdict, { comparison })
  )
  outputs.set('reportPath', existing(reportPath))
  const junitPath = inputs.junit
    ? writeJUnitFile(view, verdict, comparison)
    : undefined
  outputs.set('junitPath', junitPath)
  outputs.flush()
  await writeJobSummary(renderReport(view, verdict, { comparison }), context)
  annotate(
    k6Run,
    analysis.summary,
    inputs.workspace,
    prepared?.ownScript ?? inputs.script,
    verdict
  )

  // publish: the network steps, within what is left of the deadline
  if (baseline) {
    const recorded = await recordBaseline(baseline, {
      baseline: inputs.baseline,
      context,
      objective,
      runPassed: own.passed,
      deadline
    })
    for (const warning of recorded.warnings) core.warning(warning)
  }
  for (const file of [k6Run.summaryPath, k6Run.resultsPath, k6Run.logPath]) {
    if (redactor.redactFile(file)) {
      core.info(`Masked secrets in ${file} before uploading it.`)
    }
  }
  const artifact = await uploadRunFiles(
    view,
    [
      resultPath,
      reportPath,
      ...(junitPath ? [junitPath] : []),
      ...(inputs.htmlReport ? [htmlReport] : [])
    ],
    deadline
  )
  const markdown = renderReport(view, verdict, { comparison, artifact })
  await writeJobSummary(markdown, context)
  outputs.set(
    'commentUrl',
    await commentOnPullRequest(
      inputs,
      context,
      objective,
      markdown,
      verdict,
      comparison,
      deadline,
      inputs.script
    )
  )
  return { verdict, summary: analysis.summary }
}

function existing(file: string): string {
  return fs.existsSync(file) ? file : ''
}

/** The script's text for its fingerprint; its path when it cannot be read. */
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return file
  }
}
