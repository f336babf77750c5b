import * as fs from 'node:fs'
import type { CheckResult, ThresholdResult } from './types.js'
import type { KeyFigures } from './figures.js'
import type { Finding } from './findings.js'

/** A finding as perf-gate-result.json lists it. */
export type DescribedFinding = Pick<Finding, 'kind' | 'severity'> & {
  title: string
  detail: string
  figures: Record<string, number>
}
import type { EndpointStats, ResultsAnalysis } from './types.js'

/**
 * perf-gate-result.json: one run, analysed. The input of the baseline store
 * and of any other tool; documented in docs/perf-gate-result.md. Bump the
 * version on any change a reader could trip over.
 */
export const RESULT_SCHEMA_VERSION = 2

export interface PerfGateResult {
  schema: 'perf-gate-result'
  schemaVersion: typeof RESULT_SCHEMA_VERSION
  generatedAt: string
  k6Version?: string
  outcome: string
  exitCode: number
  passed: boolean
  figures: KeyFigures
  thresholds: ThresholdResult[]
  checks: CheckResult[]
  http?: ResultsAnalysis['http']
  endpoints: EndpointStats[]
  scenarios: EndpointStats[]
  series?: ResultsAnalysis['series']
  /** Each with its words (`title`, `detail`) and its `figures`. */
  findings: DescribedFinding[]
  /** How the results file read: problems in it are reported, not fatal. */
  input?: Pick<
    ResultsAnalysis,
    'bytes' | 'lines' | 'corruptLines' | 'truncatedLastLine'
  >
}

export function writeResult(file: string, result: PerfGateResult): void {
  // NaN (no samples) is not JSON: write null.
  fs.writeFileSync(
    file,
    `${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`
  )
}
