import * as core from '@actions/core'
import type { ProfileSource } from '../report/annotations.js'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { verdictLabel, type Verdict } from '../judge/verdict.js'
import type { K6Run } from '../k6/run.js'
import { uploadResults, type ArtifactLink } from '../publish/artifacts.js'
import { upsertComment } from '../publish/comment.js'
import {
  capAnnotations,
  iterationErrorAnnotations,
  regressionAnnotations,
  thresholdAnnotations,
  type Annotation
} from '../report/annotations.js'
import type { ComparisonReport } from '../report/comparison.js'
import { renderJobSummary } from '../report/job-summary.js'
import { JUNIT_FILE, renderJUnit } from '../report/junit.js'
import { changePointWarning } from '../report/history.js'
import type { SummaryResult } from '../results/types.js'
import type { Deadline } from '../shared/deadline.js'
import { errorMessage } from '../shared/errors.js'
import { githubClient, splitRepository } from '../shared/github.js'
import { displayPath } from '../shared/paths.js'
import type { Redactor } from '../shared/secrets.js'
import type { Outputs } from '../action/outputs.js'
import { HTML_REPORT_FILE } from '../k6/dashboard.js'
import { shardLabel } from '../k6/segments.js'
import { recordBaseline, type BaselineComparison } from './baseline.js'
import { fileIssues } from './history.js'
import type { Judged } from './judge.js'
import type { Measured } from './measured.js'

/** What every report of the run is made from, besides its verdict. */
export interface RunView extends Measured {
  inputs: Inputs
  /** With the pull request's labels as the judge stage read them. */
  context: RunContext
  /** Every secret masked out of what is written or posted. */
  redactor: Redactor
}

/** The run's report: the job summary, the comment, perf-gate-report.md. */
export function renderReport(
  view: RunView,
  verdict: Verdict,
  options: {
    comparison?: ComparisonReport
    comparisonPending?: boolean
    artifact?: ArtifactLink
  } = {}
): string {
  const { inputs, analysis, prepared } = view
  const markdown = renderJobSummary({
    verdict,
    run: view.k6Run,
    summary: analysis.summary,
    figures: analysis.figures,
    stream: analysis.stream,
    streamError: analysis.streamError,
    findings: analysis.findings,
    k6Version: view.k6Version,
    scriptLabel: displayPath(
      prepared?.ownScript ?? view.script,
      inputs.workspace
    ),
    plan: prepared && { ...prepared, fingerprint: view.fingerprint },
    runUrl: view.context.runUrl,
    sharding: view.sharding,
    webVitals: analysis.webVitals,
    paired: analysis.paired,
    ...options
  })
  return view.redactor.redact(markdown)
}

/**
 * The report stage, before any upload or post: perf-gate-report.md and
 * perf-gate-junit.xml (their outputs written at once), the job summary
 * with the comparison, and the annotations. The files, for the artifact.
 */
export async function reportRun(
  view: RunView,
  verdict: Verdict,
  comparison: ComparisonReport | undefined,
  outputs: Outputs
): Promise<string[]> {
  const { inputs } = view
  const markdown = renderReport(view, verdict, { comparison })
  const reportPath = writeReportFile(inputs, markdown)
  outputs.set('reportPath', existing(reportPath))
  const junitPath = inputs.junit
    ? writeJUnitFile(view, verdict, comparison)
    : undefined
  outputs.set('junitPath', junitPath)
  outputs.flush()
  await writeJobSummary(markdown, view.context)
  const { prepared } = view
  annotate(
    view.k6Run,
    view.analysis.summary,
    inputs.workspace,
    prepared?.ownScript ?? inputs.script,
    verdict,
    prepared && inputs.profile
      ? { path: inputs.profile, places: prepared.thresholdPlaces }
      : undefined
  )
  const history = comparison?.history?.view
  for (const point of history?.fresh ?? []) {
    core.warning(changePointWarning(point, history!.branch), {
      title: 'perf-gate: change point'
    })
  }
  return [reportPath, ...(junitPath ? [junitPath] : [])]
}

