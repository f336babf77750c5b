import * as core from '@actions/core'
import { OUTCOME_LABEL, RAN_TO_THE_END } from '../../k6/run.js'
import {
  joinTargets,
  SampleColumns,
  type PairedSamples
} from '../../results/paired-samples.js'
import { withoutCredentials } from '../../shared/urls.js'
import { analyse } from '../analyse.js'
import { executePairedK6, obtainK6, pairedChangeUrl } from '../execute.js'
import type { Measured } from '../measured.js'
import type { Step } from '../step.js'
import { objectiveOf, runFingerprint } from '../measured.js'
import type { PairedMode } from '../mode.js'
import { checkTargetsAnswer } from '../targets.js'
import { runAndAnalyse } from './single.js'

/**
 * Paired A/B. A generated plan is one k6 run whose requests alternate
 * between the targets; the team's own script runs twice at once, once per
 * target, and the two runs' samples are joined. Either way the paired
 * test judges the change against the reference, bucket by bucket.
 */
export async function measurePaired(
  mode: PairedMode,
  step: Step
): Promise<Measured> {
  const { inputs, env } = step
  const k6 = await obtainK6(inputs, step.context)
  const own = mode.how === 'own-script'
  const change = pairedChangeUrl(inputs, env)
  const ran = own
    ? await runOwnScriptTwice(mode, step, k6)
    : await runAndAnalyse(mode, step, k6)
  return {
    ...ran,
    k6Version: k6.version,
    fingerprint: runFingerprint(inputs, mode, k6.version, undefined, own),
    objective: objectiveOf(mode, inputs),
    script: mode.script,
    prepared: mode.prepared,
    pair: {
      change: withoutCredentials(change?.url ?? ''),
      reference: withoutCredentials(mode.referenceUrl)
    },
    // A generated pair's files hold both targets' requests: the store
    // keeps the change's. A script run per target has the change's alone.
    baseline: own ? 'run' : 'change-target',
    comments: true,
    artifactName: inputs.artifactName,
    files: []
  }
}

/** The team's script, once per target at the same time; samples joined. */
async function runOwnScriptTwice(
  mode: PairedMode,
  step: Step,
  k6: Parameters<typeof executePairedK6>[0]
): Promise<Pick<Measured, 'k6Run' | 'analysis' | 'reference'>> {
  const { inputs, env, secrets } = step
  const change = pairedChangeUrl(inputs, env)
  await checkTargetsAnswer([
    ...(change ? [change] : []),
    { input: 'reference-url', url: mode.referenceUrl }
  ])
  const runs = await executePairedK6(
    k6,
    mode.script,
    { ...inputs, referenceUrl: mode.referenceUrl },
    env
  )
  const plan = mode.prepared?.plan
  const analysis = await analyse(
    runs.change,
    secrets,
    plan,
    'change',
    change?.url
  )
  const reference = await analyse(
    runs.reference,
    secrets,
    undefined,
    'reference',
    mode.referenceUrl
  )
  analysis.paired = joinTargets(
    analysis.paired ?? noSamples(),
    reference.paired ?? noSamples()
  )
  if (!RAN_TO_THE_END.includes(runs.reference.outcome)) {
    core.warning(
      `The reference's k6 run ended ${OUTCOME_LABEL[runs.reference.outcome]} (exit code ${runs.reference.exitCode}); ` +
        `its output is in ${runs.reference.logPath}. The paired comparison reads what it recorded.`
    )
  }
  return { k6Run: runs.change, analysis, reference: runs.reference }
}

function noSamples(): PairedSamples {
  return {
    samples: new SampleColumns(),
    failed: { change: 0, reference: 0 },
    requests: { change: 0, reference: 0 }
  }
}
