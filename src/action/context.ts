import * as fs from 'node:fs'
import * as os from 'node:os'

/** What triggered this run, read from the runner's environment. */
export interface RunContext {
  eventName: string
  /** The job's id in the workflow (GITHUB_JOB); shared by a matrix's jobs. */
  job: string
  /** `owner/name`, empty outside a runner. */
  repository: string
  sha: string
  ref: string
  runId: string
  runAttempt: string
  serverUrl: string
  apiUrl: string
  /** Link to this workflow run, when the runner said which run it is. */
  runUrl?: string
  defaultBranch?: string
  pullRequest?: {
    number: number
    baseRef: string
    baseSha: string
    headSha: string
    /** Opened from a fork: its token is read-only and secrets are absent. */
    fromFork: boolean
    labels: string[]
  }
  /** Input given to a manual `workflow_dispatch`, by name. */
  dispatchInputs: Record<string, string>
  /** On a GitHub runner (GITHUB_ACTIONS), not a laptop. */
  onRunner: boolean
  /** `.github/workflows/x.yml` of this workflow, when the runner says. */
  workflowFile?: string
  /** The runner's OS and CPU as it names them (`Linux`, `X64`). */
  runner: { os: string; arch: string }
  /** The runner's temporary directory (RUNNER_TEMP), or the system's. */
  tempDir: string
  /** The artifact service is reachable (ACTIONS_RUNTIME_TOKEN is set). */
  artifactService: boolean
  /** The runner keeps a job summary for this step (GITHUB_STEP_SUMMARY). */
  stepSummary: boolean
}

type Json = Record<string, unknown>

export function getRunContext(
  env: NodeJS.ProcessEnv = process.env
): RunContext {
  const event = readEvent(env.GITHUB_EVENT_PATH)
  const repository = env.GITHUB_REPOSITORY ?? ''
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(
    /\/+$/,
    ''
  )
  const runId = env.GITHUB_RUN_ID ?? ''
  const repo = obj(event.repository)
  const pr = obj(event.pull_request)
  const base = obj(pr.base)
  const head = obj(pr.head)
  const headRepo = obj(head.repo)
  const baseRepo = obj(base.repo)

  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    job: env.GITHUB_JOB ?? '',
    repository,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    serverUrl,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(
      /\/+$/,
      ''
    ),
    runUrl:
      repository && runId
        ? `${serverUrl}/${repository}/actions/runs/${runId}`
        : undefined,
    defaultBranch: str(repo.default_branch),
    pullRequest:
      typeof pr.number === 'number'
        ? {
            number: pr.number,
            baseRef: str(base.ref) ?? '',
            baseSha: str(base.sha) ?? '',
            headSha: str(head.sha) ?? '',
            fromFork:
              headRepo.fork === true ||
              (str(headRepo.full_name) !== undefined &&
                str(headRepo.full_name) !== str(baseRepo.full_name)),
            labels: Array.isArray(pr.labels)
              ? pr.labels
                  .map((l) => str(obj(l).name))
                  .filter((l): l is string => !!l)
              : []
          }
        : undefined,
    dispatchInputs: Object.fromEntries(
      Object.entries(obj(event.inputs)).map(([k, v]) => [k, String(v)])
    ),
    onRunner: env.GITHUB_ACTIONS === 'true',
    workflowFile: env.GITHUB_WORKFLOW_REF?.split('@')[0] || undefined,
    runner: {
      os: env.RUNNER_OS || process.platform,
      arch: env.RUNNER_ARCH || process.arch
    },
    tempDir: env.RUNNER_TEMP || os.tmpdir(),
    artifactService: !!env.ACTIONS_RUNTIME_TOKEN,
    stepSummary: !!env.GITHUB_STEP_SUMMARY
  }
}

function readEvent(file: string | undefined): Json {
  if (!file) return {}
  try {
    return obj(JSON.parse(fs.readFileSync(file, 'utf8')))
  } catch {
    return {}
  }
}

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {}
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
