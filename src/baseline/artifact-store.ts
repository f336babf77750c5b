import type { ArtifactClient } from '@actions/artifact'
import {
  artifactClient,
  isArtifactNotFound
} from '../shared/artifact-client.js'
import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { errorMessage } from '../shared/errors.js'
import type { GitHubClient } from '../shared/github.js'
import {
  appendEntry,
  droppedWarning,
  parseBaselineFile,
  serialiseBaselineFile,
  storeFileName,
  emptyFile,
  type BaselineEntry,
  type BaselineFile
} from './entry.js'
import {
  emptyHistory,
  parseHistoryFile,
  serialiseHistoryFile
} from './history.js'
import type {
  BaselineStore,
  HistoryRead,
  HistoryUpdate,
  StoreRead,
  StoreWrite
} from './store.js'

/** Successful default-branch runs looked at, newest first. */
const RUNS_SEARCHED = 10

interface ArtifactStoreOptions {
  client: GitHubClient
  token: string
  owner: string
  repo: string
  defaultBranch: string
  /** This run: never its own baseline. */
  runId: string
  /** `.github/workflows/x.yml` of this workflow, to search its runs only. */
  workflowFile?: string
  /** Artifact name prefix: `<prefix>-<objective>`. */
  prefix: string
  tempDir: string
  /** The artifact service is reachable (on a runner). */
  canUpload: boolean
}

/**
 * Baselines as workflow artifacts: the newest successful default-branch run
 * that uploaded one, found through the REST API and downloaded with
 * @actions/artifact (findBy). Each upload carries the history forward, so
 * one artifact holds the last N entries. Artifacts expire (90 days by
 * default): a repository that runs rarely is better served by `branch`.
 */
export class ArtifactStore implements BaselineStore {
  readonly kind = 'artifact'
  private client?: Promise<ArtifactClient>
  private get artifacts(): Promise<ArtifactClient> {
    return (this.client ??= artifactClient())
  }
  /** What read() found, carried into the next upload. */
  private readonly found = new Map<string, BaselineFile>()
  /** Where read() downloaded each objective's artifact. */
  private readonly downloaded = new Map<string, string>()

  constructor(private readonly options: ArtifactStoreOptions) {}

  artifactName(objective: string): string {
    return `${this.options.prefix}-${storeFileName(objective).replace(/\.json$/, '')}`
  }

  async read(objective: string): Promise<StoreRead> {
    const { client, owner, repo, defaultBranch, token } = this.options
    const name = this.artifactName(objective)
    const params = {
      owner,
      repo,
      branch: defaultBranch,
      status: 'success' as const,
      exclude_pull_requests: true,
      per_page: RUNS_SEARCHED
    }
    const runs = this.options.workflowFile
      ? (
          await client.rest.actions.listWorkflowRuns({
            ...params,
            workflow_id: path.basename(this.options.workflowFile)
          })
        ).data.workflow_runs
      : (await client.rest.actions.listWorkflowRunsForRepo(params)).data
          .workflow_runs
    for (const run of runs) {
      if (String(run.id) === this.options.runId) continue
      const findBy = {
        token,
        workflowRunId: run.id,
        repositoryOwner: owner,
        repositoryName: repo
      }
      let id: number
      try {
        id = (await (await this.artifacts).getArtifact(name, { findBy }))
          .artifact.id
      } catch (error) {
        if (isArtifactNotFound(error)) continue
        throw error
      }
      const dir = fs.mkdtempSync(path.join(this.options.tempDir, 'baseline-'))
      await (await this.artifacts).downloadArtifact(id, { path: dir, findBy })
      this.downloaded.set(objective, dir)
      const file = path.join(dir, storeFileName(objective))
      const source = `artifact ${name} of run ${run.id}`
      try {
        const data = parseBaselineFile(fs.readFileSync(file, 'utf8'), source)
        this.found.set(objective, data)
        return { file: data, source, warning: droppedWarning(source, data) }
      } catch (error) {
        return {
          file: emptyFile(objective),
          readOnly: (error as { newerSchema?: boolean }).newerSchema === true,
          warning: `${errorMessage(error)}. perf-gate ignored it.`
        }
      }
    }
    core.info(
      `No baseline artifact ${name} in the last ${runs.length} successful ${defaultBranch} runs.`
    )
    return { file: emptyFile(objective) }
  }

  /** The history the baseline artifact read() found carries, if any. */
  async readHistory(objective: string): Promise<HistoryRead> {
    const dir = this.downloaded.get(objective)
    const file = dir && path.join(dir, historyFileName(objective))
    if (!file || !fs.existsSync(file)) return { file: emptyHistory(objective) }
    try {
      return {
        file: parseHistoryFile(
          fs.readFileSync(file, 'utf8'),
          `${this.artifactName(objective)}: ${historyFileName(objective)}`
        )
      }
    } catch (error) {
      return {
        file: emptyHistory(objective),
        readOnly: (error as { newerSchema?: boolean }).newerSchema === true,
        warning: `${errorMessage(error)}. perf-gate ignored it.`
      }
    }
  }

  async append(
    objective: string,
    entry: BaselineEntry,
    keep: number,
    history?: HistoryUpdate
  ): Promise<StoreWrite> {
    if (!this.options.canUpload) {
      return {
        written: false,
        attempts: 0,
        warning:
          'not on a GitHub runner (no ACTIONS_RUNTIME_TOKEN): the baseline artifact was not uploaded.'
      }
    }
    const next = appendEntry(
      this.found.get(objective) ?? emptyFile(objective),
      entry,
      keep
    )
    const dir = fs.mkdtempSync(path.join(this.options.tempDir, 'baseline-out-'))
    const file = path.join(dir, storeFileName(objective))
    fs.writeFileSync(file, serialiseBaselineFile(next))
    const files = [file]
    // The history and its page travel in the same artifact.
    const read = history ? await this.readHistory(objective) : undefined
    if (history && read && !read.readOnly) {
      const updated = history.add(read.file)
      const data = path.join(dir, historyFileName(objective))
      const page = path.join(dir, historyFileName(objective, 'html'))
      fs.writeFileSync(data, serialiseHistoryFile(updated))
      fs.writeFileSync(page, history.page(updated))
      files.push(data, page)
    }
    const name = this.artifactName(objective)
    const { id } = await (await this.artifacts).uploadArtifact(name, files, dir)
    return { written: true, attempts: 1, location: `${name} (id ${id})` }
  }
}

/** `history-load.json`, `history-load.html`. */
function historyFileName(objective: string, ext = 'json'): string {
  return `history-${storeFileName(objective).replace(/\.json$/, `.${ext}`)}`
}
