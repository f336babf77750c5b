import * as core from '@actions/core'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { checkK6Options } from '../action/k6-options.js'
import { envFlags } from '../k6/flags.js'
import { collectSecrets, Redactor } from '../shared/secrets.js'
import { authVariables, type PreparedRun } from './prepare.js'

/** What every stage of one run reads: the inputs, where it runs, its secrets. */
export interface Step {
  inputs: Inputs
  context: RunContext
  env: NodeJS.ProcessEnv
  /** Every secret value, in every form k6 accepts. */
  secrets: readonly string[]
  /** Masks them out of what is written or posted. */
  redactor: Redactor
}

/**
 * Before anything runs: k6-args held to what cannot let a run pass or
 * hang, and every secret masked in the log (before k6 prints anything)
 * and kept for redacting every file and request body perf-gate writes.
 */
export function startStep(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  prepared: PreparedRun | undefined
): Step {
  if (!inputs.merge) {
    checkK6Options(inputs.k6Args, {
      env,
      generated: prepared !== undefined && prepared.ownScript === undefined,
      workingDirectory: inputs.workingDirectory,
      resultsDir: inputs.resultsDir
    })
  }
  const secrets = collectSecrets({
    githubToken: inputs.githubToken,
    env,
    authVariables: prepared ? authVariables(prepared.profile) : [],
    // -e NAME=value in every form k6 accepts (-eNAME=…, -e=NAME=…, --env=…).
    k6Env: envFlags(inputs.k6Args),
    baseUrl: inputs.baseUrl,
    referenceUrl: inputs.referenceUrl,
    downloadUrl: inputs.k6DownloadUrl
  })
  // (github-token was masked as soon as it was read.)
  for (const secret of secrets) {
    if (secret !== inputs.githubToken) core.setSecret(secret)
  }
  return { inputs, context, env, secrets, redactor: new Redactor(secrets) }
}
