import type { BaselineEntry } from '../../src/baseline/entry.js'

// Globals are slow to reach inside jest's vm context (30× here): alias them.
const { exp, log, sqrt, cos, PI, imul, max, min, ceil } = Math
const F64 = Float64Array

/** mulberry32: a seeded generator, so the figures are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = imul(t ^ (t >>> 15), t | 1)
    t ^= t + imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function normal(random: () => number): number {
  const u = 1 - random()
  return sqrt(-2 * log(u)) * cos(2 * PI * random())
}

/**
 * One simulated run of a service with log-normal latencies (median 50 ms,
 * σ 0.5: p95 ≈ 114 ms), 60 buckets of 100 requests. Noise of a shared CI
 * runner, in two parts:
 * - drift within the run: the latency level wanders bucket to bucket
 *   (AR(1), ρ 0.8, σ 6%), bounded to ±15% (noisy neighbours come and go);
 * - a run-level offset between runs (σ 2%).
 * `factor` scales every latency: 1.2 is a true 20% regression.
 */
export function simulateRun(random: () => number, factor = 1): BaselineEntry {
  const buckets = 60
  const perBucket = 100
  const offset = exp(0.02 * normal(random))
  const all = new F64(buckets * perBucket)
  const p95: number[] = []
  const bucket = new F64(perBucket)
  let wander = 0
  for (let b = 0; b < buckets; b++) {
    wander = 0.8 * wander + 0.06 * sqrt(1 - 0.64) * normal(random)
    const level = offset * (1 + max(-0.15, min(0.15, wander)))
    for (let i = 0; i < perBucket; i++) {
      const ms = factor * level * 50 * exp(0.5 * normal(random))
      bucket[i] = ms
      all[b * perBucket + i] = ms
    }
    bucket.sort()
    p95.push(bucket[ceil(0.95 * perBucket) - 1])
  }
  all.sort()
  const overallP95 = all[ceil(0.95 * all.length) - 1]
  return {
    commit: String(random()),
    ref: 'refs/heads/main',
    runId: String(random()),
    date: new Date(0).toISOString(),
    runner: { os: 'Linux', arch: 'X64' },
    objective: 'load',
    fingerprint: 'f',
    overall: { p95: overallP95 },
    endpoints: {},
    series: { bucketSeconds: 1, p95, rps: [], errorRate: [] }
  }
}
