import { getOctokit } from '@actions/github'
import { defaults } from '@actions/github/lib/utils'
import { Deadline, isDeadlineError } from './deadline.js'
import { errorMessage } from './errors.js'

export type GitHubClient = ReturnType<typeof getOctokit>

type Fetch = (url: string, init: RequestInit) => Promise<Response>

/** Attempts of one request before its failure is final. */
const ATTEMPTS = 4
/** The first wait between attempts; doubled each time, with jitter. */
const FIRST_WAIT_MS = 500

/**
 * An Octokit for the REST API at `apiUrl` (GHES and tests give their own).
 * The token is masked by getInputs before anything can log it. Every
 * request runs within `deadline`, shared with the other network steps, and
 * transient failures (5xx, 429, secondary rate limits, a dropped
 * connection) are retried within it, waiting as long as `Retry-After` asks.
 */
export function githubClient(
  token: string,
  apiUrl: string,
  deadline: Deadline,
  options: { firstWaitMs?: number } = {}
): GitHubClient {
  const base = defaults.request?.fetch as Fetch | undefined
  return getOctokit(token, {
    baseUrl: apiUrl,
    // Options merge shallowly: keep the proxy-aware fetch of the defaults.
    request: {
      ...defaults.request,
      signal: deadline.signal,
      fetch: retrying(base ?? fetch, deadline, options.firstWaitMs)
    }
  })
}

/**
 * `fetch`, retried on what a later attempt can fix. A POST that creates a
 * comment is retried only when GitHub says it did nothing (429): a 502 may
 * have created it, and a second one would stay on the pull request.
 */
function retrying(
  base: Fetch,
  deadline: Deadline,
  firstWaitMs = FIRST_WAIT_MS
): Fetch {
  return async (url, init) => {
    const method = (init.method ?? 'GET').toUpperCase()
    const creates = method === 'POST' && /\/comments$/.test(url)
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined
      let failure: unknown
      try {
        response = await base(url, init)
      } catch (error) {
        if (isDeadlineError(error) || deadline.expired()) throw error
        failure = error
      }
      const wait =
        attempt < ATTEMPTS
          ? retryWait(response, failure, creates, attempt, firstWaitMs)
          : undefined
      if (wait === undefined || wait > deadline.remainingMs()) {
        if (response) return response
        throw failure
      }
      // The response is dropped: free its connection.
      await response?.body?.cancel().catch(() => undefined)
      await sleep(wait, deadline.signal)
    }
  }
}

/** How long to wait before the next attempt, or undefined: do not retry. */
function retryWait(
  response: Response | undefined,
  failure: unknown,
  creates: boolean,
  attempt: number,
  firstWaitMs: number
): number | undefined {
  const backoff = firstWaitMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2)
  if (!response) return creates ? undefined : failure ? backoff : undefined
  const status = response.status
  const asked = retryAfterMs(response)
  if (status === 429) return asked ?? backoff
  // A secondary rate limit: 403 with Retry-After, or the quota spent.
  if (status === 403) {
    if (asked !== undefined) return asked
    if (response.headers.get('x-ratelimit-remaining') === '0') {
      const reset = Number(response.headers.get('x-ratelimit-reset'))
      return Number.isFinite(reset)
        ? Math.max(0, reset * 1000 - Date.now())
        : undefined
    }
    return undefined
  }
  if (status >= 500 && !creates) return asked ?? backoff
  return undefined
}

/** `Retry-After` in ms: seconds, or an HTTP date. */
function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      signal.removeEventListener('abort', aborted)
      resolve()
    }
    function aborted(): void {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', aborted, { once: true })
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

/** One line for a failed API call; a spent deadline said plainly. */
export function apiErrorMessage(error: unknown, deadline?: Deadline): string {
  if (isDeadlineError(error)) {
    return `the GitHub API did not answer within the ${deadline ? `${deadline.describe()} ` : ''}deadline`
  }
  return errorMessage(error)
}