/**
 * The publish stage, within what is left of the deadline: the baseline
 * entry, the artifact (every file redacted first), the job summary with
 * its link, and the pull request comment. The report's markdown.
 */
export async function publishRun(
  view: RunView,
  ran: {
    judged: Judged
    verdict: Verdict
    baseline?: BaselineComparison
    /** The report stage's files. */
    reports: string[]
    deadline: Deadline
  },
  outputs: Outputs
): Promise<string> {
  const { inputs, context } = view
  const { verdict, deadline } = ran
  if (ran.baseline) {
    const recorded = await recordBaseline(ran.baseline, {
      baseline: inputs.baseline,
      context,
      objective: view.objective,
      runPassed: ran.judged.own.passed,
      deadline
    })
    for (const warning of recorded.warnings) core.warning(warning)
    const history = ran.baseline.history
    if (inputs.changePointIssues && history && recorded.written?.written) {
      const warnings = await fileIssues(history, {
        objective: view.objective,
        fingerprint: view.fingerprint,
        token: inputs.githubToken,
        apiUrl: context.apiUrl,
        repository: context.repository,
        deadline,
        redact: (text) => view.redactor.redact(text)
      })
      for (const warning of warnings) core.warning(warning)
    }
  }
  const page = writeHistoryPage(view, ran.baseline)
  const artifact = await uploadRunFiles(
    view,
    [...(await redactedFiles(view, ran.judged, ran.reports)), ...page],
    deadline,
    view.artifactName
  )
  const comparison = ran.baseline?.report
  const markdown = renderReport(view, verdict, { comparison, artifact })
  await writeJobSummary(markdown, context)
  if (!view.comments) {
    if (view.sharding?.shard) {
      core.info(
        `${shardLabel(view.sharding.shard.shard)}: no pull request comment and no baseline entry; the merge job posts and records the run.`
      )
    }
    return markdown
  }
  outputs.set(
    'commentUrl',
    await commentOnPullRequest(
      inputs,
      context,
      view.objective,
      markdown,
      verdict,
      comparison,
      deadline,
      inputs.script
    )
  )
  return markdown
}

/**
 * perf-gate's files for the artifact, k6's and the reference's redacted
 * in place before they go.
 */
async function redactedFiles(
  view: RunView,
  judged: Judged,
  reports: string[]
): Promise<string[]> {
  const { inputs, k6Run, reference } = view
  const referenceFiles = reference
    ? [reference.summaryPath, reference.resultsPath, reference.logPath].filter(
        (f) => fs.existsSync(f)
      )
    : []
  // results.json was scanned as it was analysed: read again only when it
  // holds a secret (or was not read whole).
  const results = view.analysis.resultsSecretFree ? [] : [k6Run.resultsPath]
  for (const file of [
    k6Run.summaryPath,
    ...results,
    k6Run.logPath,
    ...referenceFiles
  ]) {
    if (await view.redactor.redactAnyFile(file)) {
      core.info(`Masked secrets in ${file} before uploading it.`)
    }
  }
  return [
    ...referenceFiles,
    ...(judged.resultPath ? [judged.resultPath] : []),
    ...reports,
    ...(inputs.htmlReport
      ? [path.join(inputs.resultsDir, HTML_REPORT_FILE)]
      : []),
    ...view.files
  ]
}

/** The branch's history page, for the run's artifact: the path, when written. */
function writeHistoryPage(
  view: RunView,
  baseline: BaselineComparison | undefined
): string[] {
  const { inputs } = view
  const history = baseline?.history
  if (!history || history.view.runs.length === 0) return []
  const file = path.join(inputs.resultsDir, HISTORY_PAGE_FILE)
  try {
    fs.writeFileSync(file, view.redactor.redact(history.page))
    return [file]
  } catch (error) {
    core.warning(`Could not write ${file}: ${errorMessage(error)}`)
    return []
  }
}

/** The history page's name in the results folder and the artifact. */
export const HISTORY_PAGE_FILE = 'perf-gate-history.html'

/** The path when the file is there; empty (an output's "none") otherwise. */
export function existing(file: string): string {
  return fs.existsSync(file) ? file : ''
}

