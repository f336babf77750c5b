import * as path from 'node:path'
import { Deadline } from '../shared/deadline.js'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { dashboardEnv } from '../k6/dashboard.js'
import { confirmK6, installK6, type K6Binary } from '../k6/install.js'
import { k6Environment } from '../k6/environment.js'
import { runK6, type K6Run } from '../k6/run.js'
import {
  BASE_URL_VARIABLE,
  HEALTH_CHECKED_VARIABLE,
  REFERENCE_URL_VARIABLE
} from '../script/generate.js'
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
    apiUrl: context.apiUrl,
    // The network steps of the install share publish-timeout, as the
    // steps after k6 do.
    deadline: new Deadline(inputs.publishTimeoutMs)
  })
}

/**
 * Run the script with the inputs' arguments, in the working directory,
 * with the step's environment less the action's credentials, and the
 * service's URL in BASE_URL (the reference's in REFERENCE_URL).
 */
export function executeK6(
  k6: K6Binary,
  script: string,
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  options: {
    durationS?: number
    /** perf-gate's own flags before the user's (a shard's segment). */
    ownArgs?: readonly string[]
    /** perf-gate asked the health path itself: the script need not. */
    healthChecked?: boolean
  } = {}
): Promise<K6Run> {
  return runK6({
    k6Path: k6.path,
    script,
    resultsDir: inputs.resultsDir,
    extraArgs: [...(options.ownArgs ?? []), ...inputs.k6Args],
    cwd: inputs.workingDirectory,
    env: k6Environment(env, inputs.githubToken, {
      ...(inputs.baseUrl ? { [BASE_URL_VARIABLE]: inputs.baseUrl } : {}),
      ...(inputs.referenceUrl
        ? { [REFERENCE_URL_VARIABLE]: inputs.referenceUrl }
        : {}),
      ...(options.healthChecked ? { [HEALTH_CHECKED_VARIABLE]: '1' } : {}),
      ...(inputs.htmlReport
        ? dashboardEnv(inputs.resultsDir, env, options.durationS)
        : {})
    })
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
  const url = env[BASE_URL_VARIABLE]
  return url ? { input: BASE_URL_VARIABLE, url, env: true } : undefined
}

/** Where a paired run's reference keeps its files, in the results folder. */
const REFERENCE_DIR = 'reference'

/**
 * Paired A/B with a script of the user's: the script run twice at once,
 * once per target, each k6 with its base URL in BASE_URL and every
 * sample tagged with its target. The change's
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
    ...(url ? { [BASE_URL_VARIABLE]: url } : {})
  })
  // Both spawned before either is awaited: they start together.
  const reference = runK6({
    k6Path: k6.path,
    script,
    resultsDir: path.join(inputs.resultsDir, REFERENCE_DIR),
    extraArgs: ['--tag', 'target=reference', ...inputs.k6Args],
    cwd: inputs.workingDirectory,
    env: k6Environment(
      env,
      inputs.githubToken,
      target('reference', inputs.referenceUrl)
    ),
    quiet: true,
    label: 'reference'
  })
  const change = runK6({
    k6Path: k6.path,
    script,
    resultsDir: inputs.resultsDir,
    extraArgs: ['--tag', 'target=change', ...inputs.k6Args],
    cwd: inputs.workingDirectory,
    env: k6Environment(env, inputs.githubToken, {
      ...target('change', changeUrl),
      ...(inputs.htmlReport
        ? dashboardEnv(inputs.resultsDir, env, undefined)
        : {})
    }),
    label: 'change'
  })
  const [c, r] = await Promise.all([change, reference])
  return { change: c, reference: r }
}
