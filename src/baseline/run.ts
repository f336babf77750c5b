import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import type { RunContext } from '../context.js'
import {
  apiErrorMessage,
  githubClient,
  httpStatus,
  splitRepository,
  type GitHubClient
} from '../github.js'
import type { BaselineInputs } from '../inputs.js'
import type { ComparisonReport } from '../report/comparison.js'
import type { PerfGateResult } from '../results/result.js'
import { ArtifactStore } from './artifact-store.js'
import { BranchStore } from './branch-store.js'
import { compare, type ToleranceConfig } from '../judge/compare.js'
import { toEntry, type BaselineEntry } from './entry.js'
import { regressionGate, type RegressionGate } from '../judge/gate.js'
import type { BaselineStore, StoreWrite } from './store.js'

export interface BaselineStepInput {
  baseline: BaselineInputs
  context: RunContext
  token: string
  result: PerfGateResult
  objective: string
  fingerprint: string
  tolerances?: ToleranceConfig
  failOnRegression: boolean
  waiverLabel: string
  /** The run's own verdict (thresholds, k6): only passing runs are written. */
  runPassed: boolean
  artifactPrefix: string
  tempDir: string
  env?: NodeJS.ProcessEnv
}

export interface BaselineStep {
  report: ComparisonReport
  gate: RegressionGate
  entry: BaselineEntry
  /** The commit of the baseline compared with. */
  baselineSha?: string
  written?: StoreWrite
  /** Problems that change nothing in the verdict. */
  warnings: string[]
}

/**
 * Read the store, compare, and write this run when it qualifies. Nothing
 * here fails the run: a store that cannot be read or written is a warning,
 * and the run's own results are already on disk.
 */
export async function baselineStep(
  input: BaselineStepInput
): Promise<BaselineStep> {
  const { context, baseline } = input
  const warnings: string[] = []
  const entry = toEntry(input.result, {
    commit: context.pullRequest?.headSha || context.sha,
    ref: context.pullRequest
      ? `refs/pull/${context.pullRequest.number}`
      : context.ref,
    runId: context.runId,
    runAttempt: context.runAttempt,
    runUrl: context.runUrl,
    objective: input.objective,
    fingerprint: input.fingerprint,
    env: input.env
  })
  const gateOptions = {
    failOnRegression: input.failOnRegression,
    waiverLabel: input.waiverLabel,
    labels: context.pullRequest?.labels ?? []
  }
  /** Not compared: the report says why in one line. */
  const skipped = (why: string): BaselineStep => {
    const gate = regressionGate(undefined, gateOptions)
    return {
      report: { gate, current: entry, store: '', skipped: why },
      gate,
      entry,
      warnings
    }
  }

  if (baseline.store === 'none') return skipped('`baseline: none`')
  const { owner, repo } = splitRepository(context.repository)
  if (!input.token || !owner || !repo) {
    const line =
      'No baseline comparison: it needs github-token and a repository (GITHUB_REPOSITORY). ' +
      'Set baseline: none to compare with nothing.'
    // On a runner that is a misconfiguration; on a laptop, expected.
    if ((input.env ?? process.env).GITHUB_ACTIONS === 'true') {
      warnings.push(line)
    } else core.info(line)
    return skipped('no github-token or repository')
  }
  const client = githubClient(input.token, context.apiUrl)
  const store = createStore(input, client, owner, repo)
  const storeLabel =
    store.kind === 'branch'
      ? `branch \`${baseline.branch}\``
      : 'workflow artifacts'

  if (context.pullRequest) {
    const missing = await missingLabel(client, owner, repo, input.waiverLabel)
    if (missing) warnings.push(missing)
  }

  let stored: BaselineEntry[] = []
  let readOnly = false
  try {
    const read = await store.read(input.objective)
    if (read.warning) warnings.push(`Baseline ignored: ${read.warning}`)
    readOnly = read.readOnly === true
    stored = read.file.entries
  } catch (error) {
    warnings.push(
      `Could not read the baseline from ${storeLabel}: ${apiErrorMessage(error)}. Not compared.`
    )
  }
  // Compare with the branch the change goes into (the default branch for
  // pushes and schedules): other branches' entries are not the baseline.
  const baseRef = context.pullRequest?.baseRef || context.defaultBranch
  const history = baseRef
    ? stored.filter((e) => e.ref === `refs/heads/${baseRef}`)
    : stored
  const comparison = compare({
    current: entry,
    stored: history,
    tolerances: input.tolerances
  })
  const gate = regressionGate(comparison, gateOptions)
  const step: BaselineStep = {
    report: { comparison, gate, current: entry, store: storeLabel },
    gate,
    entry,
    baselineSha: comparison.reference?.commit,
    warnings
  }

  const why = shouldWrite(baseline.update, context, input.runPassed)
  if (why !== true) {
    core.info(`Baseline not updated: ${why}.`)
    if (baseline.update === 'always' && context.pullRequest) {
      warnings.push('update-baseline: always is ignored on pull requests.')
    }
    return step
  }
  if (readOnly) return step // the read warning says why
  try {
    step.written = await store.append(input.objective, entry, baseline.keep)
    if (step.written.written) {
      core.info(
        `Baseline updated in ${storeLabel}: ${step.written.location} (attempt ${step.written.attempts}).`
      )
    } else if (step.written.warning) {
      warnings.push(`Baseline not updated: ${step.written.warning}`)
    }
  } catch (error) {
    warnings.push(`Baseline not updated: ${apiErrorMessage(error)}`)
  }
  return step
}

