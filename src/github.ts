import { getOctokit } from '@actions/github'

export type GitHubClient = ReturnType<typeof getOctokit>

/**
 * An Octokit for the REST API at `apiUrl` (GHES and tests give their own).
 * The token is masked by getInputs before anything can log it.
 */
export function githubClient(token: string, apiUrl: string): GitHubClient {
  return getOctokit(token, { baseUrl: apiUrl })
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
