import type { BaselineEntry } from '../../src/baseline/entry.js'

// Globals are slow to reach inside jest's vm context (30× here): alias them.
const { exp, log, sqrt, cos, PI, imul, ceil, floor } = Math
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

const REQUESTS = 500

/**
 * One simulated run shaped like the recorded ones in
 * __tests__/fixtures/k6-noise: 500 requests around 20 ms with 20% jitter
 * and a 1% tail 3–10× slower, the whole run scaled by a speed factor
 * drawn per run (5% drift, what a CI runner adds). `factor` scales every
 * latency: 1.2 is a true 20% regression. The entry carries the p95 and its
 * sampling error as the analyser computes them.
 */
export function simulateRun(random: () => number, factor = 1): BaselineEntry {
  const speed = exp(0.05 * normal(random))
  const samples = new F64(REQUESTS)
  for (let i = 0; i < REQUESTS; i++) {
    const jitter = 1 + 0.2 * (2 * random() - 1)
    const tail = random() < 0.01 ? 3 + 7 * random() : 1
    samples[i] = factor * speed * 20 * jitter * tail
  }
  samples.sort()
  // k6's interpolation between the sorted neighbours.
  const at = (p: number): number => {
    const i = (p / 100) * (REQUESTS - 1)
    const lower = samples[floor(i)]
    return lower + (samples[ceil(i)] - lower) * (i - floor(i))
  }
  const ranks = 200 * sqrt((0.95 * 0.05) / REQUESTS)
  return {
    commit: String(random()),
    ref: 'refs/heads/main',
    runId: String(random()),
    date: new Date(0).toISOString(),
    runner: { os: 'Linux', arch: 'X64' },
    objective: 'load',
    fingerprint: 'f',
    overall: {
      p95: at(95),
      p95Se: log(at(95 + ranks) / at(95 - ranks)) / 4,
      requests: REQUESTS
    },
    endpoints: {},
    series: { bucketSeconds: 1, p95: [], rps: [], errorRate: [] }
  }
}
