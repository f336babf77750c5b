import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { getRunContext, type RunContext } from './context.js'
import { errorMessage, InputError } from './errors.js'
import { getInputs, type Inputs } from './inputs.js'
import { confirmK6, installK6, type K6Binary } from './k6/install.js'
import { runK6, type K6Run } from './k6/run.js'
import {
  iterationErrorAnnotations,
  thresholdAnnotations,
  type Annotation
} from './report/annotations.js'
import { uploadResults } from './report/artifacts.js'
import { renderJobSummary, type ArtifactLink } from './report/markdown.js'
import {
  analyseRun,
  resultRecord,
  type RunAnalysis
} from './results/analyse.js'
import type { KeyFigures } from './results/figures.js'
import { writeResult } from './results/result.js'
import type { SummaryResult } from './results/types.js'
import { applyRegressionGate, decideVerdict, type Verdict } from './verdict.js'
import { loadProfile } from './profile/load.js'
import { fingerprint } from './profile/plan.js'
import { baselineStep, scriptFingerprint } from './baseline/run.js'
import { toleranceConfig } from './judge/compare.js'
import { gateVerdict } from './judge/gate.js'
import { githubClient, splitRepository } from './github.js'
import { upsertComment } from './report/comment.js'
import * as os from 'node:os'
import {
  conflictingScripts,
  prepareRun,
  type PreparedRun
} from './profile/prepare.js'
import { renderGenerateOnly, usageNotes } from './report/plan.js'

