import * as core from '@actions/core'
import type { BaselineEntry } from '../baseline/entry.js'
import {
  addRuns,
  branchRuns,
  HISTORY_KEEP,
  historyRun,
  type HistoryFile
} from '../baseline/history.js'
import type { BaselineStore, HistoryUpdate } from '../baseline/store.js'
import {
  historyChangePoints,
  historyView,
  type HistoryView
} from '../judge/change-points.js'
import { fileChangePointIssues } from '../publish/issues.js'
import { renderHistoryPage } from '../report/history-page.js'
import { changePointIssueText, type HistoryLinks } from '../report/history.js'
import { isDeadlineError, type Deadline } from '../shared/deadline.js'
import {
  apiErrorMessage,
  githubClient,
  splitRepository
} from '../shared/github.js'

/** A branch's history as this run sees it, and what recording it writes. */
export interface RunHistory {
  view: HistoryView
  links: HistoryLinks
  /** The history with this run, and its page: when this run is recorded. */
  update?: HistoryUpdate
  /** The page of the history, for the run's own artifact. */
  page: string
}

/**
 * Read the objective's history of the branch a run goes into (its base
 * branch, or the default branch for pushes and schedules) and find its
 * change points, this run counted when it is recorded. A history that
 * cannot be read is a warning: the run goes on without it.
 */
export async function readRunHistory(
  store: BaselineStore,
  input: {
    objective: string
    fingerprint: string
    /** The branch the run is compared with. */
    branch: string
    entry: BaselineEntry
    /** The baseline file's entries: a history starts from them. */
    stored: readonly BaselineEntry[]
    /** This run will be recorded. */
    records: boolean
    links: HistoryLinks
    deadline: Deadline
  },
  warnings: string[]
): Promise<RunHistory | undefined> {
  const read = await readHistoryFile(
    store,
    input.objective,
    input.deadline,
    warnings
  )
  if (!read) return undefined
  const { file, readOnly } = read
  const ref = `refs/heads/${input.branch}`
  const before = branchRuns(file, input.stored, input.fingerprint, ref)
  const records = input.records && input.entry.ref === ref
  const own = historyRun(input.entry)
  const runs = records
    ? [...before.filter((r) => r.runId !== own.runId), own]
    : before
  const reported =
    file.series.find((s) => s.fingerprint === input.fingerprint)?.reported ?? []
  const view = historyView(input.branch, runs, reported, records)
  const page = (data: HistoryFile): string =>
    historyPage(data, input.objective, input.branch, input.links.repoUrl)
  const add = (data: HistoryFile): HistoryFile =>
    addRuns(
      data,
      input.fingerprint,
      runs,
      HISTORY_KEEP,
      view.fresh.map((p) => ({
        commit: p.firstAfter.commit,
        runId: p.firstAfter.runId
      }))
    )
  const update = records && !readOnly ? { add, page } : undefined
  return {
    view,
    links: input.links,
    update,
    page: page(records ? add(file) : addRuns(file, input.fingerprint, before))
  }
}

async function readHistoryFile(
  store: BaselineStore,
  objective: string,
  deadline: Deadline,
  warnings: string[]
): Promise<{ file: HistoryFile; readOnly: boolean } | undefined> {
  try {
    const read = await deadline.race(store.readHistory(objective))
    if (!read) {
      warnings.push(
        `History not read: no answer within the ${deadline.describe()} publish-timeout.`
      )
      return undefined
    }
    if (read.value.warning) warnings.push(`History: ${read.value.warning}`)
    return { file: read.value.file, readOnly: read.value.readOnly === true }
  } catch (error) {
    warnings.push(
      `History not read: ${isDeadlineError(error) ? 'the publish-timeout was spent' : apiErrorMessage(error, deadline)}.`
    )
    return undefined
  }
}

/** The page of every series' runs on one branch, with their change points. */
function historyPage(
  data: HistoryFile,
  objective: string,
  branch: string,
  repoUrl: string | undefined
): string {
  const ref = `refs/heads/${branch}`
  return renderHistoryPage({
    objective,
    branch,
    repoUrl,
    generatedAt: new Date().toISOString(),
    series: data.series.map((s) => {
      const onBranch = s.runs.filter((r) => r.ref === ref)
      return {
        fingerprint: s.fingerprint,
        runs: onBranch,
        points: historyChangePoints(onBranch)
      }
    })
  })
}

/**
 * An issue per change point this run found first (change-point-issues),
 * or the one already open for it updated. Warnings, never a failure.
 */
export async function fileIssues(
  history: RunHistory,
  options: {
    objective: string
    fingerprint: string
    token: string
    apiUrl: string
    repository: string
    deadline: Deadline
    /** Every secret masked, as in the comment and the job summary. */
    redact: (text: string) => string
  }
): Promise<string[]> {
  const { view, links } = history
  if (view.fresh.length === 0) return []
  const { owner, repo } = splitRepository(options.repository)
  if (!options.token || !owner || !repo) {
    return [
      'Change-point issues not written: they need github-token and a repository.'
    ]
  }
  const issues = view.fresh.map((point) => ({
    key: {
      objective: options.objective,
      fingerprint: options.fingerprint,
      runId: point.firstAfter.runId
    },
    sameAs: view.runs
      .slice(Math.max(0, point.index - 2), point.index + 3)
      .map((r) => r.runId),
    ...redactedText(
      changePointIssueText(point, view, options.objective, links),
      options.redact
    )
  }))
  const client = githubClient(options.token, options.apiUrl, options.deadline)
  const filed = await options.deadline.race(
    fileChangePointIssues(client, { owner, repo }, issues)
  )
  if (!filed) {
    return [
      `Change-point issues not written: no answer within the ${options.deadline.describe()} publish-timeout.`
    ]
  }
  for (const url of filed.value.urls) core.info(`Change-point issue: ${url}`)
  return filed.value.warning ? [filed.value.warning] : []
}

function redactedText(
  issue: { title: string; body: string },
  redact: (text: string) => string
): { title: string; body: string } {
  return { title: redact(issue.title), body: redact(issue.body) }
}
