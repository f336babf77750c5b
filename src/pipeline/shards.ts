import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs, StartAt } from '../action/inputs.js'
import {
  parseShard,
  segment,
  segmentSequence,
  shardLabel,
  type Shard
} from '../k6/segments.js'
import { emptyStderr } from '../k6/log.js'
import { OUTCOME_LABEL, type K6Run } from '../k6/run.js'
import { downloadShards, ShardError } from '../publish/shard-artifacts.js'
import type { RunAnalysis } from '../results/analyse.js'
import type { ShardFiles } from '../results/merge.js'
import {
  readShardManifest,
  SHARD_MANIFEST,
  writeShardManifest,
  type ShardManifest
} from '../results/shard-manifest.js'
import { Deadline } from '../shared/deadline.js'
import { formatDuration } from '../shared/duration.js'
import { errorMessage, InputError } from '../shared/errors.js'
import { githubClient, splitRepository } from '../shared/github.js'
import type { Redactor } from '../shared/secrets.js'
import type { PreparedRun } from './prepare.js'

/** The shard this step runs, from input `shard` and the profile's `shards`. */
export function resolveShard(
  inputs: Inputs,
  prepared: PreparedRun | undefined
): Shard | undefined {
  if (!inputs.shard) return undefined
  const shard = parseShard(inputs.shard, prepared?.profile.shards)
  if (typeof shard === 'string') throw new InputError('shard', `${shard}.`)
  if (inputs.k6Args.some((a) => a.startsWith('--execution-segment'))) {
    throw new InputError(
      'k6-args',
      `sets an execution segment, and input shard ${inputs.shard} sets one too: remove --execution-segment from k6-args.`
    )
  }
  return shard
}

/** How long the API may take to say when the workflow run started. */
const RUN_LOOKUP_MS = 15_000

/**
 * Wait for the common start. An instant already past starts at once, and
 * the lateness is returned; a start that cannot be known (the API did not
 * answer) is a warning, and the shard starts now.
 */
export async function waitForStart(
  startAt: StartAt | undefined,
  context: RunContext,
  token: string,
  shard: Shard
): Promise<{ startAt?: Date; lateByS?: number }> {
  if (!startAt) return {}
  let at: Date
  if ('at' in startAt) at = startAt.at
  else {
    const started = await runStartedAt(context, token)
    if (!started) return {}
    at = new Date(started.getTime() + startAt.afterRunStartS * 1000)
  }
  const waitMs = at.getTime() - Date.now()
  if (waitMs > 3_600_000) {
    throw new InputError(
      'start-at',
      `${at.toISOString()} is more than an hour away: give a start within the hour.`
    )
  }
  if (waitMs > 0) {
    core.info(
      `${shardLabel(shard)} waits ${formatDuration(Math.round(waitMs / 100) / 10)} for the common start at ${at.toISOString()}.`
    )
    await new Promise((resolve) => setTimeout(resolve, waitMs))
    return { startAt: at, lateByS: 0 }
  }
  const lateByS = -waitMs / 1000
  core.warning(
    `${shardLabel(shard)} started ${formatDuration(Math.round(lateByS * 10) / 10)} after the common start (${at.toISOString()}): ` +
      'the merge counts the request rate over the time all shards ran. Give a later start-at when runners take long to come up.'
  )
  return { startAt: at, lateByS }
}

/** When this workflow run (attempt) started, from the REST API. */
async function runStartedAt(
  context: RunContext,
  token: string
): Promise<Date | undefined> {
  try {
    const { owner, repo } = splitRepository(context.repository)
    const client = githubClient(
      token,
      context.apiUrl,
      new Deadline(RUN_LOOKUP_MS)
    )
    const { data } = await client.rest.actions.getWorkflowRun({
      owner,
      repo,
      run_id: Number(context.runId)
    })
    const started = new Date(data.run_started_at ?? data.created_at)
    if (!Number.isFinite(started.getTime())) throw new Error('no start time')
    return started
  } catch (error) {
    core.warning(
      `start-at: could not read when this workflow run started (${errorMessage(error)}); this shard starts now. ` +
        'Give start-at an instant (2026-12-01T10:00:00Z) to start without the API.'
    )
    return undefined
  }
}