function createStore(
  input: BaselineStepInput,
  client: GitHubClient,
  owner: string,
  repo: string
): BaselineStore {
  const { context, baseline } = input
  if (baseline.store === 'artifact') {
    const env = input.env ?? process.env
    return new ArtifactStore({
      client,
      token: input.token,
      owner,
      repo,
      defaultBranch: context.defaultBranch || 'main',
      runId: context.runId,
      workflowFile: env.GITHUB_WORKFLOW_REF?.split('@')[0],
      prefix: input.artifactPrefix,
      tempDir: input.tempDir
    })
  }
  return new BranchStore({
    client,
    owner,
    repo,
    branch: baseline.branch,
    commit: context.sha,
    runId: context.runId
  })
}

/** true, or why not. Pull requests and forks never write. */
export function shouldWrite(
  update: BaselineInputs['update'],
  context: RunContext,
  runPassed: boolean
): true | string {
  if (context.pullRequest || context.eventName.startsWith('pull_request')) {
    return 'pull request runs never write the baseline'
  }
  if (update === 'never') return 'update-baseline is never'
  if (update === 'always') return true
  const onDefault =
    !!context.defaultBranch &&
    context.ref === `refs/heads/${context.defaultBranch}`
  if (!['push', 'schedule'].includes(context.eventName) || !onDefault) {
    return `only push and schedule runs on the default branch write it (this is ${context.eventName || 'no event'} on ${context.ref || 'no ref'})`
  }
  if (!runPassed) return 'this run did not pass'
  return true
}

/** A warning when the waiver label does not exist in the repository. */
async function missingLabel(
  client: GitHubClient,
  owner: string,
  repo: string,
  label: string
): Promise<string | undefined> {
  try {
    await client.rest.issues.getLabel({ owner, repo, name: label })
    return undefined
  } catch (error) {
    if (httpStatus(error) !== 404) return undefined
    return (
      `The waiver label '${label}' does not exist in ${owner}/${repo}, so nobody can apply it. ` +
      `Create it (gh label create '${label}'), or set waiver-label to one that exists.`
    )
  }
}

/**
 * Without a profile: the script, its arguments and k6's major version
 * decide what is comparable.
 */
export function scriptFingerprint(
  script: string,
  args: string[],
  k6Major: string
): string {
  let text = ''
  try {
    text = fs.readFileSync(script, 'utf8')
  } catch {
    text = script
  }
  return createHash('sha256')
    .update(JSON.stringify({ text, args, k6: k6Major }))
    .digest('hex')
    .slice(0, 16)
}
