/**
 * One run spread over machines with k6's execution segments: shard i of n
 * runs the segment (i-1)/n:i/n of the sequence 0,1/n,…,1, so the n shards
 * together run the plan once (k6 lib/execution_segment.go: every executor
 * splits its VUs, rates and iterations by the segment's share).
 */

export interface Shard {
  /** 1-based. */
  index: number
  count: number
}

/** The most shards a run may be split into. */
const MAX_SHARDS = 100

/** `i/n` as k6 reads a rational: reduced, `0` and `1` bare. */
function fraction(i: number, n: number): string {
  if (i === 0) return '0'
  if (i === n) return '1'
  const divisor = gcd(i, n)
  return `${i / divisor}/${n / divisor}`
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

/** The segment `from:to` of shard i of n. */
export function segment(shard: Shard): string {
  return `${fraction(shard.index - 1, shard.count)}:${fraction(shard.index, shard.count)}`
}

/** The full sequence every shard is given: `0,1/3,2/3,1`. */
export function segmentSequence(count: number): string {
  return Array.from({ length: count + 1 }, (_, i) => fraction(i, count)).join(
    ','
  )
}

/** The k6 flags that make this process shard i of n. */
export function segmentArgs(shard: Shard): string[] {
  return [
    '--execution-segment',
    segment(shard),
    '--execution-segment-sequence',
    segmentSequence(shard.count)
  ]
}

/** A shard's name in artifacts and logs: `shard 2/3`. */
export function shardLabel(shard: Shard): string {
  return `shard ${shard.index}/${shard.count}`
}

/**
 * `i/n`, or `i` when the profile says how many (`shards: n`). Returns a
 * problem in words instead of throwing, for the caller to place.
 */
export function parseShard(
  value: string,
  profileShards: number | undefined
): Shard | string {
  const match = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(value)
  if (!match) {
    return `'${value}' is not a shard: write its number and the count, as 2/3 (with a profile's shards: 3, the number alone)`
  }
  const index = Number(match[1])
  const count = match[2] === undefined ? profileShards : Number(match[2])
  if (count === undefined) {
    return `'${value}' names no shard count: write 2/3, or set shards: in the profile`
  }
  if (count < 2 || count > MAX_SHARDS) {
    return `'${value}': the shard count must be from 2 to ${MAX_SHARDS}`
  }
  if (index < 1 || index > count) {
    return `'${value}': shards are numbered from 1 to ${count}`
  }
  if (profileShards !== undefined && count !== profileShards) {
    return `'${value}' is a shard of ${count}, but the profile sets shards: ${profileShards}: give the number alone, or make them agree`
  }
  return { index, count }
}

/**
 * The k6-operator TestRun of a sharded objective: `perf-gate-load`, a
 * DNS-1123 label (lower case, digits, dashes).
 */
export function testRunName(objective: string): string {
  const label = `perf-gate-${objective}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/g, '')
  return label || 'perf-gate'
}
