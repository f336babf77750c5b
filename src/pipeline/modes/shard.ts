import { shardArtifactName } from '../../publish/shard-artifacts.js'
import { segment, segmentArgs } from '../../k6/segments.js'
import { RAN_TO_THE_END } from '../../k6/run.js'
import { obtainK6 } from '../execute.js'
import type { Measured } from '../measured.js'
import type { Step } from '../step.js'
import { objectiveOf, runFingerprint } from '../measured.js'
import type { ShardMode } from '../mode.js'
import { recordShard, waitForStart } from '../shards.js'
import { runAndAnalyse } from './single.js'

/**
 * One execution segment of the load, started with the other shards, and
 * perf-gate-shard.json beside k6's files for the merge: the shard records
 * its thresholds without gating on them, and neither compares nor comments.
 */
export async function measureShard(
  mode: ShardMode,
  step: Step
): Promise<Measured> {
  const { inputs, context } = step
  const { shard } = mode
  const k6 = await obtainK6(inputs, context)
  let start: { startAt?: Date; lateByS?: number } = {}
  let startedAt = new Date()
  const { k6Run, analysis } = await runAndAnalyse(mode, step, k6, {
    args: segmentArgs(shard),
    beforeStart: async () => {
      start = await waitForStart(
        inputs.startAt,
        context,
        inputs.githubToken,
        shard
      )
      startedAt = new Date()
    }
  })
  const fingerprint = runFingerprint(inputs, mode, k6.version, shard.count)
  const objective = objectiveOf(mode, inputs)
  const manifest = recordShard({
    shard,
    k6Run,
    analysis,
    ran: RAN_TO_THE_END.includes(k6Run.outcome) && !analysis.summaryError,
    fingerprint,
    objective,
    k6Version: k6.version,
    start,
    startedAt,
    context,
    resultsDir: inputs.resultsDir,
    redactor: step.redactor
  })
  return {
    k6Run,
    analysis,
    k6Version: k6.version,
    fingerprint,
    objective,
    script: mode.script,
    prepared: mode.prepared,
    sharding: {
      shard: { shard, segment: segment(shard), lateByS: start.lateByS }
    },
    baseline: 'none',
    comments: false,
    artifactName: shardArtifactName(inputs.artifactName, shard),
    files: [manifest]
  }
}
