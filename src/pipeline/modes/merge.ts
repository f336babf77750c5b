import * as fs from 'node:fs'
import * as core from '@actions/core'
import { ShardError } from '../../publish/shard-artifacts.js'
import { mergeShards, type ShardFiles } from '../../results/merge.js'
import { Deadline } from '../../shared/deadline.js'
import { plannedThresholds } from '../analyse.js'
import type { Measured } from '../measured.js'
import type { Step } from '../step.js'
import { objectiveOf, runFingerprint } from '../measured.js'
import type { MergeMode } from '../mode.js'
import { collectShards, localShards } from '../shards.js'

/**
 * The shards of this workflow run (downloaded from its artifacts) or of
 * a k6-operator run (a folder), checked to be one plan and merged: every
 * threshold re-judged over all their samples. No k6 runs here.
 */
export async function measureMerge(
  mode: MergeMode,
  step: Step
): Promise<Measured> {
  // No k6 runs here to make the results folder the reports go to.
  fs.mkdirSync(step.inputs.resultsDir, { recursive: true })
  const shards = mode.shardsDir
    ? folderShards(mode, step, mode.shardsDir)
    : await artifactShards(mode, step)
  const { prepared } = mode
  const first = shards[0].manifest
  const merged = await mergeShards(shards, {
    secrets: step.secrets,
    planned: plannedThresholds(prepared?.plan),
    capacityFactor: prepared?.plan.capacity?.factor,
    soak: prepared?.plan.objective === 'soak' ? true : undefined
  })
  const stream = merged.analysis.stream
  core.info(
    `Merged ${shards.length} shards: ${stream?.http.requests ?? 0} requests, ` +
      `${((stream?.bytes ?? 0) / 1e6).toFixed(1)} MB of results in ${merged.mergeMs} ms`
  )
  return {
    k6Run: merged.run,
    analysis: merged.analysis,
    k6Version: first.k6Version,
    fingerprint: first.fingerprint,
    objective: objectiveOf(mode, step.inputs, first.objective),
    script: mode.script,
    prepared,
    sharding: { merged: merged.timing },
    baseline: 'run',
    comments: true,
    artifactName: step.inputs.artifactName,
    files: []
  }
}

/** A k6-operator run's files: what a manifest would say comes from this step. */
function folderShards(mode: MergeMode, step: Step, dir: string): ShardFiles[] {
  const { inputs, context } = step
  const k6Version = inputs.k6Version
  return localShards(
    dir,
    mode.prepared?.profile.shards,
    {
      fingerprint: (n) => runFingerprint(inputs, mode, k6Version, n),
      k6Version,
      objective: objectiveOf(mode, inputs)
    },
    context
  )
}

/** This workflow run's shard artifacts, run from this step's plan. */
async function artifactShards(
  mode: MergeMode,
  step: Step
): Promise<ShardFiles[]> {
  const { inputs, context } = step
  const shards = await collectShards(
    inputs,
    context,
    mode.prepared,
    new Deadline(inputs.publishTimeoutMs)
  )
  const first = shards[0].manifest
  if (mode.prepared || mode.script) {
    const own = runFingerprint(inputs, mode, first.k6Version, first.shard.count)
    if (own !== first.fingerprint) {
      throw new ShardError(
        `merge: the shards ran another plan than this step's ${mode.prepared ? mode.prepared.profileLabel : 'script'} gives (fingerprint ${first.fingerprint} ≠ ${own}): ` +
          'give the merge step the same profile or script, objective, factors and k6-args as the shard jobs.'
      )
    }
  }
  return shards
}
