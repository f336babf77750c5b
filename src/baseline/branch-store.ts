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
import type { BaselineStore, StoreRead, StoreWrite } from './store.js'

const ATTEMPTS = 8
const DIR = 'baselines'

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

  async read(objective: string): Promise<StoreRead & { sha?: string }> {
    const { client, owner, repo, branch } = this.options
    let data: { content?: string; encoding?: string; sha: string }
    try {
      const response = await client.rest.repos.getContent({
        owner,
        repo,
        path: this.path(objective),
        ref: branch
      })
      data = response.data as typeof data
    } catch (error) {
      if (httpStatus(error) === 404) return { file: emptyFile(objective) }
      throw new Error(
        `could not read ${this.label(objective)}: ${apiErrorMessage(error)}`,
        { cause: error }
      )
    }
    let text: string
    if (data.encoding === 'base64' && data.content !== undefined) {
      text = Buffer.from(data.content, 'base64').toString('utf8')
    } else {
      // Over 1 MB the Contents API leaves the content out: fetch the blob.
      const blob = await client.rest.git.getBlob({
        owner,
        repo,
        file_sha: data.sha
      })
      text = Buffer.from(blob.data.content, 'base64').toString('utf8')
    }
    try {
      const file = parseBaselineFile(text, this.label(objective))
      return {
        file,
        sha: data.sha,
        source: this.label(objective),
        warning: droppedWarning(this.label(objective), file)
      }
    } catch (error) {
      const readOnly = (error as { newerSchema?: boolean }).newerSchema === true
      return {
        file: emptyFile(objective),
        sha: data.sha,
        readOnly,
        warning: readOnly
          ? apiErrorMessage(error)
          : `${apiErrorMessage(error)}. perf-gate ignored it; the next baseline written replaces it (the old file stays in the branch's history).`
      }
    }
  }

  async append(
    objective: string,
    entry: BaselineEntry,
    keep: number
  ): Promise<StoreWrite> {
    const { client, owner, repo, branch } = this.options
    let createdBranch = false
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const current = await this.read(objective)
      if (current.readOnly) {
        return { written: false, attempts: attempt, warning: current.warning }
      }
      const next = appendEntry(current.file, entry, keep)
      try {
        const response = await client.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path: this.path(objective),
          branch,
          sha: current.sha,
          message: `perf-gate: ${objective} baseline from ${this.options.commit.slice(0, 7)} (run ${this.options.runId}) [skip ci]`,
          content: Buffer.from(serialiseBaselineFile(next)).toString('base64')
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
            `Baseline ${this.label(objective)} changed while writing (HTTP ${status}); retrying (${attempt}/${ATTEMPTS}).`
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
          warning: `could not write ${this.label(objective)}: ${apiErrorMessage(error)}${
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
      warning: `could not write ${this.label(objective)}: it kept changing under ${ATTEMPTS} attempts.`
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
            '# perf-gate baselines\n\nWritten by the perf-gate action: one JSON file per load objective under `baselines/`. Do not merge this branch.\n'
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
