import * as core from '@actions/core'
import {
  apiErrorMessage,
  httpStatus,
  type GitHubClient
} from '../shared/github.js'
import {
  appendEntry,
  emptyFile,
  droppedWarning,
  parseBaselineFile,
  serialiseBaselineFile,
  storeFileName,
  type BaselineEntry
} from './entry.js'
import {
  emptyHistory,
  parseHistoryFile,
  serialiseHistoryFile,
  type HistoryFile
} from './history.js'
import type {
  BaselineStore,
  HistoryRead,
  HistoryUpdate,
  StoreRead,
  StoreWrite
} from './store.js'

const ATTEMPTS = 8
const DIR = 'baselines'
const HISTORY_DIR = 'history'

interface BranchStoreOptions {
  client: GitHubClient
  owner: string
  repo: string
  branch: string
  /** For the commit message. */
  commit: string
  runId: string
  /** Milliseconds between conflict retries; tests make it 0. */
  retryDelayMs?: number
}

/**
 * Baselines as JSON files on a data branch, written through the Contents
 * API with the file's blob sha as compare-and-swap: a writer that lost the
 * race gets 409 (or 422), reads the new file, adds its entry again and
 * retries, so concurrent writers never drop each other's entries.
 */
export class BranchStore implements BaselineStore {
  readonly kind = 'branch'
  constructor(private readonly options: BranchStoreOptions) {}

  private path(objective: string): string {
    return `${DIR}/${storeFileName(objective)}`
  }

  private label(objective: string): string {
    return `${this.options.branch}:${this.path(objective)}`
  }

  /** A file of the branch, with its blob sha; undefined when absent. */
  private async fetch(
    file: string
  ): Promise<{ text: string; sha: string } | undefined> {
    const { client, owner, repo, branch } = this.options
    let data: { content?: string; encoding?: string; sha: string }
    try {
      const response = await client.rest.repos.getContent({
        owner,
        repo,
        path: file,
        ref: branch
      })
      data = response.data as typeof data
    } catch (error) {
      if (httpStatus(error) === 404) return undefined
      throw new Error(
        `could not read ${branch}:${file}: ${apiErrorMessage(error)}`,
        { cause: error }
      )
    }
    if (data.encoding === 'base64' && data.content !== undefined) {
      return {
        text: Buffer.from(data.content, 'base64').toString('utf8'),
        sha: data.sha
      }
    }
    // Over 1 MB the Contents API leaves the content out: fetch the blob.
    const blob = await client.rest.git.getBlob({
      owner,
      repo,
      file_sha: data.sha
    })
    return {
      text: Buffer.from(blob.data.content, 'base64').toString('utf8'),
      sha: data.sha
    }
  }

  async read(objective: string): Promise<StoreRead & { sha?: string }> {
    const found = await this.fetch(this.path(objective))
    if (!found) return { file: emptyFile(objective) }
    try {
      const file = parseBaselineFile(found.text, this.label(objective))
      return {
        file,
        sha: found.sha,
        source: this.label(objective),
        warning: droppedWarning(this.label(objective), file)
      }
    } catch (error) {
      const readOnly = (error as { newerSchema?: boolean }).newerSchema === true
      return {
        file: emptyFile(objective),
        sha: found.sha,
        readOnly,
        warning: readOnly
          ? apiErrorMessage(error)
          : `${apiErrorMessage(error)}. perf-gate ignored it; the next baseline written replaces it (the old file stays in the branch's history).`
      }
    }
  }

  private historyPath(objective: string, ext = 'json'): string {
    return `${HISTORY_DIR}/${storeFileName(objective).replace(/\.json$/, `.${ext}`)}`
  }

  async readHistory(
    objective: string
  ): Promise<HistoryRead & { sha?: string }> {
    const file = this.historyPath(objective)
    const found = await this.fetch(file)
    if (!found) return { file: emptyHistory(objective) }
    const label = `${this.options.branch}:${file}`
    try {
      return { file: parseHistoryFile(found.text, label), sha: found.sha }
    } catch (error) {
      const readOnly = (error as { newerSchema?: boolean }).newerSchema === true
      return {
        file: emptyHistory(objective),
        sha: found.sha,
        readOnly,
        warning: readOnly
          ? apiErrorMessage(error)
          : `${apiErrorMessage(error)}. perf-gate ignored it; the next run written replaces it.`
      }
    }
  }

