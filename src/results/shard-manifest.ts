import * as fs from 'node:fs'
import type { StderrDigest } from '../k6/log.js'
import type { Outcome } from '../k6/run.js'
import type { Shard } from '../k6/segments.js'

/** The file a shard leaves beside k6's, for the merge step to read. */
export const SHARD_MANIFEST = 'perf-gate-shard.json'

/**
 * What the merge needs to know of a shard besides k6's files: which part
 * of the run it was, that it ran the same plan, and when it ran.
 */
export interface ShardManifest {
  schema: 'perf-gate-shard'
  schemaVersion: 1
  shard: Shard
  /** `0:1/3` and `0,1/3,2/3,1`, as k6 was given them. */
  segment: string
  sequence: string
  /** The plan's (or script's) fingerprint: every shard must share it. */
  fingerprint: string
  objective: string
  k6Version: string
  exitCode: number
  outcome: Outcome
  /** The run's own verdict with the shard's thresholds set aside. */
  ran: boolean
  /** The common start asked for (ISO), when there was one. */
  startAt?: string
  /** When k6 was started, and how long after startAt that was (s). */
  startedAt: string
  lateByS?: number
  /** The shard's first and last sample (ISO), from its results.json. */
  firstSample?: string
  lastSample?: string
  /** The shard's test run time in seconds. */
  durationS?: number
  /** What k6 wrote to stderr, digested (secrets already redacted). */
  stderr: StderrDigest
  /** The workflow run the shard belongs to. */
  runId: string
  runAttempt: string
}

export function writeShardManifest(
  file: string,
  manifest: ShardManifest
): void {
  fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`)
}

/** A shard's manifest, or a problem in words. */
export function readShardManifest(file: string): ShardManifest | string {
  let data: unknown
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    return `${SHARD_MANIFEST} could not be read (${(error as Error).message})`
  }
  const m = data as Partial<ShardManifest>
  if (
    m?.schema !== 'perf-gate-shard' ||
    m.schemaVersion !== 1 ||
    typeof m.shard?.index !== 'number' ||
    typeof m.shard?.count !== 'number' ||
    typeof m.fingerprint !== 'string'
  ) {
    return `${SHARD_MANIFEST} is not a perf-gate shard manifest of this version`
  }
  return m as ShardManifest
}
