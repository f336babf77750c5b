import { beforeAll, describe, expect, it } from '@jest/globals'
import { historyRun, type HistoryRun } from '../src/baseline/history.js'
import {
  CHANGE_POINT_DEFAULTS,
  historyChangePoints,
  type ChangePointOptions
} from '../src/judge/change-points.js'
import { loadService, SERVICES, type CorpusRun } from './helpers/corpus.js'

/**
 * Change points judged on real k6 runs (__tests__/fixtures/k6-noise: two
 * services whose speed drifts 5% and 8% from run to run, as CI runners
 * do), replayed as main's history is built: after every push the whole
 * history is searched, and a change point is counted the first time it
 * is reported.
 *
 * - flat: unchanged runs only (each rotation of them is one history);
 * - step: unchanged runs, then runs of the service made 10% or 20% slower;
 * - creep: unchanged runs whose latencies are scaled up by 1% or 2% more
 *   every run from the middle on. Nothing in the corpus creeps: scaling a
 *   run's samples by a factor scales each of its percentiles by exactly
 *   that factor, so the runs' figures are scaled.
 *
 * The significance level was chosen on the calibration half (aa-01 to 20,
 * slow*-01 to 07): the largest of 0.001, 0.0005, 0.0003, 0.0001 with no
 * false change point on its flat histories. The held-out half and the
 * whole corpus are judged here with it.
 */
type Kind = 'flat' | 'step' | 'creep'
interface History {
  kind: Kind
  runs: HistoryRun[]
  /** The first changed run. */
  truth?: number
}
interface Outcome {
  falsePoints: number
  pushes: number
  /** Pushes from the first changed run until it was reported. */
  delay?: number
  /** Where it was reported, less where it began. */
  locationError?: number
}

/** Every push of a history, what was reported the first time. */
function replay(
  history: History,
  options: ChangePointOptions = CHANGE_POINT_DEFAULTS
): Outcome {
  const reported: number[] = []
  const outcome: Outcome = { falsePoints: 0, pushes: 0 }
  const start = 2 * options.minSegment
  for (let n = start; n <= history.runs.length; n++) {
    outcome.pushes++
    for (const point of historyChangePoints(
      history.runs.slice(0, n),
      options
    )) {
      if (reported.some((i) => Math.abs(i - point.index) <= 2)) continue
      reported.push(point.index)
      const k = history.truth
      const slower = point.figures.some(
        (f) => f.change > 0 && f.metric !== 'errorRate' && f.metric !== 'rps'
      )
      const found =
        k !== undefined &&
        slower &&
        (history.kind === 'creep'
          ? point.index >= k - 3
          : Math.abs(point.index - k) <= 3)
      if (found && outcome.delay === undefined) {
        outcome.delay = n - k!
        outcome.locationError = point.index - k!
      } else if (!found) outcome.falsePoints++
    }
  }
  return outcome
}

/** A run's latencies times `factor`: its samples scaled. */
function scaled(run: HistoryRun, factor: number): HistoryRun {
  const times = (set: HistoryRun['overall']) => ({
    ...set,
    p50: set.p50 == null ? set.p50 : set.p50 * factor,
    p95: set.p95 == null ? set.p95 : set.p95 * factor,
    p99: set.p99 == null ? set.p99 : set.p99 * factor
  })
  return {
    ...run,
    overall: times(run.overall),
    endpoints: Object.fromEntries(
      Object.entries(run.endpoints).map(([n, s]) => [n, times(s)])
    )
  }
}

const rotate = <T>(list: T[], by: number): T[] => [
  ...list.slice(by),
  ...list.slice(0, by)
]

/** Every history of one half of a service's runs. */
function histories(runs: CorpusRun[], half: Half): Map<string, History[]> {
  const [aaFrom, aaTo, slowFrom, slowTo] = HALVES[half]
  const pick = (kind: string, from: number, to: number) =>
    runs
      .filter((r) => r.kind === kind && r.number >= from && r.number <= to)
      .sort((a, b) => a.number - b.number)
      .map((r) => historyRun(r.entry))
  const aa = pick('aa', aaFrom, aaTo)
  const out = new Map<string, History[]>()
  const add = (name: string, h: History) =>
    out.set(name, [...(out.get(name) ?? []), h])
  const k = Math.floor(aa.length / 2)
  aa.forEach((_, r) => {
    const flat = rotate(aa, r).map((run, i) => ({
      ...run,
      runId: `${run.runId}-${i}`,
      date: new Date(Date.UTC(2026, 10, 1, i)).toISOString()
    }))
    add('flat', { kind: 'flat', runs: flat })
    for (const slower of [10, 20]) {
      const slow = pick(`slow${slower}`, slowFrom, slowTo)
      const tail = rotate(slow, r % slow.length)
      const runs = [...flat.slice(0, k), ...tail]
        .slice(0, aa.length)
        .map((run, i) => ({ ...run, date: flat[i].date, runId: `${i}` }))
      add(`step +${slower}%`, { kind: 'step', runs, truth: k })
    }
    for (const perRun of [1, 2]) {
      const runs = flat.map((run, i) =>
        scaled(run, 1 + (perRun / 100) * Math.max(0, i - k + 1))
      )
      add(`creep +${perRun}%/run`, { kind: 'creep', runs, truth: k })
    }
  })
  return out
}

type Half = 'calibration' | 'held out' | 'all'
const HALVES: Record<Half, [number, number, number, number]> = {
  calibration: [1, 20, 1, 7],
  'held out': [21, 40, 8, 15],
  all: [1, 40, 1, 15]
}

