import * as core from '@actions/core'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { Outputs } from '../action/outputs.js'
import { applyRegressions, type Verdict } from '../judge/verdict.js'
import { chooseObjective } from '../profile/plan.js'
import type { Objective } from '../profile/schema.js'
import type { SummaryResult } from '../results/types.js'
import { Deadline } from '../shared/deadline.js'
import { errorMessage } from '../shared/errors.js'
import { compareRun, shouldWrite } from './baseline.js'
import { judge } from './judge.js'
import { resolveMode } from './mode.js'
import { generateOnly } from './modes/generate-only.js'
import { measure } from './modes/index.js'
import { validateOnly } from './modes/validate.js'
import { setRunOutputs, setVerdictOutputs } from './outputs.js'
import { prepare, type PreparedRun } from './prepare.js'
import {
  keepJobSummary,
  publishRun,
  renderReport,
  reportRun,
  writeJobSummary,
  type RunView
} from './publish.js'
import { startStep } from './step.js'

/** How the pipeline ended, for main.ts to say so. */
interface PipelineEnd {
  verdict?: Verdict
  summary?: SummaryResult
  /** The profile and plan the run had, when it had one. */
  prepared?: PreparedRun
  /** The job summary it wrote last. */
  markdown?: string
}

/**
 * The step: one run of its profile or script and, on the default branch,
 * the pull requests' objective recorded beside it. Outputs are gathered
 * in `outputs`; main.ts writes whatever is known however the run ends.
 */
export async function runPipeline(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  outputs: Outputs
): Promise<PipelineEnd> {
  const end = await runOnce(inputs, context, env, outputs)
  const objective = pullRequestObjective(inputs, context, end.prepared)
  if (!objective || !end.markdown) return end
  await recordForPullRequests(objective, inputs, context, env, end.markdown)
  return end
}

/**
 * The objective pull requests run, when this run of the default branch
 * should record it too: pull requests are compared with main's runs of
 * their own objective (smoke), and main's pushes run another (load).
 * One step is then enough: the push records both.
 */
function pullRequestObjective(
  inputs: Inputs,
  context: RunContext,
  prepared: PreparedRun | undefined
): Objective | undefined {
  if (!prepared || prepared.ownScript !== undefined) return undefined
  if (inputs.merge || inputs.shard || inputs.referenceUrl) return undefined
  if (inputs.generateOnly || inputs.validateOnly || inputs.objective) {
    return undefined
  }
  if (inputs.baseline.store === 'none') return undefined
  // Only a run that may write the baseline (passing aside): the default
  // branch's pushes and schedules.
  const why = shouldWrite(inputs.baseline.update, context, true)
  if (why !== true || context.pullRequest) return undefined
  const { objective } = chooseObjective({
    eventName: 'pull_request',
    triggers: prepared.profile.objectives?.triggers
  })
  return objective === prepared.plan.objective ? undefined : objective
}

/**
 * The pull requests' objective run after this one, in its own results
 * folder and artifact, recorded as main's baseline for them when it
 * passes. Its verdict is reported (the job summary, a warning when it
 * failed), never the step's: the step gated on its own objective.
 */
async function recordForPullRequests(
  objective: Objective,
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  markdown: string
): Promise<void> {
  core.info(
    `Recording the ${objective} objective too: pull requests run it, and are compared with this branch's runs of it.`
  )
  keepJobSummary(markdown)
  try {
    const second = await runOnce(
      {
        ...inputs,
        objective,
        resultsDir: path.join(inputs.resultsDir, objective),
        artifactName: `${inputs.artifactName}-${objective}`
      },
      context,
      env,
      new Outputs(false)
    )
    if (second.verdict && !second.verdict.passed) {
      core.warning(
        `The ${objective} run recorded for pull requests did not pass (its report is in the job summary): it was not recorded as a baseline.`
      )
    }
  } catch (error) {
    core.warning(
      `The ${objective} run recorded for pull requests could not run: ${errorMessage(error)}`
    )
  }
}

/**
 * One run, stage by stage: prepare (profile → plan → script) → the mode
 * decided → measure (the mode's part: install, run, analyse; or merge) →
 * judge (k6, thresholds, the paired test) → compare (the baseline) →
 * report (files, job summary, annotations) → publish (baseline entry,
 * artifact, comment).
 *
 * Whatever is known is written before the next network step: the result
 * file and a first job summary before the baseline is read; the verdict,
 * the outputs, the report and the job summary before anything is uploaded
 * or posted. The network steps share one deadline (publish-timeout).
 */
async function runOnce(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  outputs: Outputs
): Promise<PipelineEnd> {
  const prepared = prepare(inputs, context, env)
  outputs.set('objective', prepared?.plan.objective)
  const step = startStep(inputs, context, env, prepared)
  const mode = resolveMode(inputs, prepared)
  if (mode.kind === 'generate-only') {
    await generateOnly(mode, step, outputs)
    return {}
  }
  if (mode.kind === 'validate') {
    await validateOnly(mode, step, outputs)
    return {}
  }
  const run = await measure(mode, step)
  const deadline = new Deadline(inputs.publishTimeoutMs)
  const judged = await judge(run, step, deadline)
  const view: RunView = {
    ...run,
    inputs,
    context: judged.context,
    redactor: step.redactor
  }
  setRunOutputs(outputs, view, judged)
  await writeJobSummary(
    renderReport(view, judged.verdict, { comparisonPending: true }),
    view.context
  )
  const baseline = await compareRun(run, judged, step, deadline)
  const verdict = applyRegressions(judged.verdict, baseline?.decision)
  setVerdictOutputs(outputs, verdict, baseline)
  const reports = await reportRun(view, verdict, baseline?.report, outputs)
  const markdown = await publishRun(
    view,
    { judged, verdict, baseline, reports, deadline },
    outputs
  )
  return { verdict, summary: run.analysis.summary, prepared, markdown }
}