/** Write perf-gate-report.md, which the artifact carries (the workflow_run pattern posts it on fork PRs). */
function writeReportFile(inputs: Inputs, markdown: string): string {
  const reportPath = path.join(inputs.resultsDir, 'perf-gate-report.md')
  try {
    fs.writeFileSync(reportPath, markdown)
  } catch (error) {
    core.warning(`Could not write ${reportPath}: ${errorMessage(error)}`)
  }
  return reportPath
}

/**
 * Write perf-gate-junit.xml for test-report tools; a warning (and no
 * file) when it cannot be written. The path, or undefined.
 */
function writeJUnitFile(
  view: RunView,
  verdict: Verdict,
  comparison: ComparisonReport | undefined
): string | undefined {
  const { inputs, analysis } = view
  const file = path.join(inputs.resultsDir, JUNIT_FILE)
  try {
    const xml = renderJUnit({
      verdict,
      summary: analysis.summary,
      comparison,
      label: displayPath(
        view.prepared?.ownScript ?? view.prepared?.profileLabel ?? view.script,
        inputs.workspace
      ),
      durationS: analysis.figures?.durationS,
      startedAt: analysis.stream?.startTime
        ? new Date(analysis.stream.startTime)
        : undefined
    })
    fs.writeFileSync(file, view.redactor.redact(xml))
    return file
  } catch (error) {
    core.warning(`Could not write ${file}: ${errorMessage(error)}`)
    return undefined
  }
}

/** Upload k6's files and perf-gate's own as the run's artifact. */
function uploadRunFiles(
  view: RunView,
  ownFiles: string[],
  deadline: Deadline,
  /** Another name than artifact-name (a shard's). */
  name = view.inputs.artifactName
): Promise<ArtifactLink> {
  const { inputs, k6Run, context } = view
  if (!inputs.uploadArtifacts) {
    core.info(`upload-artifacts is false; results are in ${inputs.resultsDir}`)
    return Promise.resolve({
      name,
      localDir: displayPath(inputs.resultsDir, inputs.workspace),
      uploaded: false,
      files: ownFiles
        .filter((f) => fs.existsSync(f))
        .map((f) => path.relative(inputs.resultsDir, f))
    })
  }
  const upload = uploadResults({
    name,
    files: [k6Run.summaryPath, k6Run.resultsPath, k6Run.logPath, ...ownFiles],
    rootDir: inputs.resultsDir,
    runUrl: context.runUrl,
    canUpload: context.artifactService,
    deadline
  })
  return upload.then((link) => ({
    ...link,
    localDir: displayPath(link.localDir, inputs.workspace)
  }))
}

/**
 * The step's job summary, replacing what an earlier checkpoint wrote; in
 * the log when the runner keeps none.
 */
/** What earlier runs of this step put in the job summary, kept above. */
let earlierSummaries = ''

/** The summary written last is kept: the step's next run writes below it. */
export function keepJobSummary(markdown: string): void {
  earlierSummaries += `${markdown}\n`
}

export async function writeJobSummary(
  markdown: string,
  context: RunContext
): Promise<void> {
  if (!context.stepSummary) {
    core.info(markdown)
    return
  }
  try {
    await core.summary
      .addRaw(earlierSummaries + markdown, true)
      .write({ overwrite: true })
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
    core.info(markdown)
  }
}

/** GitHub shows this many error annotations of a step. */
const MAX_ERROR_ANNOTATIONS = 10

/**
 * An error annotation per crossed threshold, per regression that fails the
 * check and per exception kind; never more than GitHub shows beside the
 * failure line.
 */
export function annotate(
  k6Run: K6Run,
  summary: SummaryResult | undefined,
  workspace: string,
  scriptPath: string | undefined,
  verdict: Verdict,
  /** The profile that wrote the script, and where its thresholds are. */
  profile?: ProfileSource
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
    annotations.push(
      ...thresholdAnnotations(summary, workspace, script, profile)
    )
  }
  const decision = verdict.regressions
  if (decision?.failing) {
    annotations.push(...regressionAnnotations(decision.regressions))
  }
  annotations.push(...iterationErrorAnnotations(k6Run.stderr, workspace))
  // The failure line (core.setFailed) is an error annotation too.
  const max = MAX_ERROR_ANNOTATIONS - (verdict.passed ? 0 : 1)
  for (const { message, ...properties } of capAnnotations(annotations, max)) {
    core.error(message, properties)
  }
}