/** The action: the only place that calls `core.setFailed`. */
export async function run(): Promise<void> {
  try {
    const inputs = getInputs()
    const context = getRunContext()
    const prepared = prepare(inputs, context)
    if (prepared) {
      core.setOutput('objective', prepared.plan.objective)
      core.setOutput('fingerprint', prepared.fingerprint)
      fs.writeFileSync(prepared.scriptPath, prepared.scriptText)
      for (const warning of prepared.plan.warnings) core.warning(warning)
      core.info(
        `Objective ${prepared.plan.objective} (${prepared.plan.reason}); script ${prepared.scriptPath}`
      )
      if (inputs.generateOnly) {
        writeGenerateOnly(prepared, inputs)
        await writeJobSummary(renderGenerateOnly(prepared, inputs))
        core.setOutput('passed', 'true')
        return
      }
    }
    const script = prepared?.scriptPath ?? inputs.script
    if (!script) {
      throw new InputError(
        'script',
        `is required without a profile: give the path of your k6 script, or add ${inputs.profileLabel}.`
      )
    }
    const k6 = await getK6(inputs, context)
    core.setOutput('k6-version', k6.version)

    const k6Run = await runK6({
      k6Path: k6.path,
      script,
      resultsDir: inputs.resultsDir,
      extraArgs: inputs.k6Args,
      cwd: inputs.workingDirectory,
      env: inputs.baseUrl
        ? { ...process.env, PERF_GATE_BASE_URL: inputs.baseUrl }
        : process.env
    })
    const analysis = await analyse(k6Run, inputs)
    const runVerdict = decideVerdict({
      run: k6Run,
      summary: analysis.summary,
      summaryError: analysis.summaryError,
      failOnIterationErrors: inputs.failOnIterationErrors
    })
    const resultPath = path.join(inputs.resultsDir, 'perf-gate-result.json')
    const result = resultRecord(k6Run, k6.version, runVerdict.passed, analysis)
    writeResult(resultPath, result)

    // The comparison never throws: a store it cannot reach is a warning,
    // and the results above are already on disk.
    const objective = prepared?.plan.objective ?? inputs.objective ?? 'script'
    const runFingerprint = prepared
      ? fingerprint(prepared.plan, prepared.profile, k6.version.split('.')[0])
      : scriptFingerprint(script, inputs.k6Args, k6.version.split('.')[0])
    core.setOutput('fingerprint', runFingerprint)
    const step = analysis.figures
      ? await baselineStep({
          baseline: inputs.baseline,
          context,
          token: inputs.githubToken,
          result,
          objective,
          fingerprint: runFingerprint,
          tolerances: toleranceConfig(prepared?.profile.regression, {
            floorMs: inputs.regressionFloorMs,
            noise: inputs.regressionNoise
          }),
          failOnRegression: inputs.failOnRegression,
          waiverLabel: inputs.waiverLabel,
          runPassed: runVerdict.passed,
          artifactPrefix: `${inputs.artifactName}-baseline`,
          tempDir: process.env.RUNNER_TEMP || os.tmpdir()
        }).catch((error: unknown) => {
          core.warning(`Baseline comparison skipped: ${errorMessage(error)}`)
          return undefined
        })
      : undefined
    for (const warning of step?.warnings ?? []) core.warning(warning)
    const verdict = applyRegressionGate(runVerdict, step?.gate)
    const report = (artifact?: ArtifactLink): string =>
      renderJobSummary({
        verdict,
        run: k6Run,
        summary: analysis.summary,
        figures: analysis.figures,
        stream: analysis.stream,
        streamError: analysis.streamError,
        findings: analysis.findings,
        k6Version: k6.version,
        scriptLabel: path.relative(
          inputs.workspace,
          prepared?.ownScript ?? script
        ),
        plan: prepared,
        artifact,
        comparison: step?.report,
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
    const artifact = await publishFiles(k6Run, inputs, context, [
      resultPath,
      reportPath
    ])
    const markdown = report(artifact)
    await writeJobSummary(markdown)
    const commentUrl = await comment(inputs, context, objective, markdown)
    core.setOutput('comment-url', commentUrl ?? '')
    core.setOutput('regressions', String(step?.gate.regressions.length ?? 0))
    core.setOutput('baseline-sha', step?.baselineSha ?? '')
    core.setOutput(
      'verdict',
      gateVerdict(
        runVerdict.passed,
        step?.gate ?? { failing: false, regressions: [], warnings: [] }
      )
    )
    setOutputs(k6Run, verdict, analysis.figures)
    annotate(
      k6Run,
      analysis.summary,
      inputs,
      prepared?.ownScript ?? inputs.script
    )
    for (const warning of verdict.warnings) core.warning(warning)

    if (verdict.passed) {
      core.info(verdict.headline)
    } else {
      core.setFailed(failureLine(verdict))
    }
  } catch (error) {
    core.setOutput('passed', 'false')
    core.setOutput('verdict', 'fail')
    if (error instanceof Error && error.cause) {
      core.debug(`Caused by: ${errorMessage(error.cause)}`)
    }
    core.setFailed(errorMessage(error))
  }
}

/** The profile, when there is one, turned into a plan and a script. */
function prepare(inputs: Inputs, context: RunContext): PreparedRun | undefined {
  if (!inputs.profile) return undefined
  if (inputs.script) {
    const { profile } = loadProfile(inputs.profile, inputs.profileLabel)
    conflictingScripts(inputs.script, profile, inputs.profileLabel)
    core.info(`The script input takes precedence over ${inputs.profileLabel}.`)
    return undefined
  }
  return prepareRun({
    profilePath: inputs.profile,
    profileLabel: inputs.profileLabel,
    workspace: inputs.workspace,
    resultsDir: inputs.resultsDir,
    objectiveInput: inputs.objective,
    baseUrlInput: inputs.baseUrl,
    context,
    requireEnv: !inputs.generateOnly,
    env: process.env
  })
}

/** generate-only: the script, an example env file and notes; no run. */
function writeGenerateOnly(prepared: PreparedRun, inputs: Inputs): void {
  const env = prepared.envVars.map((name) => `${name}=`).join('\n')
  fs.writeFileSync(
    path.join(inputs.resultsDir, 'config.example.env'),
    `# Environment perf-gate-script.js reads. Fill in, then:\n#   set -a; . ./config.example.env; set +a; k6 run perf-gate-script.js\n${env}${env ? '\n' : ''}`
  )
  fs.writeFileSync(
    path.join(inputs.resultsDir, 'USAGE.md'),
    usageNotes(prepared)
  )
  core.info(
    `generate-only: wrote the script and notes to ${inputs.resultsDir}; k6 was not run.`
  )
}

async function getK6(inputs: Inputs, context: RunContext): Promise<K6Binary> {
  if (inputs.k6Path) return confirmK6(inputs.k6Path)
  return installK6({
    versionSpec: inputs.k6Version,
    downloadUrl: inputs.k6DownloadUrl,
    token: inputs.githubToken,
    apiUrl: context.apiUrl
  })
}

async function analyse(k6Run: K6Run, inputs: Inputs): Promise<RunAnalysis> {
  const analysis = await analyseRun({
    summaryPath: k6Run.summaryPath,
    resultsPath: k6Run.resultsPath,
    // k6 writes no summary when the script never ran; that is reported
    // through the outcome, not as a missing file.
    expectSummary: [
      'passed',
      'thresholds-crossed',
      'iteration-errors'
    ].includes(k6Run.outcome),
    wallTimeMs: k6Run.wallTimeMs,
    secrets: [inputs.githubToken]
  })
  if (analysis.redacted.length > 0) {
    core.warning(
      `summary.json held values that look like secrets in what setup() returned (${analysis.redacted.join(', ')}); ` +
        'perf-gate redacted them before publishing. Return no credentials from setup().'
    )
  }
  if (analysis.stream) {
    core.info(
      `Analysed results.json: ${(analysis.stream.bytes / 1e6).toFixed(1)} MB, ${analysis.stream.http.requests} requests, ` +
        `${analysis.stream.series.buckets.length} time buckets in ${analysis.streamMs} ms`
    )
  }
  if (analysis.streamError) {
    core.warning(`results.json could not be analysed: ${analysis.streamError}`)
  }
  return analysis
}

async function publishFiles(
  k6Run: K6Run,
  inputs: Inputs,
  context: RunContext,
  ownFiles: string[]
): Promise<ArtifactLink> {
  const files = [
    k6Run.summaryPath,
    k6Run.resultsPath,
    k6Run.logPath,
    ...ownFiles
  ]
  if (!inputs.uploadArtifacts) {
    core.info(`upload-artifacts is false; results are in ${inputs.resultsDir}`)
    return {
      name: inputs.artifactName,
      localDir: inputs.resultsDir,
      uploaded: false
    }
  }
  return uploadResults({
    name: inputs.artifactName,
    files,
    rootDir: inputs.resultsDir,
    runUrl: context.runUrl
  })
}

async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
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

function setOutputs(
  k6Run: K6Run,
  verdict: Verdict,
  figures?: KeyFigures
): void {
  core.setOutput('passed', String(verdict.passed))
  core.setOutput('exit-code', String(k6Run.exitCode))
  core.setOutput(
    'summary-path',
    fs.existsSync(k6Run.summaryPath) ? k6Run.summaryPath : ''
  )
  core.setOutput(
    'results-path',
    fs.existsSync(k6Run.resultsPath) ? k6Run.resultsPath : ''
  )
  core.setOutput('p95-ms', round(figures?.p95Ms, 3))
  core.setOutput('p99-ms', round(figures?.p99Ms, 3))
  core.setOutput('error-rate', round(figures?.errorRate, 6))
  core.setOutput('rps', round(figures?.rps, 3))
}

function round(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value)
    ? ''
    : String(Number(value.toFixed(digits)))
}

function annotate(
  k6Run: K6Run,
  summary: SummaryResult | undefined,
  inputs: Inputs,
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
    annotations.push(...thresholdAnnotations(summary, inputs.workspace, script))
  }
  annotations.push(...iterationErrorAnnotations(k6Run.stderr, inputs.workspace))
  for (const { message, ...properties } of annotations) {
    core.error(message, properties)
  }
}

/** The sticky PR comment; a warning when it cannot be written. */
async function comment(
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

/** `setFailed` gets one line that names everything that failed. */
function failureLine(verdict: Verdict): string {
  return `perf-gate failed: ${verdict.reasons.join('; ')}`
}
