import * as core from '@actions/core'
import { getRunContext } from './action/context.js'
import { getInputs } from './action/inputs.js'
import { Outputs } from './action/outputs.js'
import { runPipeline } from './pipeline/index.js'
import { failureLine, verdictText } from './report/verdict.js'
import { errorMessage } from './shared/errors.js'

/**
 * The action: inputs and context in, the pipeline run, every output
 * written once from one map. The only place that calls `core.setFailed`.
 */
export async function run(): Promise<void> {
  const outputs = new Outputs()
  try {
    const inputs = getInputs()
    const context = getRunContext()
    const { verdict, summary } = await runPipeline(
      inputs,
      context,
      process.env,
      outputs
    )
    if (!verdict) return
    const text = verdictText(verdict, summary)
    for (const warning of text.warnings) core.warning(warning)
    if (verdict.passed) core.info(text.headline)
    else core.setFailed(failureLine(verdict, summary))
  } catch (error) {
    outputs.set('passed', false)
    outputs.set('verdict', 'fail')
    if (error instanceof Error && error.cause) {
      core.debug(`Caused by: ${errorMessage(error.cause)}`)
    }
    core.setFailed(errorMessage(error))
  } finally {
    outputs.flush()
  }
}
