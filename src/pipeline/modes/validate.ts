import * as core from '@actions/core'
import type { Outputs } from '../../action/outputs.js'
import { k6Environment } from '../../k6/environment.js'
import { inspectK6, type Inspected } from '../../k6/inspect.js'
import { k6MessageLine } from '../../k6/log.js'
import {
  parseMetricKey,
  parseThresholdExpression
} from '../../k6/thresholds.js'
import { renderValidation } from '../../report/validation.js'
import { displayPath } from '../../shared/paths.js'
import { BASE_URL_VARIABLE } from '../../script/generate.js'
import { obtainK6 } from '../execute.js'
import type { ValidateMode } from '../mode.js'
import { writeJobSummary } from '../publish.js'
import type { Step } from '../step.js'

/** A script k6 cannot load, or a threshold it would refuse. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ValidationError'
  }
}

/**
 * validate-only: the profile was validated and its script written by
 * prepare; here k6 loads the script (`k6 inspect`: its init code runs,
 * no request is sent), its thresholds are read as k6 reads them, and the
 * job summary says what a run would do. Any problem fails the step with
 * k6's own line.
 */
export async function validateOnly(
  mode: ValidateMode,
  step: Step,
  outputs: Outputs
): Promise<void> {
  const { inputs, env } = step
  const k6 = await obtainK6(inputs, step.context)
  outputs.set('k6Version', k6.version)
  const scriptLabel = displayPath(mode.script, inputs.workspace)
  core.info(`validate-only: k6 inspect ${scriptLabel}; no load is sent.`)
  const result = await inspectK6({
    k6Path: k6.path,
    script: mode.script,
    cwd: inputs.workingDirectory,
    env: k6Environment(
      env,
      inputs.githubToken,
      inputs.baseUrl ? { [BASE_URL_VARIABLE]: inputs.baseUrl } : {}
    )
  })
  if (!result.ok) {
    const line = k6MessageLine(result.message, inputs.workspace)
    throw new ValidationError(
      `k6 cannot load ${scriptLabel}${result.exitCode ? ` (k6 inspect exit code ${result.exitCode})` : ''}: ${line}`
    )
  }
  checkThresholds(result.inspected, scriptLabel)
  await writeJobSummary(
    renderValidation({
      scriptLabel,
      k6Version: k6.version,
      inspected: result.inspected,
      prepared: mode.prepared
    }),
    step.context
  )
  outputs.set('passed', true)
}

/**
 * Every threshold parsed as k6 parses it when a run starts, where k6
 * would stop with exit code 104: the first one it refuses, named.
 */
export function checkThresholds(
  inspected: Inspected,
  scriptLabel: string
): void {
  for (const [key, list] of Object.entries(inspected.thresholds)) {
    try {
      parseMetricKey(key)
      for (const expression of list) parseThresholdExpression(expression)
    } catch (error) {
      throw new ValidationError(
        `${scriptLabel}: threshold of ${key}: ${(error as Error).message}`
      )
    }
  }
}
