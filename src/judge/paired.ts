import { tCdf } from './student-t.js'
import { SampleColumns, type PairedSample } from '../results/paired-samples.js'
import { criticalT, mean } from './statistics.js'

/**
 * Paired A/B: the change and its reference under the same load at the
 * same moments. Each time bucket is a pair: the difference of the two
 * targets' mean log latency in it (the middle 80% of each). Whatever slows the runner in that
 * bucket slows both, and cancels; what is left is the change, and the
 * targets' own noise. A one-sided t test over the buckets' differences
 * decides, at a false-alarm rate fixed in advance.
 */

interface PairedOptions {
  /** Seconds at the start left out (connections, caches, JIT warming). */
  warmupS?: number
  /** The one-sided false-alarm rate. */
  alpha?: number
  /** A change smaller than this share is not called a regression. */
  tolerance?: number
  /** Each bucket needs this many samples of each target. */
  minPerBucket?: number
  /**
   * Each endpoint's latency measured from its own middle (the median of
   * its log latency, both targets together), so that a bucket whose
   * requests to one target happened to be more of a slow endpoint is no
   * slower. On by default; off, to measure what it is worth.
   */
  byEndpoint?: boolean
}

const PAIRED_DEFAULTS = {
  alpha: 0.005,
  tolerance: 0.02,
  minPerBucket: 10,
  /** Buckets needed to judge at all. */
  minBuckets: 6,
  /** Power at which the detectable change is stated. */
  power: 0.8
}

export interface PairedResult {
  /** Buckets judged, and their width in seconds. */
  buckets: number
  bucketSeconds: number
  warmupS: number
  /** The change's latency over the reference's (geometric mean) − 1. */
  change: number
  /** A two-sided 95% interval around it. */
  interval: [number, number]
  t: number
  /** One-sided: the chance of a difference this large with no change. */
  p: number
  /** The smallest change this run would detect with 80% power. */
  detectable: number
  regression: boolean
  /** Why it was not judged, when it was not (report/paired.ts says it). */
  unjudged?: PairedUnjudged
  samples: { change: number; reference: number }
}

/** Why a paired run could not be judged. */
export type PairedUnjudged =
  /** No request carried a target tag: the generated script did not run. */
  | { why: 'no-target-tag' }
  /** No request to one target succeeded. */
  | { why: 'no-requests'; target: 'change' | 'reference' }
  /** Too few buckets held enough requests to each target. */
  | {
      why: 'few-buckets'
      buckets: number
      bucketSeconds: number
      perBucket: number
      needed: number
    }

export function pairedTest(
  given: readonly PairedSample[] | SampleColumns,
  options: PairedOptions = {}
): PairedResult {
  const samples =
    given instanceof SampleColumns ? given : SampleColumns.from(given)
  const minPer = options.minPerBucket ?? PAIRED_DEFAULTS.minPerBucket
  const empty = emptyTarget(samples)
  if (empty) return empty
  // A loop, not Math.min(...): a long run has more samples than arguments.
  let start = Infinity
  let end = -Infinity
  for (let i = 0; i < samples.length; i++) {
    const t = samples.timeMs[i]
    if (t < start) start = t
    if (t > end) end = t
  }
  const spanS = (end - start) / 1000
  const warmupS = options.warmupS ?? Math.min(10, spanS / 10)
  const judged = centred(
    samples,
    start + warmupS * 1000,
    options.byEndpoint ?? true
  )
  const counts = { change: 0, reference: 0 }
  for (const i of judged.index) counts[samples.targetOf(i)]++
  // The narrowest buckets (from 1 s, doubling) that hold enough of each.
  let width = 1
  let diffs = differences(samples, judged, start, width, minPer)
  const perSecond = Math.min(counts.change, counts.reference) / spanS
  while (perSecond * width < minPer && width < spanS) {
    width *= 2
    diffs = differences(samples, judged, start, width, minPer)
  }
  const base: PairedResult = {
    ...unjudged(width, warmupS, counts),
    buckets: diffs.length
  }
  if (diffs.length < PAIRED_DEFAULTS.minBuckets) {
    return {
      ...base,
      unjudged: {
        why: 'few-buckets',
        buckets: diffs.length,
        bucketSeconds: width,
        perBucket: minPer,
        needed: PAIRED_DEFAULTS.minBuckets
      }
    }
  }
  return { ...base, ...tTest(diffs, options) }
}

/** Samples without both targets: nothing to pair. */
function emptyTarget(samples: SampleColumns): PairedResult | undefined {
  if (samples.length === 0) {
    return {
      ...unjudged(0, 0, { change: 0, reference: 0 }),
      unjudged: { why: 'no-target-tag' }
    }
  }
  const counts = { change: 0, reference: 0 }
  for (let i = 0; i < samples.length; i++) counts[samples.targetOf(i)]++
  for (const target of ['change', 'reference'] as const) {
    if (counts[target] === 0) {
      return {
        ...unjudged(0, 0, counts),
        unjudged: { why: 'no-requests', target }
      }
    }
  }
  return undefined
}

/** The one-sided t test over the buckets' differences of log latency. */
function tTest(
  diffs: number[],
  options: PairedOptions
): Pick<
  PairedResult,
  'change' | 'interval' | 't' | 'p' | 'detectable' | 'regression'
