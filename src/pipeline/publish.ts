import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import type { K6Run } from '../k6/run.js'
import { renderJobSummary } from '../report/job-summary.js'
import type { RunAnalysis } from '../results/analyse.js'
import { recordBaseline } from './baseline.js'
import type { Judged } from './judge.js'
import type { PreparedRun } from './prepare.js'
import { uploadResults, type ArtifactLink } from '../publish/artifacts.js'
import { upsertComment } from '../publish/comment.js'
import {
  iterationErrorAnnotations,
  thresholdAnnotations,
  type Annotation
} from '../report/annotations.js'
import type { SummaryResult } from '../results/types.js'
import { errorMessage } from '../shared/errors.js'
import { githubClient, splitRepository } from '../shared/github.js'

/** Upload k6's files and perf-gate's own as the run's artifact. */
export function uploadRunFiles(
  k6Run: K6Run,
  inputs: Inputs,
  context: RunContext,
  ownFiles: string[]
): Promise<ArtifactLink> {
  if (!inputs.uploadArtifacts) {
    core.info(`upload-artifacts is false; results are in ${inputs.resultsDir}`)
    return Promise.resolve({
      name: inputs.artifactName,
      localDir: inputs.resultsDir,
      uploaded: false
    })
  }
  return uploadResults({
    name: inputs.artifactName,
    files: [k6Run.summaryPath, k6Run.resultsPath, k6Run.logPath, ...ownFiles],
    rootDir: inputs.resultsDir,
    runUrl: context.runUrl,
    canUpload: context.artifactService
  })
}

/** The step's job summary; in the log when the runner keeps none. */
export async function writeJobSummary(
  markdown: string,
  context: RunContext
): Promise<void> {
  if (!context.stepSummary) {
    core.info(markdown)
    return
  }
  try {
    await core.summary.addRaw(markdown, true).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
    core.info(markdown)
  }
}

/** An error annotation per crossed threshold and per exception kind. */
export function annotate(
  k6Run: K6Run,
  summary: SummaryResult | undefined,
  workspace: string,
  scriptPath: string | undefined
): void {
  const annotations: Annotation[] = []
  if (summary) {
    let text: string | undefined
    try {
      text = scriptPath ? fs.readFileSync(scriptPath, 'utf8') : undefined
    } catch {
      text = undefined
    }
    const script =
      scriptPath && text !== undefined ? { path: scriptPath, text } : undefined
    annotations.push(...thresholdAnnotations(summary, workspace, script))
  }
  annotations.push(...iterationErrorAnnotations(k6Run.stderr, workspace))
  for (const { message, ...properties } of annotations) {
    core.error(message, properties)
  }
}

/** The sticky PR comment; a warning when it cannot be written. */
export async function commentOnPullRequest(
  inputs: Inputs,
  context: RunContext,
  objective: string,
  markdown: string
): Promise<string | undefined> {
  const pr = context.pullRequest
  if (!pr || !inputs.commentOnPr) return undefined
  if (!inputs.githubToken) {
    core.warning(
      'No github-token: the pull request comment was not posted; the report is in the job summary.'
    )
    return undefined
  }
  const { owner, repo } = splitRepository(context.repository)
  const result = await upsertComment({
    client: githubClient(inputs.githubToken, context.apiUrl),
    owner,
    repo,
    issueNumber: pr.number,
    objective,
    body: markdown
  })
  if (result.warning) core.warning(result.warning)
  else core.info(`Pull request comment ${result.action}: ${result.url}`)
  return result.url
}

export interface Published {
  commentUrl?: string
}

/**
 * Everything the run leaves behind: perf-gate-report.md, the baseline
 * entry (when this run qualifies), the artifact, the job summary, the
 * comment and the annotations. Problems here are warnings: they never
 * change the verdict.
 */
export async function publish(
  k6Run: K6Run,
  analysis: RunAnalysis,
  judged: Judged,
  run: {
    inputs: Inputs
    context: RunContext
    k6Version: string
    objective: string
    fingerprint: string
    script: string
    prepared?: PreparedRun
  }
): Promise<Published> {
  const { inputs, context, prepared } = run
  if (judged.baseline) {
    const recorded = await recordBaseline(judged.baseline, {
      baseline: inputs.baseline,
      context,
      objective: run.objective,
      runPassed: judged.own.passed
    })
    for (const warning of recorded.warnings) core.warning(warning)
  }
  const report = (artifact?: ArtifactLink): string =>
    renderJobSummary({
      verdict: judged.verdict,
      run: k6Run,
      summary: analysis.summary,
      figures: analysis.figures,
      stream: analysis.stream,
      streamError: analysis.streamError,
      findings: analysis.findings,
      k6Version: run.k6Version,
      scriptLabel: path.relative(
        inputs.workspace,
        prepared?.ownScript ?? run.script
      ),
      plan: prepared && { ...prepared, fingerprint: run.fingerprint },
      artifact,
      comparison: judged.baseline?.report,
      runUrl: context.runUrl
    })
  // The report travels in the artifact too: the workflow_run pattern
  // posts it on fork pull requests.
  const reportPath = path.join(inputs.resultsDir, 'perf-gate-report.md')
  try {
    fs.writeFileSync(reportPath, report())
  } catch (error) {
    core.warning(`Could not write ${reportPath}: ${errorMessage(error)}`)
  }
  const artifact = await uploadRunFiles(k6Run, inputs, context, [
    judged.resultPath,
    reportPath
  ])
  const markdown = report(artifact)
  await writeJobSummary(markdown, context)
  const commentUrl = await commentOnPullRequest(
    inputs,
    context,
    run.objective,
    markdown
  )
  annotate(
    k6Run,
    analysis.summary,
    inputs.workspace,
    prepared?.ownScript ?? inputs.script
  )
  return { commentUrl }
}
