import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { dashboardEnv } from '../k6/dashboard.js'
import { confirmK6, installK6, type K6Binary } from '../k6/install.js'
import { runK6, type K6Run } from '../k6/run.js'
import type { Target } from './targets.js'

/** The k6 to run: the one given in k6-path, or one installed. */
export async function obtainK6(
  inputs: Inputs,
  context: RunContext
): Promise<K6Binary> {
  if (inputs.k6Path) return confirmK6(inputs.k6Path)
  return installK6({
    versionSpec: inputs.k6Version,
    downloadUrl: inputs.k6DownloadUrl,
    token: inputs.githubToken,
    apiUrl: context.apiUrl
  })
}

/** Run the script with the inputs' arguments, in the working directory. */
export function executeK6(
  k6: K6Binary,
  script: string,
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  durationS?: number,
  /** perf-gate's own flags before the user's (a shard's segment). */
  ownArgs: readonly string[] = []
): Promise<K6Run> {
  return runK6({
    k6Path: k6.path,
    script,
    resultsDir: inputs.resultsDir,
    extraArgs: [...ownArgs, ...inputs.k6Args],
    cwd: inputs.workingDirectory,
    env: {
      ...env,
      ...(inputs.baseUrl ? { PERF_GATE_BASE_URL: inputs.baseUrl } : {}),
      ...(inputs.referenceUrl
        ? { PERF_GATE_REFERENCE_URL: inputs.referenceUrl }
        : {}),
      ...(inputs.htmlReport
        ? dashboardEnv(inputs.resultsDir, env, durationS)
        : {})
    }
  })
}

/**
 * The change's URL in a paired run of the user's script, and where it
 * came from: the base-url input, or the step's environment.
 */
export function pairedChangeUrl(
  inputs: Inputs,
  env: NodeJS.ProcessEnv
): Target | undefined {
  if (inputs.baseUrl) return { input: 'base-url', url: inputs.baseUrl }
  for (const name of ['PERF_GATE_BASE_URL', 'BASE_URL']) {
    const url = env[name]
    if (url) return { input: name, url, env: true }
  }
  return undefined
}

/** Where a paired run's reference keeps its files, in the results folder. */
export const REFERENCE_DIR = 'reference'

/**
 * Paired A/B with a script of the user's: the script run twice at once,
 * once per target, each k6 with its base URL in BASE_URL and
 * PERF_GATE_BASE_URL and every sample tagged with its target. The change's
 * run is the step's (its output, thresholds, exit code and HTML report);
 * the reference's output goes to reference/k6.log.
 */
export async function executePairedK6(
  k6: K6Binary,
  script: string,
  inputs: Inputs & { referenceUrl: string },
  env: NodeJS.ProcessEnv
): Promise<{ change: K6Run; reference: K6Run }> {
  const changeUrl = pairedChangeUrl(inputs, env)?.url
  const target = (name: string, url: string | undefined) => ({
    PERF_GATE_TARGET: name,
    ...(url ? { BASE_URL: url, PERF_GATE_BASE_URL: url } : {})
  })
  // Both spawned before either is awaited: they start together.
  const reference = runK6({
    k6Path: k6.path,
    script,
    resultsDir: path.join(inputs.resultsDir, REFERENCE_DIR),
    extraArgs: ['--tag', 'target=reference', ...inputs.k6Args],
    cwd: inputs.workingDirectory,
    env: { ...env, ...target('reference', inputs.referenceUrl) },
    quiet: true,
    label: 'reference'
  })
  const change = runK6({
    k6Path: k6.path,
    script,
    resultsDir: inputs.resultsDir,
    extraArgs: ['--tag', 'target=change', ...inputs.k6Args],
    cwd: inputs.workingDirectory,
    env: {
      ...env,
      ...target('change', changeUrl),
      ...(inputs.htmlReport
        ? dashboardEnv(inputs.resultsDir, env, undefined)
        : {})
    },
    label: 'change'
  })
  const [c, r] = await Promise.all([change, reference])
  return { change: c, reference: r }
}
