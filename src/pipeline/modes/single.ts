import { browserEnv } from '../../k6/browser.js'
import type { K6Binary } from '../../k6/install.js'
import type { K6Run } from '../../k6/run.js'
import type { RunAnalysis } from '../../results/analyse.js'
import { analyse } from '../analyse.js'
import { executeK6, obtainK6 } from '../execute.js'
import type { Measured } from '../measured.js'
import type { Step } from '../step.js'
import { objectiveOf, runFingerprint } from '../measured.js'
import type { SingleMode } from '../mode.js'
import { checkServiceHealth } from '../prepare.js'

/** The whole load on this runner: k6 installed, run once, analysed. */
export async function measureSingle(
  mode: SingleMode,
  step: Step
): Promise<Measured> {
  const { inputs } = step
  const k6 = await obtainK6(inputs, step.context)
  const { k6Run, analysis } = await runAndAnalyse(mode, step, k6)
  return {
    k6Run,
    analysis,
    k6Version: k6.version,
    fingerprint: runFingerprint(inputs, mode, k6.version),
    objective: objectiveOf(mode, inputs),
    script: mode.script,
    prepared: mode.prepared,
    baseline: 'run',
    comments: true,
    artifactName: inputs.artifactName,
    files: []
  }
}

/**
 * One k6 run of the mode's script, analysed: Chromium found and the
 * service's health asked first, then (a shard) the wait for the common
 * start, then k6 with perf-gate's own flags before the user's.
 */
export async function runAndAnalyse(
  mode: Pick<SingleMode, 'prepared' | 'script'>,
  step: Step,
  k6: K6Binary,
  segment: { args: string[]; beforeStart: () => Promise<void> } = {
    args: [],
    beforeStart: () => Promise.resolve()
  }
): Promise<{ k6Run: K6Run; analysis: RunAnalysis }> {
  const { inputs, env } = step
  const { prepared } = mode
  // Chromium is found before the shard waits or k6 starts.
  const k6Env = prepared?.profile.browser ? { ...env, ...browserEnv(env) } : env
  const healthChecked = prepared
    ? await checkServiceHealth(prepared, inputs, env)
    : false
  await segment.beforeStart()
  const k6Run = await executeK6(k6, mode.script, inputs, k6Env, {
    durationS:
      prepared?.plan.ownScript === undefined
        ? prepared?.plan.durationS
        : undefined,
    ownArgs: segment.args,
    healthChecked
  })
  const analysis = await analyse(k6Run, step.secrets, prepared?.plan)
  return { k6Run, analysis }
}