/**
 * What identifies this step's comment among perf-gate's on one pull
 * request: the comment-key input, else the job with the profile and
 * objective, or with the script. Two steps of one job, or two jobs, each
 * keep their own comment.
 */
export function commentKey(
  inputs: Inputs,
  context: RunContext,
  objective: string,
  script: string | undefined
): string {
  if (inputs.commentKey) return inputs.commentKey
  const parts = [`job=${context.job || 'job'}`]
  // The script input takes precedence over a profile, as it does for the run.
  if (script) parts.push(`script=${displayPath(script, inputs.workspace)}`)
  else if (inputs.profile) parts.push(`profile=${inputs.profileLabel}`)
  parts.push(`objective=${objective}`)
  // Inside an HTML comment: printable, and no '--' or '>' to end it.
  return parts
    .join(' ')
    .replace(/[^\x20-\x7e]|>/g, '_')
    .replace(/-{2,}/g, '-')
    .slice(0, 200)
}

/**
 * What a comment decided, for comment-on-pr: on-change: the verdict, the
 * crossed thresholds, the reasons, and every figure beyond the noise
 * (regression, slower, better), hashed. A figure that moved within the
 * noise changes nothing.
 */
function commentState(
  verdict: Verdict,
  comparison: ComparisonReport | undefined
): string {
  const parts = [
    verdictLabel(verdict),
    ...verdict.failures.map((r) => r.kind),
    ...verdict.failedThresholds.map((t) => `${t.metric} ${t.expression}`)
  ]
  const c = comparison?.comparison
  for (const m of [...(c?.metrics ?? []), ...(c?.endpoints ?? [])]) {
    if (
      m.status === 'regression' ||
      m.status === 'warning' ||
      m.status === 'improved'
    ) {
      parts.push(`${m.scope} ${m.metric} ${m.status}`)
    }
  }
  return createHash('sha256')
    .update(parts.join('\n'))
    .digest('hex')
    .slice(0, 16)
}

/** The sticky PR comment; a warning when it cannot be written. */
async function commentOnPullRequest(
  inputs: Inputs,
  context: RunContext,
  objective: string,
  markdown: string,
  verdict: Verdict,
  comparison: ComparisonReport | undefined,
  deadline: Deadline,
  /** The script that ran, when no profile did (workspace-relative or absolute). */
  script?: string
): Promise<string | undefined> {
  const pr = context.pullRequest
  if (!pr || inputs.commentOnPr === 'never') return undefined
  if (!inputs.githubToken) {
    core.warning(
      'No github-token: the pull request comment was not posted; the report is in the job summary.'
    )
    return undefined
  }
  if (deadline.expired()) {
    core.warning(
      `The pull request comment was not posted: the ${deadline.describe()} publish-timeout was spent before it; the report is in the job summary.`
    )
    return undefined
  }
  const { owner, repo } = splitRepository(context.repository)
  const result = await upsertComment({
    client: githubClient(inputs.githubToken, context.apiUrl, deadline),
    owner,
    repo,
    issueNumber: pr.number,
    key: commentKey(inputs, context, objective, script),
    body: markdown,
    policy: inputs.commentOnPr,
    state: commentState(verdict, comparison),
    failing: !verdict.passed
  })
  if (result.warning) core.warning(result.warning)
  else if (result.action === 'skipped') {
    core.info(
      'No pull request comment: comment-on-pr is on-failure and the gate passed.'
    )
  } else if (result.action === 'unchanged') {
    core.info(
      `Pull request comment left as it was (comment-on-pr: on-change; the verdict and every flagged figure are the same): ${result.url}`
    )
  } else core.info(`Pull request comment ${result.action}: ${result.url}`)
  return result.url
}
