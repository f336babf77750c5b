import * as core from '@actions/core'

/** Every output in action.yml, by the name the code gives it. */
export const OUTPUT = {
  passed: 'passed',
  exitCode: 'exit-code',
  k6Version: 'k6-version',
  summaryPath: 'summary-path',
  resultsPath: 'results-path',
  reportPath: 'report-path',
  htmlReportPath: 'html-report-path',
  junitPath: 'junit-path',
  p95Ms: 'p95-ms',
  p99Ms: 'p99-ms',
  errorRate: 'error-rate',
  rps: 'rps',
  objective: 'objective',
  fingerprint: 'fingerprint',
  verdict: 'verdict',
  regressions: 'regressions',
  baselineSha: 'baseline-sha',
  commentUrl: 'comment-url',
  pairedChange: 'paired-change',
  pairedDetectable: 'paired-detectable'
} as const

export type OutputKey = keyof typeof OUTPUT

/**
 * The run's outputs, gathered as the stages learn them and written to the
 * runner once each, by `flush()`. `main.ts` flushes whatever is known when
 * it ends, however it ends.
 */
export class Outputs {
  private readonly values = new Map<OutputKey, string>()
  private readonly written = new Set<OutputKey>()

  /** @param write false: gathered, never written (a second run of a step). */
  constructor(private readonly write = true) {}

  set(key: OutputKey, value: string | number | boolean | undefined): void {
    this.values.set(key, value === undefined ? '' : String(value))
  }

  get(key: OutputKey): string | undefined {
    return this.values.get(key)
  }

  /** Write every output set and not yet written. */
  flush(): void {
    if (!this.write) return
    for (const [key, value] of this.values) {
      if (this.written.has(key)) continue
      core.setOutput(OUTPUT[key], value)
      this.written.add(key)
    }
  }
}

/** A figure for an output: rounded, empty when unknown. */
export function figure(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value)
    ? ''
    : String(Number(value.toFixed(digits)))
}
