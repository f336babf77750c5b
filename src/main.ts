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
import { completeFigures, enrichSummary, findings } from './results/combine.js'
import { keyFigures, type KeyFigures } from './results/figures.js'
import type { Finding } from './results/findings.js'
import { redactSummaryFile } from './results/redact.js'
import { RESULT_SCHEMA_VERSION, writeResult } from './results/result.js'
import { analyseResultsFile, type ResultsAnalysis } from './results/stream.js'
import { readSummary } from './results/summary.js'
import type { SummaryResult } from './results/types.js'
import { decideVerdict, type Verdict } from './verdict.js'

/** The action: the only place that calls `core.setFailed`. */
export async function run(): Promise<void> {
  try {
    const inputs = getInputs()
    const context = getRunContext()
    if (!inputs.script) {
      throw new InputError(
        'script',
        'is required: give the path of your k6 script, relative to working-directory.'
      )
    }
    const k6 = await getK6(inputs, context)
    core.setOutput('k6-version', k6.version)

    const k6Run = await runK6({
      k6Path: k6.path,
      script: inputs.script,
      resultsDir: inputs.resultsDir,
      extraArgs: inputs.k6Args,
      cwd: inputs.workingDirectory
    })
    const analysis = await analyse(k6Run, inputs)
    const verdict = decideVerdict({
      run: k6Run,
      summary: analysis.summary,
      summaryError: analysis.summaryError,
      failOnIterationErrors: inputs.failOnIterationErrors
    })
    const resultPath = path.join(inputs.resultsDir, 'perf-gate-result.json')
    writeResult(resultPath, {
      schema: 'perf-gate-result',
      schemaVersion: RESULT_SCHEMA_VERSION,
      generatedAt: new Date().toISOString(),
      k6Version: k6.version,
      outcome: k6Run.outcome,
      exitCode: k6Run.exitCode,
      passed: verdict.passed,
      figures: analysis.figures ?? {},
      thresholds: analysis.summary?.thresholds ?? [],
      checks: analysis.summary?.checks ?? [],
      http: analysis.stream?.http,
      endpoints: analysis.stream?.endpoints ?? [],
      scenarios: analysis.stream?.scenarios ?? [],
      series: analysis.stream?.series,
      findings: analysis.findings,
      input: analysis.stream && {
        bytes: analysis.stream.bytes,
        lines: analysis.stream.lines,
        corruptLines: analysis.stream.corruptLines,
        truncatedLastLine: analysis.stream.truncatedLastLine
      }
    })
    const artifact = await publishFiles(k6Run, inputs, context, resultPath)
    await writeJobSummary(
      renderJobSummary({
        verdict,
        run: k6Run,
        summary: analysis.summary,
        figures: analysis.figures,
        stream: analysis.stream,
        streamError: analysis.streamError,
        findings: analysis.findings,
        k6Version: k6.version,
        scriptLabel: path.relative(inputs.workspace, inputs.script),
        artifact
      })
    )
    setOutputs(k6Run, verdict, analysis.figures)
    annotate(k6Run, analysis.summary, inputs)
    for (const warning of verdict.warnings) core.warning(warning)

    if (verdict.passed) {
      core.info(verdict.headline)
    } else {
      core.setFailed(failureLine(verdict))
    }
  } catch (error) {
    core.setOutput('passed', 'false')
    if (error instanceof Error && error.cause) {
      core.debug(`Caused by: ${errorMessage(error.cause)}`)
    }
    core.setFailed(errorMessage(error))
  }
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

interface Analysis {
  summary?: SummaryResult
  summaryError?: string
  figures?: KeyFigures
  stream?: ResultsAnalysis
  streamError?: string
  findings: Finding[]
}

async function analyse(k6Run: K6Run, inputs: Inputs): Promise<Analysis> {
  const analysis: Analysis = { findings: [] }
  if (fs.existsSync(k6Run.summaryPath)) {
    const redacted = redactSummaryFile(k6Run.summaryPath, [inputs.githubToken])
    if (redacted.length > 0) {
      core.warning(
        `summary.json held values that look like secrets in what setup() returned (${redacted.join(', ')}); ` +
          'perf-gate redacted them before publishing. Return no credentials from setup().'
      )
    }
    try {
      analysis.summary = readSummary(k6Run.summaryPath)
      analysis.figures = keyFigures(analysis.summary, k6Run.wallTimeMs)
    } catch (error) {
      analysis.summaryError = errorMessage(error)
    }
  } else if (
    ['passed', 'thresholds-crossed', 'iteration-errors'].includes(k6Run.outcome)
  ) {
    // k6 writes no summary when the script never ran; that is reported
    // through the outcome, not as a missing file.
    analysis.summaryError = `k6 wrote no ${k6Run.summaryPath}`
  }

  if (fs.existsSync(k6Run.resultsPath)) {
    try {
      const started = Date.now()
      const stream = await analyseResultsFile(k6Run.resultsPath)
      core.info(
        `Analysed results.json: ${(stream.bytes / 1e6).toFixed(1)} MB, ${stream.http.requests} requests, ` +
          `${stream.series.buckets.length} time buckets in ${Date.now() - started} ms`
      )
      analysis.stream = stream
      if (analysis.summary)
        analysis.summary = enrichSummary(analysis.summary, stream)
      analysis.figures = completeFigures(analysis.figures, stream)
      analysis.findings = findings(stream, analysis.summary)
    } catch (error) {
      analysis.streamError = errorMessage(error)
      core.warning(
        `results.json could not be analysed: ${analysis.streamError}`
      )
    }
  }
  return analysis
}

async function publishFiles(
  k6Run: K6Run,
  inputs: Inputs,
  context: RunContext,
  resultPath: string
): Promise<ArtifactLink> {
  const files = [
    k6Run.summaryPath,
    k6Run.resultsPath,
    k6Run.logPath,
    resultPath
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
  inputs: Inputs
): void {
  const annotations: Annotation[] = []
  if (summary) {
    let text: string | undefined
    try {
      text = inputs.script ? fs.readFileSync(inputs.script, 'utf8') : undefined
    } catch {
      text = undefined
    }
    const script =
      inputs.script && text !== undefined
        ? { path: inputs.script, text }
        : undefined
    annotations.push(...thresholdAnnotations(summary, inputs.workspace, script))
  }
  annotations.push(...iterationErrorAnnotations(k6Run.stderr, inputs.workspace))
  for (const { message, ...properties } of annotations) {
    core.error(message, properties)
  }
}

/** `setFailed` gets one line that names everything that failed. */
function failureLine(verdict: Verdict): string {
  return `perf-gate failed: ${verdict.reasons.join('; ')}`
}