interface Row {
  service: string
  half: Half
  series: string
  histories: number
  runs: number
  falsePer100: number
  found: number
  delays: number[]
  locationErrors: number[]
}
const rows: Row[] = []
const built = new Map<string, Map<string, History[]>>()
const median = (xs: number[]): number =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN
const shown = (x: number): string => (Number.isNaN(x) ? '–' : String(x))
const row = (service: string, half: Half, series: string) =>
  rows.find(
    (r) => r.service === service && r.half === half && r.series === series
  )!

beforeAll(async () => {
  for (const service of SERVICES) {
    const runs = await loadService(service)
    for (const half of Object.keys(HALVES) as Half[]) {
      const made = histories(runs, half)
      built.set(`${service}/${half}`, made)
      for (const [series, list] of made) {
        const outcomes = list.map((h) => replay(h))
        const pushes = outcomes.reduce((s, o) => s + o.pushes, 0)
        const found = outcomes.filter((o) => o.delay !== undefined)
        rows.push({
          service,
          half,
          series,
          histories: list.length,
          runs: list[0].runs.length,
          falsePer100:
            (100 * outcomes.reduce((s, o) => s + o.falsePoints, 0)) / pushes,
          found: found.length,
          delays: found.map((o) => o.delay!),
          locationErrors: found.map((o) => o.locationError!)
        })
      }
    }
  }
  process.stdout.write(
    `Change points on real runs (α ${CHANGE_POINT_DEFAULTS.alpha}, windows of ${CHANGE_POINT_DEFAULTS.window}, ${CHANGE_POINT_DEFAULTS.minSegment} runs each side, 5% at least):\n` +
      '| service | runs | history | histories × runs | false change points per 100 runs | found | median delay (runs) | median location error (runs) |\n' +
      '|---|---|---|---|---|---|---|---|\n' +
      rows
        .map(
          (r) =>
            `| ${r.service} | ${r.half} | ${r.series} | ${r.histories} × ${r.runs} | ${r.falsePer100.toFixed(2)} | ${r.found}/${r.histories} | ${shown(median(r.delays))} | ${shown(median(r.locationErrors))} |`
        )
        .join('\n') +
      '\n'
  )
}, 120_000)

describe('change points in main’s history, on real runs', () => {
  it('flat histories stay quiet: no false change point on any half of either service', () => {
    for (const r of rows.filter((r) => r.series === 'flat')) {
      expect([r.service, r.half, r.falsePer100]).toEqual([r.service, r.half, 0])
    }
  })

  it('a changed history raises at most 2 false change points per 100 runs (the machine’s own slower phases included)', () => {
    for (const r of rows.filter((r) => r.series !== 'flat')) {
      expect([r.service, r.half, r.series, r.falsePer100 <= 2]).toEqual([
        r.service,
        r.half,
        r.series,
        true
      ])
    }
  })

  it('a step of +20% is found at the run it began, within a few runs', () => {
    for (const service of SERVICES) {
      const r = row(service, 'all', 'step +20%')
      expect(r.found / r.histories).toBeGreaterThanOrEqual(0.9)
      expect(median(r.locationErrors)).toBe(0)
      expect(median(r.delays)).toBeLessThanOrEqual(7)
    }
  })

  it('a step of +10% is found in most 40-run histories on the 5%-drift service', () => {
    const r = row('fast-lat20-drift5', 'all', 'step +10%')
    expect(r.found / r.histories).toBeGreaterThanOrEqual(0.6)
    expect(Math.abs(median(r.locationErrors))).toBeLessThanOrEqual(1)
  })

  it('a creep of +2% a run is found soon after it starts', () => {
    for (const service of SERVICES) {
      const r = row(service, 'all', 'creep +2%/run')
      expect(r.found / r.histories).toBeGreaterThanOrEqual(0.9)
      expect(median(r.locationErrors)).toBeLessThanOrEqual(5)
    }
  })

  it('is deterministic, and says where, between which commits and by how much', () => {
    const history = built.get('fast-lat20-drift5/all')!.get('step +20%')![0]
    const points = historyChangePoints(history.runs)
    expect(historyChangePoints(history.runs)).toEqual(points)
    const k = history.truth!
    const point = points.find((p) => Math.abs(p.index - k) <= 1)!
    expect(point.index).toBe(k)
    expect(point.firstAfter).toBe(history.runs[k])
    expect(point.lastBefore).toBe(history.runs[k - 1])
    const p95 = point.figures.find(
      (f) => f.scope === 'overall' && f.metric === 'p95'
    )!
    // The step between the windows' geometric means, as the data says.
    const logMean = (runs: HistoryRun[]) =>
      runs.reduce((s, r) => s + Math.log(r.overall.p95!), 0) / runs.length
    const window = CHANGE_POINT_DEFAULTS.window
    const before = history.runs.slice(Math.max(0, k - window), k)
    const after = history.runs.slice(k, k + window)
    expect(p95.change).toBeCloseTo(
      Math.exp(logMean(after) - logMean(before)) - 1,
      10
    )
    expect(p95.change).toBeGreaterThan(0.1)
    expect(p95.interval[0]).toBeLessThan(p95.change)
    expect(p95.interval[1]).toBeGreaterThan(p95.change)
    expect(p95.p).toBeLessThan(CHANGE_POINT_DEFAULTS.alpha)
  })
})
