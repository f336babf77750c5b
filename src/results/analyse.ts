import * as fs from 'node:fs'
import { errorMessage } from '../shared/errors.js'
import { releaseGarbage } from '../shared/memory.js'
import { SecretScan } from '../shared/secrets.js'
import { completeFigures, enrichSummary, findings } from './combine.js'
import { keyFigures, type KeyFigures } from './figures.js'
import type { Finding } from './findings.js'
import { redactSummaryFile } from './redact.js'
import {
  RESULT_SCHEMA_VERSION,
  type DescribedFinding,
  type PerfGateResult
} from './result.js'
import { analyseResultsFile } from './analyser.js'
import type { ResultsAnalysis } from './types.js'
import { readSummary } from './summary.js'
import {
  completeThresholds,
  crossedMetrics,
  keysToWatch
} from './complete-thresholds.js'
import { MetricWatch } from './watch.js'
import { WebVitalsReader, type PageVitals } from './web-vitals.js'
import {
  PairedReader,
  type PairedSample,
  type PairedSamples
} from './paired-samples.js'
import { TagFilteredStream } from './tag-filter.js'
import type { SummaryResult } from './types.js'

/** What k6's files say about a run, each part optional: runs differ. */
export interface RunAnalysis {
  summary?: SummaryResult
  /** Why summary.json could not be read, when it could not. */
  summaryError?: string
  figures?: KeyFigures
  stream?: ResultsAnalysis
  streamError?: string
  findings: Finding[]
  /** setup_data paths redacted from summary.json before anything read it. */
  redacted: string[]
  /** How long the results.json pass took. */
  streamMs?: number
  /** Web Vitals per page, when the run drove a browser (k6/browser). */
  webVitals?: PageVitals[]
  /** A paired run's requests by target. */
  paired?: PairedSamples
  /**
   * results.json, read whole, holds none of the secrets in any form: it
   * is uploaded as it is, without a second pass to redact it.
   */
  resultsSecretFree?: boolean
  /**
   * A paired run's change target alone (its requests and checks): what
   * the baseline store compares and keeps, as of a single run.
   */
  change?: { stream: ResultsAnalysis; figures: KeyFigures }
}

interface AnalyseInput {
  summaryPath: string
  resultsPath: string
  /** k6 should have written a summary (it ran): its absence is a problem. */
  expectSummary: boolean
  /** k6's wall time, for the duration when the summary lacks one. */
  wallTimeMs?: number
  /** Values to blank wherever they appear in setup_data. */
  secrets?: readonly string[]
  /** The profile's thresholds, by metric key (what the script was given). */
  plannedThresholds?: { key: string; expression: string }[]
  /** k6's exit code and error lines: its verdict on the thresholds. */
  exitCode?: number
  k6Errors?: readonly string[]
  /** The capacity model's factor, for a rate held in production terms. */
  capacityFactor?: number
  /** A soak objective: "no drift" is news too. */
  soak?: boolean
  /**
   * A paired A/B run: `tagged`, one file of both targets' requests, each
   * with its target tag (a generated script); `change` or `reference`, the
   * file of that target's run alone (a script of the user's, run twice).
   */
  paired?: 'tagged' | PairedSample['target']
  /** That target's base URL: requests elsewhere are counted. */
  pairedBase?: string
}

/** A paired run's change target alone: its requests' stream and figures. */
function changeTarget(alone: ResultsAnalysis): RunAnalysis['change'] {
  const checks = alone.checks.reduce(
    (sum, c) => ({
      passes: sum.passes + c.passes,
      all: sum.all + c.passes + c.fails
    }),
    { passes: 0, all: 0 }
  )
  return {
    stream: alone,
    figures: {
      ...completeFigures(undefined, alone),
      ...(checks.all > 0
        ? {
            checksRate: checks.passes / checks.all,
            checksTotal: checks.all
          }
        : {})
    }
  }
}

/**
 * Read summary.json (redacting what setup() returned first) and stream
 * results.json; every problem is recorded, none thrown.
 */
export async function analyseRun(input: AnalyseInput): Promise<RunAnalysis> {
  const analysis = await analyseFiles(input)
  // The pass's buffers and kernels are garbage now (and nothing of this
  // call's holds them): freed before the report and the upload allocate.
  await releaseGarbage()
  return analysis
}

