import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { dashboardEnv } from '../k6/dashboard.js'
import { confirmK6, installK6, type K6Binary } from '../k6/install.js'
import { runK6, type K6Run } from '../k6/run.js'

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