/** perf-gate-shard.json: what the merge needs of this shard. */
export function recordShard(options: {
  shard: Shard
  k6Run: K6Run
  analysis: RunAnalysis
  ran: boolean
  fingerprint: string
  objective: string
  k6Version: string
  start: { startAt?: Date; lateByS?: number }
  startedAt: Date
  context: RunContext
  resultsDir: string
  redactor: Redactor
}): string {
  const { shard, k6Run, analysis } = options
  const manifest: ShardManifest = {
    schema: 'perf-gate-shard',
    schemaVersion: 1,
    shard,
    segment: segment(shard),
    sequence: segmentSequence(shard.count),
    fingerprint: options.fingerprint,
    objective: options.objective,
    k6Version: options.k6Version,
    exitCode: k6Run.exitCode,
    outcome: k6Run.outcome,
    ran: options.ran,
    ...(options.start.startAt
      ? {
          startAt: options.start.startAt.toISOString(),
          lateByS: options.start.lateByS
        }
      : {}),
    startedAt: options.startedAt.toISOString(),
    firstSample: analysis.stream?.startTime,
    lastSample: analysis.stream?.endTime,
    durationS: analysis.figures?.durationS,
    stderr: k6Run.stderr,
    runId: options.context.runId,
    runAttempt: options.context.runAttempt
  }
  const file = path.join(options.resultsDir, SHARD_MANIFEST)
  writeShardManifest(file, options.redactor.redactValue(manifest))
  return file
}

/**
 * The shards of this workflow run, downloaded and checked: every one ran
 * (k6 finished its segment), with the same plan and k6.
 */
export async function collectShards(
  inputs: Inputs,
  context: RunContext,
  prepared: PreparedRun | undefined,
  deadline: Deadline
): Promise<ShardFiles[]> {
  const downloaded = await downloadShards({
    artifactName: inputs.artifactName,
    expected: prepared?.profile.shards,
    into: path.join(inputs.resultsDir, 'shards'),
    canDownload: context.artifactService,
    deadline
  })
  const shards: ShardFiles[] = []
  for (const { shard, dir } of downloaded) {
    const manifest = readShardManifest(path.join(dir, SHARD_MANIFEST))
    const label = shardLabel(shard)
    if (typeof manifest === 'string') {
      throw new ShardError(`merge: ${label}: ${manifest}.`)
    }
    if (!manifest.ran) {
      throw new ShardError(
        `merge: ${label} failed (k6 exit code ${manifest.exitCode}, ${OUTCOME_LABEL[manifest.outcome]}): ` +
          'k6 did not run its segment of the plan, so the shards together are not the run. See that job’s log, fix it and re-run the shards.'
      )
    }
    const summaryPath = path.join(dir, 'summary.json')
    const resultsPath = ['results.json', 'results.json.gz']
      .map((f) => path.join(dir, f))
      .find((f) => fs.existsSync(f))
    if (!fs.existsSync(summaryPath) || !resultsPath) {
      throw new ShardError(
        `merge: ${label}'s artifact holds no ${resultsPath ? 'summary.json' : 'results.json'}: the shard must upload its results (upload-artifacts: true).`
      )
    }
    if (
      manifest.shard.index !== shard.index ||
      manifest.shard.count !== shard.count
    ) {
      throw new ShardError(
        `merge: the artifact of ${label} holds the files of ${shardLabel(manifest.shard)} (its perf-gate-shard.json says so): ` +
          'each shard job must upload its own results; give each its shard input.'
      )
    }
    shards.push({ manifest, summaryPath, resultsPath })
  }
  checkDistinct(shards)
  const first = shards[0].manifest
  for (const { manifest } of shards.slice(1)) {
    const label = shardLabel(manifest.shard)
    if (manifest.fingerprint !== first.fingerprint) {
      throw new ShardError(
        `merge: ${label} ran another plan than ${shardLabel(first.shard)} (fingerprint ${manifest.fingerprint} ≠ ${first.fingerprint}): ` +
          'every shard must run the same profile, objective, script and k6 major version.'
      )
    }
    if (manifest.runAttempt !== first.runAttempt) {
      core.warning(
        `merge: ${label} is from attempt ${manifest.runAttempt} of this workflow run, ${shardLabel(first.shard)} from attempt ${first.runAttempt}: ` +
          'they did not run at the same time.'
      )
    }
  }
  return shards
}

/**
 * The shards a k6-operator run left in a folder: `<name>-<i>-<pod>.results.json`
 * with its `.summary.json` (i is the runner's number, its shard), or
 * `shard-<i>/results.json` and `summary.json`. perf-gate ran none of them,
 * so what a manifest would say comes from this step: its plan's
 * fingerprint, its k6-version, and that k6 finished (it wrote a summary).
 */
