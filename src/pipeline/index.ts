import * as fs from 'node:fs'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { figure, type Outputs } from '../action/outputs.js'
import { verdictLabel, type Verdict } from '../judge/verdict.js'
import { planFingerprint, scriptFingerprint } from '../profile/fingerprint.js'
import { renderGenerateOnly } from '../report/load-plan.js'
import type { SummaryResult } from '../results/types.js'
import { InputError } from '../shared/errors.js'
import { analyse } from './analyse.js'
import { executeK6, obtainK6 } from './execute.js'
import { judge } from './judge.js'
import { prepare, writeGenerateOnly } from './prepare.js'
import { publish, writeJobSummary } from './publish.js'

/** How the pipeline ended, for main.ts to say so. */
export interface PipelineEnd {
  verdict?: Verdict
  summary?: SummaryResult
}

/**
 * DESIGN.md's pipeline, each stage a function of what the ones before it
 * gave: prepare (profile → plan → script) → install → run → analyse →
 * judge (thresholds, comparison, verdict) → publish (files, baseline,
 * artifact, job summary, comment). Outputs are gathered in `outputs`.
 */
export async function runPipeline(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  outputs: Outputs
): Promise<PipelineEnd> {
  const prepared = prepare(inputs, context, env)
  outputs.set('objective', prepared?.plan.objective)
  if (prepared && inputs.generateOnly) {
    writeGenerateOnly(prepared, inputs.resultsDir)
    await writeJobSummary(
      renderGenerateOnly(prepared, inputs.resultsDir),
      context
    )
    outputs.set('passed', true)
    return {}
  }
  const script = prepared?.scriptPath ?? inputs.script
  if (!script) {
    throw new InputError(
      'script',
      `is required without a profile: give the path of your k6 script, or add ${inputs.profileLabel}.`
    )
  }

  const k6 = await obtainK6(inputs, context)
  const k6Major = k6.version.split('.')[0]
  const fingerprint = prepared
    ? planFingerprint(prepared.plan, prepared.profile, k6Major)
    : scriptFingerprint(readText(script), inputs.k6Args, k6Major)
  outputs.set('k6Version', k6.version)
  outputs.set('fingerprint', fingerprint)
  const run = {
    inputs,
    context,
    k6Version: k6.version,
    objective: prepared?.plan.objective ?? inputs.objective ?? 'script',
    fingerprint,
    script,
    prepared,
    profile: prepared?.profile
  }

  const k6Run = await executeK6(k6, script, inputs, env)
  const analysis = await analyse(k6Run, [inputs.githubToken])
  const judged = await judge(k6Run, analysis, run)
  const { verdict } = judged
  outputs.set('exitCode', k6Run.exitCode)
  outputs.set('summaryPath', existing(k6Run.summaryPath))
  outputs.set('resultsPath', existing(k6Run.resultsPath))
  outputs.set('p95Ms', figure(analysis.figures?.p95Ms, 3))
  outputs.set('p99Ms', figure(analysis.figures?.p99Ms, 3))
  outputs.set('errorRate', figure(analysis.figures?.errorRate, 6))
  outputs.set('rps', figure(analysis.figures?.rps, 3))
  outputs.set('regressions', verdict.regressions?.regressions.length ?? 0)
  outputs.set('baselineSha', judged.baseline?.baselineSha)
  outputs.set('verdict', verdictLabel(verdict))
  outputs.set('passed', verdict.passed)

  const published = await publish(k6Run, analysis, judged, run)
  outputs.set('commentUrl', published.commentUrl)
  return { verdict, summary: analysis.summary }
}

function existing(file: string): string {
  return fs.existsSync(file) ? file : ''
}

/** The script's text for its fingerprint; its path when it cannot be read. */
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return file
  }
}