async function analyseFiles(input: AnalyseInput): Promise<RunAnalysis> {
  const analysis: RunAnalysis = { findings: [], redacted: [] }
  if (fs.existsSync(input.summaryPath)) {
    analysis.redacted = redactSummaryFile(input.summaryPath, input.secrets)
    try {
      analysis.summary = readSummary(input.summaryPath)
      analysis.figures = keyFigures(analysis.summary, input.wallTimeMs)
    } catch (error) {
      analysis.summaryError = errorMessage(error)
    }
  } else if (input.expectSummary) {
    analysis.summaryError = `k6 wrote no ${input.summaryPath}`
  }

  if (fs.existsSync(input.resultsPath)) {
    try {
      const started = Date.now()
      const planned = input.plannedThresholds ?? []
      const read = await readResults(input, analysis.summary, planned)
      const stream = read.stream
      analysis.resultsSecretFree = read.secretFree
      if (read.paired) analysis.paired = read.paired
      if (read.change) analysis.change = read.change
      if (read.pages?.length) analysis.webVitals = read.pages
      analysis.streamMs = Date.now() - started
      analysis.stream = stream
      if (analysis.summary) {
        analysis.summary = completeThresholds({
          summary: enrichSummary(analysis.summary, stream),
          watch: read.watched,
          planned,
          durationS:
            (analysis.summary.testRunDurationMs ?? 0) / 1000 ||
            stream.durationS,
          crossed: crossedMetrics(input.k6Errors ?? []),
          exitCode: input.exitCode ?? 0
        })
        analysis.figures = keyFigures(analysis.summary, input.wallTimeMs)
      }
      analysis.figures = completeFigures(analysis.figures, stream)
      analysis.findings = findings(stream, analysis.summary, {
        capacityFactor: input.capacityFactor,
        soak: input.soak
      })
    } catch (error) {
      analysis.streamError = errorMessage(error)
    }
  }
  return analysis
}

/** One pass over results.json for everything read from it. */
async function readResults(
  input: AnalyseInput,
  summary: SummaryResult | undefined,
  planned: { key: string; expression: string }[]
) {
  const wanted = keysToWatch(summary, planned)
  const watch = new MetricWatch(wanted.keys, wanted.fromHeaders)
  // Only a run whose summary has Web Vitals (or no summary) is scanned.
  const vitals =
    !summary ||
    Object.keys(summary.metrics).some((k) => k.startsWith('browser_web_vital_'))
      ? new WebVitalsReader()
      : undefined
  const pairs = input.paired
    ? new PairedReader(
        input.paired === 'tagged' ? undefined : input.paired,
        input.pairedBase
      )
    : undefined
  const change =
    input.paired === 'tagged'
      ? new TagFilteredStream('target', 'reference')
      : undefined
  const secrets = new SecretScan(input.secrets ?? [])
  const stream = await analyseResultsFile(
    input.resultsPath,
    {},
    [watch, vitals, pairs].filter((r) => r !== undefined),
    change ? [change, secrets] : [secrets]
  )
  return {
    stream,
    watched: watch.finish(),
    secretFree: !secrets.found && !stream.truncatedLastLine,
    paired: pairs?.finish(),
    change: change && changeTarget(change.finish()),
    pages: vitals?.finish()
  }
}

/**
 * perf-gate-result.json for a run: what the baseline store keeps of it.
 * `describe` gives each finding its words (report/findings.ts).
 */
export function resultRecord(
  run: { outcome: string; exitCode: number },
  k6Version: string | undefined,
  passed: boolean,
  analysis: RunAnalysis,
  describe: (finding: Finding) => Omit<DescribedFinding, 'kind' | 'severity'>,
  generatedAt = new Date()
): PerfGateResult {
  return {
    schema: 'perf-gate-result',
    schemaVersion: RESULT_SCHEMA_VERSION,
    generatedAt: generatedAt.toISOString(),
    k6Version,
    outcome: run.outcome,
    exitCode: run.exitCode,
    passed,
    figures: analysis.figures ?? {},
    thresholds: analysis.summary?.thresholds ?? [],
    checks: analysis.summary?.checks ?? [],
    http: analysis.stream?.http,
    endpoints: analysis.stream?.endpoints ?? [],
    scenarios: analysis.stream?.scenarios ?? [],
    series: analysis.stream?.series,
    findings: analysis.findings.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      ...describe(f)
    })),
    input: analysis.stream && {
      bytes: analysis.stream.bytes,
      lines: analysis.stream.lines,
      corruptLines: analysis.stream.corruptLines,
      truncatedLastLine: analysis.stream.truncatedLastLine
    }
  }
}
