import type { Outputs } from '../../action/outputs.js'
import { renderGenerateOnly } from '../../report/load-plan.js'
import type { Step } from '../step.js'
import type { GenerateOnlyMode } from '../mode.js'
import { writeGenerateOnly } from '../prepare.js'
import { writeJobSummary } from '../publish.js'

/** The script, an example env file and notes written; nothing runs. */
export async function generateOnly(
  mode: GenerateOnlyMode,
  step: Step,
  outputs: Outputs
): Promise<void> {
  const { inputs } = step
  writeGenerateOnly(mode.prepared, inputs.resultsDir, {
    k6Version: inputs.k6Version,
    baseUrl: inputs.baseUrl
  })
  await writeJobSummary(
    renderGenerateOnly(mode.prepared, inputs.resultsDir),
    step.context
  )
  outputs.set('passed', true)
}
