import * as http from 'node:http'
import * as https from 'node:https'
import { InputError } from '../shared/errors.js'
import { withoutCredentials } from '../shared/urls.js'

/** How long a target may take to answer before it counts as down. */
const ANSWER_TIMEOUT_MS = 10_000

export interface Target {
  /** The input (or, with `env`, the variable) that gave the URL. */
  input: string
  url: string
  env?: boolean
  /** The profile's own target.base_url. */
  profile?: boolean
}

/**
 * Both targets of a paired run answer before any load. A script of the
 * user's has no health path perf-gate knows, so the base URL itself is
 * asked: any HTTP answer (a 404, a 401) means up; a refused connection,
 * an unknown host or no answer within the timeout means down, and the
 * run fails before k6 starts, naming the input. A target that is down
 * would fail every request at once, and fast failures are no latency.
 * The request carries no credentials: the URL's user and password stay
 * out of it, so an unverified certificate is no risk and is accepted.
 */
export async function checkTargetsAnswer(
  targets: readonly Target[],
  timeoutMs = ANSWER_TIMEOUT_MS
): Promise<void> {
  const problems = await Promise.all(
    targets.map((t) => answerProblem(t.url, timeoutMs))
  )
  const down = problems.findIndex((p) => p !== undefined)
  if (down < 0) return
  const { input, url, env } = targets[down]
  const problem =
    `${withoutCredentials(url)} does not answer (${problems[down]}): start it before perf-gate and wait until it is up ` +
    '(examples/workflows/paired.yml waits for both health checks).'
  throw env
    ? new Error(`${input} in the step's environment: ${problem}`)
    : new InputError(input, problem)
}

/**
 * The health path of a generated script's target(s), asked by perf-gate
 * before k6 starts (so the request is not one of the test's): it must
 * answer 200, as the script's own check wants, within the timeout.
 */
export async function checkHealth(
  targets: readonly Target[],
  health: string,
  profileLabel: string,
  timeoutMs = ANSWER_TIMEOUT_MS
): Promise<void> {
  const urls = targets.map((t) => `${t.url.replace(/\/+$/, '')}${health}`)
  const problems = await Promise.all(
    urls.map((url) => answerProblem(url, timeoutMs, true))
  )
  const down = problems.findIndex((p) => p !== undefined)
  if (down < 0) return
  const { input, env, profile } = targets[down]
  const problem =
    `the health check GET ${withoutCredentials(urls[down])} (target.health in ${profileLabel}) ${problems[down]}: ` +
    'start the service before perf-gate and wait until it is up.'
  if (profile) throw new Error(problem.replace(/^t/, 'T'))
  throw env
    ? new Error(`${input} in the step's environment: ${problem}`)
    : new InputError(input, problem)
}

/**
 * Why `url` gave no HTTP answer (or, with `ok`, no 200); undefined when
 * it answered.
 */
function answerProblem(
  url: string,
  timeoutMs: number,
  ok = false
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let target: URL
    try {
      target = new URL(withoutCredentials(url))
    } catch {
      resolve('not a URL')
      return
    }
    const client = target.protocol === 'https:' ? https : http
    const request = client.request(
      target,
      { method: 'GET', rejectUnauthorized: false },
      (response) => {
        clearTimeout(timer)
        response.resume()
        resolve(
          ok && response.statusCode !== 200
            ? `answered ${response.statusCode}`
            : undefined
        )
        request.destroy()
      }
    )
    const timer = setTimeout(() => {
      resolve(`${ok ? 'gave ' : ''}no answer within ${timeoutMs / 1000} s`)
      request.destroy()
    }, timeoutMs)
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const why = error.code ?? error.message
      resolve(ok ? `failed (${why})` : why)
    })
    request.end()
  })
}
