import { getOctokit } from '@actions/github'
import { defaults } from '@actions/github/lib/utils'
import { errorMessage } from './errors.js'

export type GitHubClient = ReturnType<typeof getOctokit>

/** All of one client's requests together: an API that hangs must not hold the job. */
export const API_BUDGET_MS = 5 * 60_000

/**
 * An Octokit for the REST API at `apiUrl` (GHES and tests give their own).
 * The token is masked by getInputs before anything can log it. Every
 * request shares one deadline (`AbortSignal.timeout` does not keep the
 * process alive).
 */
export function githubClient(
  token: string,
  apiUrl: string,
  budgetMs = API_BUDGET_MS
): GitHubClient {
  return getOctokit(token, {
    baseUrl: apiUrl,
    // Options merge shallowly: keep the proxy-aware fetch of the defaults.
    request: { ...defaults.request, signal: AbortSignal.timeout(budgetMs) }
  })
}

/** The HTTP status of a failed Octokit request, if it got that far. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

export function splitRepository(repository: string): {
  owner: string
  repo: string
} {
  const [owner, repo] = repository.split('/')
  return { owner: owner ?? '', repo: repo ?? '' }
}

/** One line for a failed API call; a spent time budget said plainly. */
export function apiErrorMessage(error: unknown): string {
  const cause = (error as { cause?: { name?: string } } | null)?.cause
  if (
    (error as { name?: string } | null)?.name === 'TimeoutError' ||
    cause?.name === 'TimeoutError'
  ) {
    return `the GitHub API did not answer within ${API_BUDGET_MS / 60_000} minutes`
  }
  return errorMessage(error)
}
