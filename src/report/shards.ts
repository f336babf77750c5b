import { shardLabel, type Shard } from '../k6/segments.js'
import { SHARD_SKEW_S, type MergedRun } from '../results/merge.js'
import { formatCount, formatDuration, formatRate } from './format.js'

/** How a sharded run is told: this run was one shard, or the merge. */
export interface ShardingView {
  /** This run was one shard of the load. */
  shard?: { shard: Shard; segment: string; lateByS?: number }
  /** This run merged the shards. */
  merged?: MergedRun['timing']
}

/** The fact line's words: `shard 2/3 (segment 1/3:2/3)`, `3 shards merged`. */
export function shardingFact(view: ShardingView): string | undefined {
  if (view.shard) {
    return `${shardLabel(view.shard.shard)} (segment ${view.shard.segment})`
  }
  if (view.merged) return `${view.merged.shards.length} shards merged`
  return undefined
}

/** Shards that did not run together, in one line each. */
export function skewWarnings(timing: MergedRun['timing']): string[] {
  const out: string[] = []
  for (const s of timing.shards) {
    const parts = [
      s.startedAfterS > SHARD_SKEW_S
        ? `started ${formatDuration(round(s.startedAfterS))} after the first`
        : '',
      s.endedBeforeS > SHARD_SKEW_S
        ? `ended ${formatDuration(round(s.endedBeforeS))} before the last`
        : ''
    ].filter(Boolean)
    if (parts.length) out.push(`${shardLabel(s.shard)} ${parts.join(' and ')}`)
  }
  if (out.length && timing.rateFromCommon) {
    out.push(
      `the request rate counts only the ${formatDuration(round(timing.commonS))} all shards ran ` +
        `(${formatCount(timing.commonRequests)} requests, ${formatRate(timing.commonRequests / timing.commonS)})`
    )
  }
  return out
}

/** The table of the merged shards, for the details. */
export function renderShards(timing: MergedRun['timing']): string[] {
  const rows = [
    '### Shards',
    '',
    `Thresholds, percentiles and tables are computed over the union of the ${timing.shards.length} shards' samples, as if one k6 had run them.`,
    '',
    '| Shard | Requests | Started after the first | Ended before the last | Late for start-at |',
    '|---|---|---|---|---|'
  ]
  for (const s of timing.shards) {
    rows.push(
      `| ${shardLabel(s.shard)} | ${formatCount(s.requests)} | ${formatDuration(round(s.startedAfterS))} | ` +
        `${formatDuration(round(s.endedBeforeS))} | ${s.lateByS === undefined ? 'n/a' : formatDuration(round(s.lateByS))} |`
    )
  }
  return [...rows, '']
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10
}
