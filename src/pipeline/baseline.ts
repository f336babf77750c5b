import * as core from '@actions/core'
import type { RunContext } from '../action/context.js'
import type { BaselineInputs } from '../action/inputs.js'
import { ArtifactStore } from '../baseline/artifact-store.js'
import { BranchStore } from '../baseline/branch-store.js'
import {
  storeFileName,
  toEntry,
  type BaselineEntry
} from '../baseline/entry.js'
import type { BaselineStore, StoreWrite } from '../baseline/store.js'
import {
  compare,
  toleranceConfig,
  type ToleranceConfig
} from '../judge/compare.js'
import {
  decideRegressions,
  type RegressionDecision
} from '../judge/regressions.js'
import type { ComparisonReport, NotCompared } from '../report/comparison.js'
import type { PerfGateResult } from '../results/result.js'
import { isDeadlineError, type Deadline } from '../shared/deadline.js'
import { errorMessage } from '../shared/errors.js'
import {
  apiErrorMessage,
  githubClient,
  httpStatus,
  splitRepository,
  type GitHubClient
} from '../shared/github.js'
import { readRunHistory, type RunHistory } from './history.js'
import type { Judged } from './judge.js'
import type { Measured } from './measured.js'
import type { Step } from './step.js'

interface BaselineInput {
  baseline: BaselineInputs
  context: RunContext
  token: string
  result: PerfGateResult
  objective: string
  fingerprint: string
  tolerances?: ToleranceConfig
  failOnRegression: boolean
  waiverLabel: string
  artifactPrefix: string
  /** Shared by every network step after k6. */
  deadline: Deadline
  /** This run will be recorded (it passed, on a branch that writes). */
  records?: boolean
}

/** The comparison stage's result. */
export interface BaselineComparison {
  report: ComparisonReport
  decision: RegressionDecision
  /** This run as the store would keep it. */
  entry: BaselineEntry
  /** The commit of the baseline compared with. */
  baselineSha?: string
  /** The store to write this run to, when there is one to reach. */
  store?: BaselineStore
  storeLabel?: string
  /** The stored file is from a newer perf-gate: never overwritten. */
  readOnly: boolean
  /** Problems that change nothing in the verdict. */
  warnings: string[]
  /** The branch's history of runs, its change points, and its page. */
  history?: RunHistory
}

/**
 * The compare stage: the run, or a paired run's change target, against
 * the stored history of its branch; nothing for a shard (the merge
 * compares) or a run without figures. A store that cannot be read is a
 * warning: the run's own results are on disk.
 */
export async function compareRun(
  run: Measured,
  judged: Judged,
  step: Step,
  deadline: Deadline
): Promise<BaselineComparison | undefined> {
  const { inputs } = step
  if (run.baseline === 'change-target') {
    core.info(
      judged.changeResult
        ? "Paired run: the baseline store compares and keeps the change target's own requests (tagged target=change)."
        : 'Paired run: results.json holds no request tagged target=change; the baseline store is not read or written.'
    )
  }
  const result = {
    run: judged.result,
    'change-target': judged.changeResult,
    none: undefined
  }[run.baseline]
  if (!run.analysis.figures || !result) return undefined
  const compared = await compareWithBaseline({
    baseline: inputs.baseline,
    context: judged.context,
    token: inputs.githubToken,
    result,
    objective: run.objective,
    fingerprint: run.fingerprint,
    tolerances: toleranceConfig(run.prepared?.profile.regression, {
      floorMs: inputs.regressionFloorMs,
      noise: inputs.regressionNoise
    }),
    failOnRegression: inputs.failOnRegression,
    waiverLabel: inputs.waiverLabel,
    artifactPrefix: `${inputs.artifactName}-baseline`,
    deadline,
    records:
      shouldWrite(inputs.baseline.update, judged.context, judged.own.passed) ===
      true
  }).catch((error: unknown) => {
    core.warning(`Baseline comparison skipped: ${errorMessage(error)}`)
    return undefined
  })
  for (const warning of compared?.warnings ?? []) core.warning(warning)
  return compared
}

/**
 * Read the store and compare. Nothing here fails the run: a store that
 * cannot be read is a warning, and the run's own results are on disk.
 */