> {
  const alpha = options.alpha ?? PAIRED_DEFAULTS.alpha
  const tolerance = options.tolerance ?? PAIRED_DEFAULTS.tolerance
  const n = diffs.length
  const d = mean(diffs)
  const sd = Math.sqrt(
    diffs.reduce((sum, x) => sum + (x - d) ** 2, 0) / (n - 1)
  )
  const se = sd / Math.sqrt(n)
  const t = se > 0 ? d / se : d > 0 ? Infinity : 0
  const p = 1 - tCdf(t, n - 1)
  const half = criticalT(0.025, n - 1) * se
  const detectable =
    Math.exp(
      (criticalT(alpha, n - 1) + criticalT(1 - PAIRED_DEFAULTS.power, n - 1)) *
        se
    ) - 1
  const change = Math.exp(d) - 1
  return {
    change,
    interval: [Math.exp(d - half) - 1, Math.exp(d + half) - 1],
    t,
    p,
    detectable: Math.max(detectable, tolerance),
    regression: p < alpha && change > tolerance
  }
}

/** A result that judged nothing (yet): no change, nothing detectable. */
function unjudged(
  bucketSeconds: number,
  warmupS: number,
  samples: PairedResult['samples']
): PairedResult {
  return {
    buckets: 0,
    bucketSeconds,
    warmupS,
    change: 0,
    interval: [0, 0],
    t: 0,
    p: 1,
    detectable: Infinity,
    regression: false,
    samples
  }
}

/**
 * The samples judged (after the warm-up, with a latency), by their index,
 * and each one's log latency, less its endpoint's median when centred.
 */
interface Centred {
  index: Uint32Array
  x: Float64Array
}

function centred(
  samples: SampleColumns,
  fromMs: number,
  byEndpoint: boolean
): Centred {
  let n = 0
  const index = new Uint32Array(samples.length)
  for (let i = 0; i < samples.length; i++) {
    if (samples.timeMs[i] >= fromMs && samples.value[i] > 0) index[n++] = i
  }
  const judged = index.subarray(0, n)
  const x = new Float64Array(n)
  for (let j = 0; j < n; j++) x[j] = Math.log(samples.value[judged[j]])
  if (!byEndpoint) return { index: judged, x }
  // Each endpoint's logs side by side (a counting sort), then its median.
  const names = samples.names.length
  const offsets = new Uint32Array(names + 1)
  for (let j = 0; j < n; j++) offsets[samples.name[judged[j]] + 1]++
  for (let k = 0; k < names; k++) offsets[k + 1] += offsets[k]
  const grouped = new Float64Array(n)
  const next = offsets.slice(0, names)
  for (let j = 0; j < n; j++) grouped[next[samples.name[judged[j]]]++] = x[j]
  const middle = new Float64Array(names)
  for (let k = 0; k < names; k++) {
    if (offsets[k + 1] > offsets[k])
      middle[k] = median(grouped.subarray(offsets[k], offsets[k + 1]))
  }
  for (let j = 0; j < n; j++) x[j] -= middle[samples.name[judged[j]]]
  return { index: judged, x }
}

function median(values: Float64Array): number {
  const sorted = values.sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Per bucket with enough of both: mean log(change) − mean log(reference). */
function differences(
  samples: SampleColumns,
  judged: Centred,
  start: number,
  widthS: number,
  minPer: number
): number[] {
  const n = judged.index.length
  // Each sample's bucket, then the values side by side by bucket and
  // target (a counting sort): slot 2k the change's, 2k + 1 the reference's.
  const slot = new Uint32Array(n)
  let buckets = 0
  for (let j = 0; j < n; j++) {
    const i = judged.index[j]
    const k = Math.floor((samples.timeMs[i] - start) / (widthS * 1000))
    slot[j] = k * 2 + samples.target[i]
    buckets = Math.max(buckets, k + 1)
  }
  const offsets = new Uint32Array(buckets * 2 + 1)
  for (let j = 0; j < n; j++) offsets[slot[j] + 1]++
  for (let s = 0; s < buckets * 2; s++) offsets[s + 1] += offsets[s]
  const values = new Float64Array(n)
  const next = offsets.slice(0, buckets * 2)
  for (let j = 0; j < n; j++) values[next[slot[j]]++] = judged.x[j]
  const out: number[] = []
  for (let k = 0; k < buckets; k++) {
    const c = values.subarray(offsets[2 * k], offsets[2 * k + 1])
    const r = values.subarray(offsets[2 * k + 1], offsets[2 * k + 2])
    if (c.length >= minPer && r.length >= minPer)
      out.push(trimmedMean(c) - trimmedMean(r))
  }
  return out
}

/**
 * The mean of the middle 80%: a heavy tail's few requests do not lead it.
 * Sorts `values` in place.
 */
function trimmedMean(values: Float64Array): number {
  const sorted = values.sort()
  const cut = Math.floor(sorted.length * 0.1)
  let sum = 0
  for (let i = cut; i < sorted.length - cut; i++) sum += sorted[i]
  return sum / (sorted.length - 2 * cut)
}
