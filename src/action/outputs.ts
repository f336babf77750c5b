import * as core from '@actions/core'

/** Every output in action.yml: its name, and what it holds. */
export const OUTPUTS = {
  passed: {
    name: 'passed',
    description: '`true` when the gate passed, `false` otherwise.'
  },
  exitCode: {
    name: 'exit-code',
    description:
      "k6's exit code (0 ok, 99 thresholds crossed, 104 invalid options, 107 script error, 108 aborted by the script)."
  },
  k6Version: {
    name: 'k6-version',
    description:
      'The k6 version that ran, as `k6 version` reported it (e.g. `1.3.0`).'
  },
  summaryPath: {
    name: 'summary-path',
    description: 'Absolute path of summary.json (empty when k6 wrote none).'
  },
  resultsPath: {
    name: 'results-path',
    description:
      "Absolute path of results.json.gz, k6's JSON output gzipped as k6 writes it (`zcat` reads it; empty when k6 wrote none)."
  },
  reportPath: {
    name: 'report-path',
    description:
      'Absolute path of perf-gate-report.md, the report as markdown (empty when it could not be written).'
  },
  htmlReportPath: {
    name: 'html-report-path',
    description:
      "Absolute path of k6's HTML report, k6-report.html (empty when html-report is false or k6 wrote none)."
  },
  junitPath: {
    name: 'junit-path',
    description:
      'Absolute path of perf-gate-junit.xml (empty when junit is false).'
  },
  p95Ms: {
    name: 'p95-ms',
    description:
      "95th percentile of http_req_duration, in milliseconds (a paired run's, the change's requests)."
  },
  p99Ms: {
    name: 'p99-ms',
    description:
      "99th percentile of http_req_duration, in milliseconds (a paired run's, the change's requests)."
  },
  errorRate: {
    name: 'error-rate',
    description:
      "Share of failed requests (http_req_failed), from 0 to 1 (a paired run's, the change's requests)."
  },
  rps: {
    name: 'rps',
    description:
      "HTTP requests per second over the run (a paired run's, to the change)."
  },
  objective: {
    name: 'objective',
    description: 'The load objective that ran (with a profile).'
  },
  verdict: {
    name: 'verdict',
    description:
      '`pass`, `warn` (slower within the fail tolerance, or regressions not gated), `waived` (regressions waived by the label), `regression` or `fail` (a threshold or the run itself).'
  },
  regressions: {
    name: 'regressions',
    description: 'Number of regressions found against the baseline.'
  },
  baselineSha: {
    name: 'baseline-sha',
    description: 'Commit of the baseline run compared with (empty without one).'
  },
  commentUrl: {
    name: 'comment-url',
    description: 'URL of the pull request comment (empty when none was posted).'
  },
  fingerprint: {
    name: 'fingerprint',
    description:
      'What makes runs comparable (objective, load shape, endpoints, thresholds, k6 major), hashed; with a profile.'
  },
  pairedChange: {
    name: 'paired-change',
    description:
      "Paired A/B: the change's latency over the reference's, minus 1 (0.052 is 5.2% slower); empty when the run was not paired or not judged."
  },
  pairedDetectable: {
    name: 'paired-detectable',
    description:
      'Paired A/B: the smallest change this run would detect with 80% power (0.04 is 4%); empty when not paired or not judged.'
  }
} as const

/** Every output in action.yml, by the name the code gives it. */
export const OUTPUT = Object.fromEntries(
  Object.entries(OUTPUTS).map(([key, o]) => [key, o.name])
) as { [K in keyof typeof OUTPUTS]: (typeof OUTPUTS)[K]['name'] }

type OutputKey = keyof typeof OUTPUTS

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
