import { artifactClient } from '../shared/artifact-client.js'
import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { shardLabel, type Shard } from '../k6/segments.js'
import type { Deadline } from '../shared/deadline.js'
import { errorMessage } from '../shared/errors.js'

/** A shard's artifact: `perf-gate-results-shard-2-of-3`. */
export function shardArtifactName(artifactName: string, shard: Shard): string {
  return `${artifactName}-shard-${shard.index}-of-${shard.count}`
}

/** The merge cannot go on: a shard is missing, failed, or differs. */
export class ShardError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ShardError'
  }
}

interface DownloadedShard {
  shard: Shard
  dir: string
}

/**
 * Find this workflow run's shard artifacts (@actions/artifact lists the
 * run's own) and download each into `into/shard-i`. Every shard 1…n must
 * be there, once; `expected` is the profile's shard count, when it has one.
 */
export async function downloadShards(options: {
  artifactName: string
  expected?: number
  into: string
  canDownload: boolean
  deadline: Deadline
}): Promise<DownloadedShard[]> {
  if (!options.canDownload) {
    throw new ShardError(
      'merge: the artifact service is not reachable (no ACTIONS_RUNTIME_TOKEN): a merge runs on a GitHub runner, in a job that needs the shard jobs.'
    )
  }
  const client = await artifactClient()
  const listed = await options.deadline.race(
    client.listArtifacts({ latest: true })
  )
  if (!listed) {
    throw new ShardError(
      `merge: the artifact service did not list this run's artifacts within the ${options.deadline.describe()} publish-timeout.`
    )
  }
  const chosen = shardArtifacts(
    listed.value.artifacts,
    options.artifactName,
    options.expected
  )
  const out: DownloadedShard[] = []
  for (const artifact of chosen) {
    const dir = path.join(options.into, `shard-${artifact.shard.index}`)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(dir, { recursive: true })
    try {
      const done = await options.deadline.race(
        client.downloadArtifact(artifact.id, { path: dir })
      )
      if (!done) {
        throw new Error(
          `not finished within the ${options.deadline.describe()} publish-timeout`
        )
      }
    } catch (error) {
      throw new ShardError(
        `merge: ${shardLabel(artifact.shard)} (artifact ${artifact.name}) could not be downloaded: ${errorMessage(error)}`
      )
    }
    core.info(`Downloaded ${shardLabel(artifact.shard)} (${artifact.name})`)
    out.push({ shard: artifact.shard, dir })
  }
  return out
}

/**
 * The run's shard artifacts, one per shard 1…n of one shard count;
 * what is missing or mixed is refused, named.
 */
function shardArtifacts(
  artifacts: readonly { id: number; name: string }[],
  artifactName: string,
  expected: number | undefined
): { id: number; name: string; shard: { index: number; count: number } }[] {
  const pattern = new RegExp(
    `^${escapeRegExp(artifactName)}-shard-(\\d+)-of-(\\d+)$`
  )
  const found = artifacts
    .map((a) => ({ id: a.id, name: a.name, match: pattern.exec(a.name) }))
    .filter((a) => a.match)
    .map((a) => ({
      id: a.id,
      name: a.name,
      shard: { index: Number(a.match![1]), count: Number(a.match![2]) }
    }))
  const counts = [...new Set(found.map((a) => a.shard.count))]
  const count = expected ?? counts[0]
  if (count === undefined) {
    throw new ShardError(
      `merge: this workflow run has no shard artifacts named ${artifactName}-shard-<i>-of-<n>: ` +
        'the merge job must need the shard jobs (needs: [perf]), and give the same artifact-name.'
    )
  }
  const others = counts.filter((c) => c !== count)
  if (others.length > 0) {
    throw new ShardError(
      `merge: this run holds shards of ${[count, ...others].join(' and ')}: every shard job must split the run the same way (one shard count).`
    )
  }
  const missing: string[] = []
  const chosen: typeof found = []
  for (let index = 1; index <= count; index++) {
    const artifact = found.find((a) => a.shard.index === index)
    if (artifact) chosen.push(artifact)
    else
      missing.push(
        `${shardLabel({ index, count })} (${shardArtifactName(artifactName, { index, count })})`
      )
  }
  if (missing.length > 0) {
    throw new ShardError(
      `merge: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing from this workflow run: ` +
        'that shard job failed before uploading, or has not finished (the merge job must need every shard job). Re-run the failed jobs.'
    )
  }
  return chosen
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