  async append(
    objective: string,
    entry: BaselineEntry,
    keep: number,
    history?: HistoryUpdate
  ): Promise<StoreWrite> {
    const written = await this.swap(
      this.path(objective),
      async () => {
        const current = await this.read(objective)
        if (current.readOnly) return { warning: current.warning }
        return {
          sha: current.sha,
          text: serialiseBaselineFile(appendEntry(current.file, entry, keep))
        }
      },
      `perf-gate: ${objective} baseline from ${this.options.commit.slice(0, 7)} (run ${this.options.runId}) [skip ci]`
    )
    if (!history || !written.written) return written
    // The baseline is written: a history that cannot be is a warning.
    const historyWarning = await this.record(objective, history).catch(
      (error: unknown) => apiErrorMessage(error)
    )
    return { ...written, historyWarning }
  }

  /** The history and its page written; a warning when they could not be. */
  private async record(
    objective: string,
    history: HistoryUpdate
  ): Promise<string | undefined> {
    let next: HistoryFile | undefined
    const message = `perf-gate: ${objective} history from ${this.options.commit.slice(0, 7)} (run ${this.options.runId}) [skip ci]`
    const data = await this.swap(
      this.historyPath(objective),
      async () => {
        const current = await this.readHistory(objective)
        if (current.readOnly) return { warning: current.warning }
        next = history.add(current.file)
        return { sha: current.sha, text: serialiseHistoryFile(next) }
      },
      message
    )
    if (!data.written || !next) return data.warning
    const written = next
    const page = await this.swap(
      this.historyPath(objective, 'html'),
      async () => ({
        sha: (await this.fetch(this.historyPath(objective, 'html')))?.sha,
        text: history.page(written)
      }),
      message
    )
    return page.warning
  }

  /**
   * Write a file through the Contents API with its blob sha as
   * compare-and-swap: `next` reads what is there and says what to write;
   * a writer that lost the race (409, or 422 naming the sha) reads again
   * and retries. The branch is created on the first write.
   */
  private async swap(
    file: string,
    next: () => Promise<{ sha?: string; text?: string; warning?: string }>,
    message: string
  ): Promise<StoreWrite> {
    const { client, owner, repo, branch } = this.options
    const label = `${branch}:${file}`
    let createdBranch = false
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const current = await next()
      if (current.text === undefined) {
        return { written: false, attempts: attempt, warning: current.warning }
      }
      try {
        const response = await client.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path: file,
          branch,
          sha: current.sha,
          message,
          content: Buffer.from(current.text).toString('base64')
        })
        return {
          written: true,
          attempts: attempt,
          location: response.data.commit.sha
        }
      } catch (error) {
        const status = httpStatus(error)
        if (status === 404 && !createdBranch) {
          await this.createBranch()
          createdBranch = true
          continue
        }
        // 409: the file's sha moved; 422 with "sha": it was created since.
        if (
          status === 409 ||
          (status === 422 && /\bsha\b/i.test(apiErrorMessage(error)))
        ) {
          core.info(
            `${label} changed while writing (HTTP ${status}); retrying (${attempt}/${ATTEMPTS}).`
          )
          // Jitter, so racing writers do not collide again in step.
          await sleep(
            (this.options.retryDelayMs ?? 250) * attempt * (0.5 + Math.random())
          )
          continue
        }
        return {
          written: false,
          attempts: attempt,
          warning: `could not write ${label}: ${apiErrorMessage(error)}${
            status === 403
              ? '. The token needs `contents: write` (permissions in the workflow).'
              : ''
          }`
        }
      }
    }
    return {
      written: false,
      attempts: ATTEMPTS,
      warning: `could not write ${label}: it kept changing under ${ATTEMPTS} attempts.`
    }
  }

  /** An orphan branch holding only baselines: no code, no history to merge. */
  private async createBranch(): Promise<void> {
    const { client, owner, repo, branch } = this.options
    core.info(`Creating the baseline branch ${branch}.`)
    const tree = await client.rest.git.createTree({
      owner,
      repo,
      tree: [
        {
          path: 'README.md',
          mode: '100644',
          type: 'blob',
          content:
            '# perf-gate baselines\n\nWritten by the perf-gate action: one JSON file per load objective under `baselines/` (the last runs, for comparisons) and `history/` (hundreds of runs, for change points, with a page to open in a browser: serve this branch with GitHub Pages). Do not merge this branch.\n'
        }
      ]
    })
    const commit = await client.rest.git.createCommit({
      owner,
      repo,
      message: 'perf-gate: baseline branch [skip ci]',
      tree: tree.data.sha,
      parents: []
    })
    try {
      await client.rest.git.createRef({
        owner,
        repo,
        ref: `refs/heads/${branch}`,
        sha: commit.data.sha
      })
    } catch (error) {
      // Another run created it first: fine.
      if (httpStatus(error) !== 422) throw error
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