async function compareWithBaseline(
  input: BaselineInput
): Promise<BaselineComparison> {
  const { context, baseline } = input
  const warnings: string[] = []
  const entry = entryOf(input)
  const skipped = (
    why: NotCompared,
    store?: { store: BaselineStore; storeLabel: string }
  ): BaselineComparison => notCompared(entry, why, input, warnings, store)

  if (baseline.store === 'none') return skipped({ why: 'baseline-none' })
  const { owner, repo } = splitRepository(context.repository)
  if (!input.token || !owner || !repo) {
    const line =
      'No baseline comparison: it needs github-token and a repository (GITHUB_REPOSITORY). ' +
      'Set baseline: none to compare with nothing.'
    // On a runner that is a misconfiguration; on a laptop, expected.
    if (context.onRunner) warnings.push(line)
    else core.info(line)
    return skipped({ why: 'no-token' })
  }
  const client = githubClient(input.token, context.apiUrl, input.deadline)
  const store = createStore(input, client, owner, repo)
  const storeLabel =
    store.kind === 'branch'
      ? `branch \`${baseline.branch}\``
      : 'workflow artifacts'
  const read = await readStored(store, input)
  if (read.warning) warnings.push(read.warning)
  if (read.unread) {
    warnings.push(
      `Could not read the baseline from ${storeLabel}: ${read.unread}. Not compared.`
    )
    return skipped(
      { why: 'unreadable', store: storeLabel, error: read.unread },
      { store, storeLabel }
    )
  }
  const compared = compareWithHistory(entry, read.stored, input)
  // The label matters only to a pull request a regression fails: say it
  // is missing then, not on every pull request of a team that never waives.
  if (context.pullRequest && compared.decision.failing) {
    const missing = await missingLabel(client, owner, repo, input.waiverLabel)
    if (missing) warnings.push(missing)
  }
  const history = await runHistory(store, input, entry, read.stored, warnings)
  return {
    ...compared,
    entry,
    store,
    storeLabel,
    report: {
      ...compared.report,
      store: storeLabel,
      ...(history
        ? { history: { view: history.view, links: history.links } }
        : {})
    },
    readOnly: read.readOnly,
    warnings,
    history
  }
}

/** The history of the branch the run goes into, with links for the report. */
function runHistory(
  store: BaselineStore,
  input: BaselineInput,
  entry: BaselineEntry,
  stored: BaselineEntry[],
  warnings: string[]
): Promise<RunHistory | undefined> {
  const { context, baseline } = input
  const branch = context.pullRequest?.baseRef || context.defaultBranch
  if (!branch) return Promise.resolve(undefined)
  const repoUrl = context.repository
    ? `${context.serverUrl}/${context.repository}`
    : undefined
  const pageUrl =
    repoUrl && store.kind === 'branch'
      ? `${repoUrl}/blob/${encodeURIComponent(baseline.branch)}/history/${storeFileName(input.objective).replace(/\.json$/, '.html')}`
      : undefined
  return readRunHistory(
    store,
    {
      objective: input.objective,
      fingerprint: input.fingerprint,
      branch,
      entry,
      stored,
      records: input.records === true,
      links: { repoUrl, pageUrl },
      deadline: input.deadline
    },
    warnings
  )
}

/** This run as the store keeps it. */
function entryOf(input: BaselineInput): BaselineEntry {
  const { context } = input
  return toEntry(input.result, {
    commit: context.pullRequest?.headSha || context.sha,
    ref: context.pullRequest
      ? `refs/pull/${context.pullRequest.number}`
      : context.ref,
    runId: context.runId,
    runAttempt: context.runAttempt,
    runUrl: context.runUrl,
    objective: input.objective,
    fingerprint: input.fingerprint,
    runner: context.runner
  })
}

/** Not compared: the report says why in one line. */
function notCompared(
  entry: BaselineEntry,
  why: NotCompared,
  input: BaselineInput,
  warnings: string[],
  store?: { store: BaselineStore; storeLabel: string }
): BaselineComparison {
  const decision = decideRegressions(undefined, gateOptions(input))
  return {
    report: {
      gate: decision,
      current: entry,
      store: store?.storeLabel ?? '',
      skipped: why
    },
    decision,
    entry,
    ...store,
    // The artifact store writes what it read plus this run: after a
    // failed read that would drop the history. (The branch store reads
    // again before it writes.)
    readOnly: store?.store.kind === 'artifact',
    warnings
  }
}

/** What the gate needs to decide: the policy, and the pull request's labels. */
function gateOptions(input: BaselineInput): {
  failOnRegression: boolean
  waiverLabel: string
  labels: string[]
} {
  return {
    failOnRegression: input.failOnRegression,
    waiverLabel: input.waiverLabel,
    labels: input.context.pullRequest?.labels ?? []
  }
}

