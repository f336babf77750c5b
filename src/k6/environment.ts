/**
 * The environment k6 starts with: the step's variables (the ones a script
 * reads through __ENV, k6's own K6_*, PATH, HOME…) without the action's
 * credentials. A script runs code from the repository, a fork's too, and
 * can write what it reads to any file through handleSummary(): the
 * workflow's token (INPUT_GITHUB-TOKEN, GITHUB_TOKEN), the runner's
 * (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_*), the other inputs,
 * and the files that steer the workflow (GITHUB_ENV, GITHUB_PATH,
 * GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY) stay out of it, as
 * does any variable that holds the token under another name.
 */
export function k6Environment(
  stepEnv: NodeJS.ProcessEnv,
  githubToken: string | undefined,
  /** perf-gate's own variables for the run (BASE_URL, …): set last. */
  own: Record<string, string> = {}
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(stepEnv)) {
    if (value === undefined || withheld(name)) continue
    if (githubToken && value.includes(githubToken)) continue
    env[name] = value
  }
  return { ...env, ...own }
}

const WORKFLOW_FILES = new Set([
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_OUTPUT',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY'
])

/** A variable of the action or the runner that no script may read. */
function withheld(name: string): boolean {
  const upper = name.toUpperCase()
  return (
    upper.startsWith('INPUT_') ||
    upper.startsWith('ACTIONS_') ||
    upper === 'GITHUB_TOKEN' ||
    WORKFLOW_FILES.has(upper)
  )
}
