import { describe, expect, it } from '@jest/globals'
import { compare } from '../src/judge/compare.js'
import {
  criticalT,
  predict,
  predictiveSd,
  test,
  withoutOutliers
} from '../src/judge/statistics.js'
import { rng, simulateRun } from './helpers/noise-sim.js'

describe('statistics', () => {
  it('a history without a prior is a textbook Student t prediction', () => {
    const history = [1, 2, 3, 4, 5].map((value) => ({ value, variance: 0 }))
    const p = predict(history, { sd: 0, weight: 0 })
    expect(p).toMatchObject({ runs: 5, center: 3, df: 4 })
    expect(p.drift).toBeCloseTo(Math.sqrt(2.5), 12)
    // New value 8: (8 − 3) / √(2.5 × (1 + 1/5)) = 2.887 with 4 df.
    const t = test({ value: 8, variance: 0 }, p, 1)
    expect(t.t).toBeCloseTo(5 / Math.sqrt(3), 10)
    expect(t.p).toBeCloseTo(0.02235, 4)
    expect(criticalT(0.05, 4)).toBeCloseTo(2.1318, 4)
    expect(criticalT(0.005, 10)).toBeCloseTo(3.1693, 4)
  })

  it('the prior stands in for a short history and gives way to a long one', () => {
    const prior = { sd: 0.1, weight: 3 }
    const one = predict([{ value: 0, variance: 0 }], prior)
    expect(one).toMatchObject({ runs: 1, df: 3 })
    expect(one.drift).toBeCloseTo(0.1, 12)
    const tight = Array.from({ length: 40 }, (_, i) => ({
      value: (i % 2 ? 1 : -1) * 0.01,
      variance: 0
    }))
    expect(predict(tight, prior).drift).toBeLessThan(0.03)
  })

  it('sampling error is added for the run and taken out of the history’s spread', () => {
    const history = [0.1, -0.1, 0.1, -0.1].map((value) => ({
      value,
      variance: 0.01
    }))
    // Spread 0.0133 of which sampling explains 0.01.
    const p = predict(history, { sd: 0, weight: 0 })
    expect(p.drift ** 2).toBeCloseTo(0.04 / 3 - 0.01, 12)
    expect(predictiveSd(p, 0.09)).toBeCloseTo(
      Math.sqrt(p.drift ** 2 * 1.25 + 0.09 + 0.01 / 4),
      12
    )
  })

  it('sets aside runs far outside the rest, never fewer than 4 runs', () => {
    const runs = [1, 1.1, 0.9, 1.05, 5].map((value) => ({ value, variance: 0 }))
    expect(withoutOutliers(runs, 0.01).outliers.map((o) => o.value)).toEqual([
      5
    ])
    expect(withoutOutliers(runs.slice(2), 0.01).outliers).toEqual([])
    // The MAD is never taken below the minimum scale.
    expect(withoutOutliers(runs, 2).outliers).toEqual([])
  })
})

describe('A/A and A/B simulation, a second check beside the real runs of corpus.test.ts', () => {
  const PAIRS = 1000

  it('10 runs of history, 5% run-to-run drift: ≤ 1% fail, ≤ 5% warn, a 20% regression caught ≥ 80%', () => {
    const random = rng(20261201)
    let failed = 0
    let warned = 0
    let detected = 0
    for (let i = 0; i < PAIRS; i++) {
      const history = Array.from({ length: 10 }, () => simulateRun(random))
      const unchanged = compare({
        current: simulateRun(random),
        stored: history
      })
      if (unchanged.regressions.length) failed++
      if (unchanged.regressions.length || unchanged.warnings.length) warned++
      const slower = compare({
        current: simulateRun(random, 1.2),
        stored: history
      })
      if (slower.regressions.length || slower.warnings.length) detected++
    }
    process.stdout.write(
      `simulation (10 runs of history, 5% drift): A/A failed ${failed}/${PAIRS}, ` +
        `warned or failed ${warned}/${PAIRS}; +20% detected ${detected}/${PAIRS}\n`
    )
    expect(failed / PAIRS).toBeLessThanOrEqual(0.01)
    expect(warned / PAIRS).toBeLessThanOrEqual(0.05)
    expect(detected / PAIRS).toBeGreaterThanOrEqual(0.8)
  })
})