export function localShards(
  dir: string,
  expected: number | undefined,
  own: {
    /** The plan's fingerprint for a run of this many shards. */
    fingerprint: (count: number) => string
    k6Version: string
    objective: string
  },
  context: RunContext
): ShardFiles[] {
  const found = shardFilesIn(dir)
  // The highest runner number found says how many there were.
  const count = expected ?? Math.max(0, ...found.keys())
  if (found.size === 0 || count < 2) {
    throw new ShardError(
      `merge: shards-dir holds no shard files: expected <name>-<i>-<pod>.results.json with .summary.json (a k6-operator runner's) or shard-<i>/results.json and summary.json.`
    )
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter(
    (i) => !found.has(i)
  )
  const extra = [...found.keys()].filter((i) => i < 1 || i > count)
  if (missing.length > 0 || extra.length > 0) {
    throw new ShardError(
      `merge: shards-dir ${missing.length ? `lacks ${missing.map((i) => shardLabel({ index: i, count })).join(', ')}` : `holds shard ${extra.join(', ')} of a run of ${count}`}: ` +
        'every runner 1…n must have finished and its files been copied.'
    )
  }
  const fingerprint = own.fingerprint(count)
  const shards = [...found]
    .sort((a, b) => a[0] - b[0])
    .map(([index, files]) => {
      const shard = { index, count }
      if (!fs.existsSync(files.summaryPath)) {
        throw new ShardError(
          `merge: ${shardLabel(shard)} has no ${path.basename(files.summaryPath)}: its k6 did not finish (it writes the summary at the end). See that runner's log.`
        )
      }
      const manifest: ShardManifest = {
        schema: 'perf-gate-shard',
        schemaVersion: 1,
        shard,
        segment: segment(shard),
        sequence: segmentSequence(count),
        fingerprint,
        objective: own.objective,
        k6Version: own.k6Version,
        exitCode: 0,
        outcome: 'passed',
        ran: true,
        startedAt: '',
        stderr: emptyStderr(),
        runId: context.runId,
        runAttempt: context.runAttempt
      }
      return { manifest, ...files }
    })
  checkDistinct(shards)
  return shards
}

/**
 * A folder's shard files by shard number: `shard-<i>/` folders, and a
 * k6-operator runner's `<name>-<i>-<pod>.results.json` beside its
 * `.summary.json`. Two sets of files for one number are refused.
 */
function shardFilesIn(
  dir: string
): Map<number, { summaryPath: string; resultsPath: string }> {
  const found = new Map<number, { summaryPath: string; resultsPath: string }>()
  const add = (
    index: number,
    summaryPath: string,
    resultsPath: string
  ): void => {
    if (found.has(index)) {
      throw new ShardError(
        `merge: shards-dir holds two sets of files for shard ${index} (${path.basename(found.get(index)!.resultsPath)} and ${path.basename(resultsPath)}): keep one run's files.`
      )
    }
    found.set(index, { summaryPath, resultsPath })
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const folder = /^shard-(\d+)$/.exec(entry.name)
    if (entry.isDirectory() && folder) {
      const results = ['results.json', 'results.json.gz']
        .map((f) => path.join(dir, entry.name, f))
        .find((f) => fs.existsSync(f))
      if (results)
        add(
          Number(folder[1]),
          path.join(dir, entry.name, 'summary.json'),
          results
        )
      continue
    }
    const runner = /^(.*)-(\d+)(-[a-z0-9]+)?\.results\.json(\.gz)?$/.exec(
      entry.name
    )
    if (entry.isFile() && runner) {
      const stem = entry.name.replace(/\.results\.json(\.gz)?$/, '')
      add(
        Number(runner[2]),
        path.join(dir, `${stem}.summary.json`),
        path.join(dir, entry.name)
      )
    }
  }
  return found
}

/**
 * No two shards are one: the same files under two names (a folder copied
 * twice, an artifact uploaded by two jobs) would count one segment twice
 * and another never. k6 writes a summary of its own for every run.
 */
function checkDistinct(shards: readonly ShardFiles[]): void {
  const seen = new Map<string, Shard>()
  for (const { manifest, summaryPath } of shards) {
    const digest = createHash('sha256')
      .update(fs.readFileSync(summaryPath))
      .digest('hex')
    const twin = seen.get(digest)
    if (twin) {
      throw new ShardError(
        `merge: ${shardLabel(twin)} and ${shardLabel(manifest.shard)} hold the same summary.json, so they are one shard's files twice: ` +
          'each shard must bring the files of its own run.'
      )
    }
    seen.set(digest, manifest.shard)
  }
}
