import * as fs from 'node:fs'
import * as path from 'node:path'
import { toEntry, type BaselineEntry } from '../../src/baseline/entry.js'
import { compare, type ToleranceConfig } from '../../src/judge/compare.js'
import { decideRegressions } from '../../src/judge/regressions.js'
import { describeFinding } from '../../src/report/findings.js'
import { analyseRun, resultRecord } from '../../src/results/analyse.js'

/**
 * The recorded runs of __tests__/fixtures/k6-noise (real k6 against an API
 * whose speed drifts from run to run), turned into the baseline entries a
 * run of perf-gate would write, and every way of drawing a history and a
 * candidate from them judged as a pull request run judges it.
 */
export const NOISE_ROOT = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '..',
  'fixtures',
  'k6-noise'
)
export const SERVICES = ['fast-lat20-drift5', 'slow-lat60-drift8'] as const
export type Kind = 'aa' | 'slow10' | 'slow20'

export interface CorpusRun {
  name: string
  kind: Kind
  /** 1-based number within its kind. */
  number: number
  entry: BaselineEntry
}

const KIND_ORDER: Kind[] = ['aa', 'slow10', 'slow20']

/** Every run of a service, as the entry perf-gate writes for it. */
export async function loadService(service: string): Promise<CorpusRun[]> {
  const dir = path.join(NOISE_ROOT, service)
  const runs: CorpusRun[] = []
  for (const name of fs.readdirSync(dir).sort()) {
    const match = /^(aa|slow10|slow20)-(\d+)$/.exec(name)
    if (!match) continue
    const kind = match[1] as Kind
    const number = Number(match[2])
    const folder = path.join(dir, name)
    const exitCode = Number(
      fs.readFileSync(path.join(folder, 'exitcode.txt'), 'utf8').trim()
    )
    const summaryPath = path.join(folder, 'summary.json')
    const analysis = await analyseRun({
      summaryPath,
      resultsPath: path.join(folder, 'results.json.gz'),
      expectSummary: true,
      secrets: []
    })
    const result = resultRecord(
      { outcome: 'passed', exitCode },
      '1.3.0',
      exitCode === 0,
      analysis,
      describeFinding
    )
    // Recorded interleaved (aa-01, slow10-01, slow20-01, aa-02, …).
    const order = (number - 1) * 3 + KIND_ORDER.indexOf(kind)
    runs.push({
      name,
      kind,
      number,
      entry: toEntry(result, {
        commit: name,
        ref: 'refs/heads/main',
        runId: name,
        date: new Date(Date.UTC(2026, 10, 1, 0, order)).toISOString(),
        objective: 'load',
        fingerprint: 'corpus',
        runner: { os: 'Linux', arch: 'X64' }
      })
    })
  }
  return runs
}

export interface Outcome {
  failed: boolean
  /** Flagged at the warn tier or beyond. */
  flagged: boolean
  /** The overall p95's fail cut-off, relative (the minimum detectable effect). */
  mde?: number
}

/** One pull request run judged against one history, as the action judges it. */
export function judge(
  candidate: BaselineEntry,
  history: BaselineEntry[],
  tolerances?: ToleranceConfig
): Outcome {
  const current: BaselineEntry = {
    ...candidate,
    ref: 'refs/pull/1',
    runId: `pr-${candidate.runId}`
  }
  const comparison = compare({ current, stored: history, tolerances })
  const gate = decideRegressions(comparison, {
    failOnRegression: true,
    waiverLabel: 'w',
    labels: []
  })
  const p95 = comparison.metrics.find((m) => m.metric === 'p95')
  return {
    failed: gate.regressions.length > 0,
    flagged: gate.regressions.length > 0 || gate.warnings.length > 0,
    mde: p95?.evidence?.cutoff.fail?.relative
  }
}

/**
 * Histories of `size` consecutive runs of `pool` (in recorded order,
 * wrapping around), leaving out `exclude`: main's last runs before a pull
 * request, drawn every way the pool allows.
 */
export function histories(
  pool: readonly CorpusRun[],
  size: number,
  exclude?: CorpusRun
): BaselineEntry[][] {
  const others = pool.filter((r) => r !== exclude)
  if (others.length < size) return []
  const out: BaselineEntry[][] = []
  for (let start = 0; start < others.length; start++) {
    const window: CorpusRun[] = []
    for (let i = 0; i < size; i++)
      window.push(others[(start + i) % others.length])
    // Oldest first, as the store keeps them.
    out.push(
      window.map((r) => r.entry).sort((a, b) => a.date.localeCompare(b.date))
    )
    if (size === others.length) break
  }
  return out
}

export interface Rates {
  cases: { aa: number; slow10: number; slow20: number }
  falseAlarms: number
  warnings: number
  detect10: number
  detect20: number
  medianMde: number
}

/** Every candidate of `candidates` against every history of `pool`. */
export function rates(
  candidates: readonly CorpusRun[],
  pool: readonly CorpusRun[],
  size: number,
  tolerances?: ToleranceConfig
): Rates {
  const count = { aa: 0, slow10: 0, slow20: 0 }
  const hits = { failed: 0, flagged: 0, slow10: 0, slow20: 0 }
  const mdes: number[] = []
  for (const candidate of candidates) {
    for (const history of histories(
      pool,
      size,
      candidate.kind === 'aa' ? candidate : undefined
    )) {
      const outcome = judge(candidate.entry, history, tolerances)
      count[candidate.kind]++
      if (candidate.kind === 'aa') {
        if (outcome.failed) hits.failed++
        if (outcome.flagged) hits.flagged++
        if (outcome.mde !== undefined) mdes.push(outcome.mde)
      } else if (outcome.flagged) hits[candidate.kind]++
    }
  }
  mdes.sort((a, b) => a - b)
  return {
    cases: count,
    falseAlarms: hits.failed / count.aa,
    warnings: hits.flagged / count.aa,
    detect10: hits.slow10 / count.slow10,
    detect20: hits.slow20 / count.slow20,
    medianMde: mdes[mdes.length >> 1] ?? NaN
  }
}