/**
 * The run against the history of the branch the change goes into (the
 * default branch for pushes and schedules): other branches' entries are
 * not the baseline.
 */
function compareWithHistory(
  entry: BaselineEntry,
  stored: BaselineEntry[],
  input: BaselineInput
): Pick<BaselineComparison, 'report' | 'decision' | 'baselineSha'> {
  const { context } = input
  const baseRef = context.pullRequest?.baseRef || context.defaultBranch
  const history = baseRef
    ? stored.filter((e) => e.ref === `refs/heads/${baseRef}`)
    : stored
  const comparison = compare({
    current: entry,
    stored: history,
    tolerances: input.tolerances
  })
  const decision = decideRegressions(comparison, gateOptions(input))
  return {
    report: {
      comparison,
      gate: decision,
      current: entry,
      store: '',
      waiverLabel: context.pullRequest ? input.waiverLabel : undefined
    },
    decision,
    baselineSha: comparison.reference?.commit
  }
}

/** The stored entries of the objective, or why they could not be read. */
async function readStored(
  store: BaselineStore,
  input: BaselineInput
): Promise<{
  stored: BaselineEntry[]
  readOnly: boolean
  unread?: string
  warning?: string
}> {
  const timedOut = `no answer within the ${input.deadline.describe()} publish-timeout`
  try {
    const read = await input.deadline.race(store.read(input.objective))
    if (!read) return { stored: [], readOnly: false, unread: timedOut }
    const { file, warning, readOnly } = read.value
    return {
      stored: file.entries,
      readOnly: readOnly === true,
      warning:
        warning &&
        (file.dropped ? `Baseline: ${warning}` : `Baseline ignored: ${warning}`)
    }
  } catch (error) {
    return {
      stored: [],
      readOnly: false,
      unread: isDeadlineError(error)
        ? timedOut
        : apiErrorMessage(error, input.deadline)
    }
  }
}

/**
 * Write this run to the store when it qualifies: a passing run on the
 * default branch, by default. A store that cannot be written is a warning.
 */
export async function recordBaseline(
  compared: BaselineComparison,
  input: {
    baseline: BaselineInputs
    context: RunContext
    objective: string
    /** The run's own verdict (thresholds, k6): only passing runs are written. */
    runPassed: boolean
    deadline: Deadline
  }
): Promise<{ written?: StoreWrite; warnings: string[] }> {
  const warnings: string[] = []
  const { store, storeLabel } = compared
  if (!store) return { warnings }
  const why = shouldWrite(input.baseline.update, input.context, input.runPassed)
  if (why !== true) {
    core.info(`Baseline not updated: ${why}.`)
    if (input.baseline.update === 'always' && input.context.pullRequest) {
      warnings.push('update-baseline: always is ignored on pull requests.')
    }
    return { warnings }
  }
  if (compared.readOnly) return { warnings } // the read warning says why
  try {
    const attempt = await input.deadline.race(
      store.append(
        input.objective,
        compared.entry,
        input.baseline.keep,
        compared.history?.update
      )
    )
    if (!attempt) {
      warnings.push(
        `Baseline not updated: ${storeLabel} did not answer within the ${input.deadline.describe()} publish-timeout.`
      )
      return { warnings }
    }
    const written = attempt.value
    if (written.historyWarning) {
      warnings.push(`History not updated: ${written.historyWarning}`)
    }
    if (written.written) {
      core.info(
        `Baseline updated in ${storeLabel}: ${written.location} (attempt ${written.attempts}).`
      )
    } else if (written.warning) {
      warnings.push(`Baseline not updated: ${written.warning}`)
    }
    return { written, warnings }
  } catch (error) {
    warnings.push(
      `Baseline not updated: ${apiErrorMessage(error, input.deadline)}`
    )
    return { warnings }
  }
}

function createStore(
  input: BaselineInput,
  client: GitHubClient,
  owner: string,
  repo: string
): BaselineStore {
  const { context, baseline } = input
  if (baseline.store === 'artifact') {
    return new ArtifactStore({
      client,
      token: input.token,
      owner,
      repo,
      defaultBranch: context.defaultBranch || 'main',
      runId: context.runId,
      workflowFile: context.workflowFile,
      prefix: input.artifactPrefix,
      tempDir: context.tempDir,
      canUpload: context.artifactService
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

/** A warning when the waiver label a failing regression could use does not exist. */
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
      `This regression could be waived with the label '${label}', but it does not exist in ${owner}/${repo}. ` +
      `Create it (gh label create '${label}'), or set waiver-label to one that exists.`
    )
  }
}
