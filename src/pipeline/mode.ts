import type { Inputs } from '../action/inputs.js'
import type { Shard } from '../k6/segments.js'
import { InputError } from '../shared/errors.js'
import type { PreparedRun } from './prepare.js'
import { resolveShard } from './shards.js'

/**
 * The ways perf-gate runs, decided once from the inputs and the profile.
 * Every mode but generate-only has a part in modes/ that measures a run
 * and gives the shared stages (judge → compare → report → publish) the
 * same value; a new way of running is a new part and a line in
 * modes/index.ts.
 */
export type Mode =
  | GenerateOnlyMode
  | ValidateMode
  | SingleMode
  | PairedMode
  | ShardMode
  | MergeMode

/** Write the script a profile generates, with notes; run nothing. */
export interface GenerateOnlyMode {
  kind: 'generate-only'
  prepared: PreparedRun
}

/** The profile and the script checked (k6 inspect); no load is sent. */
export interface ValidateMode {
  kind: 'validate'
  prepared?: PreparedRun
  script: string
}

/** What every mode that runs k6, or reads what k6 wrote, knows. */
interface Runs {
  /** The profile, its plan and the script it wrote, when there is one. */
  prepared?: PreparedRun
  /** The script k6 runs: the generated one, or the team's own. */
  script: string
}

/** The whole load on this runner, one k6 run. */
export interface SingleMode extends Runs {
  kind: 'single'
}

/**
 * Paired A/B: the change and its reference under the same load at the
 * same moments. `generated`: one k6 run of a script that alternates
 * between the targets. `own-script`: the team's script run twice at
 * once, once per target.
 */
export interface PairedMode extends Runs {
  kind: 'paired'
  how: 'generated' | 'own-script'
  referenceUrl: string
}

/** One k6 execution segment of the load; the merge judges the whole. */
export interface ShardMode extends Runs {
  kind: 'shard'
  shard: Shard
}

/**
 * The shards of this workflow run (or of a k6-operator run, in
 * shardsDir) merged and judged as one run; no k6 runs.
 */
export interface MergeMode extends Runs {
  kind: 'merge'
  shardsDir?: string
}

/** The mode the inputs ask for. getInputs has refused what cannot go together. */
export function resolveMode(
  inputs: Inputs,
  prepared: PreparedRun | undefined
): Mode {
  if (inputs.generateOnly) {
    // getInputs refused generate-only without a profile to generate from.
    if (!prepared) throw new Error('generate-only without a profile')
    return { kind: 'generate-only', prepared }
  }
  const script = prepared?.scriptPath ?? inputs.script ?? ''
  if (inputs.merge) {
    return { kind: 'merge', prepared, script, shardsDir: inputs.shardsDir }
  }
  if (!script) {
    throw new InputError(
      'script',
      `is required without a profile: give the path of your k6 script, or add ${inputs.profileLabel}.`
    )
  }
  if (inputs.validateOnly) return { kind: 'validate', prepared, script }
  const shard = resolveShard(inputs, prepared)
  if (shard) return { kind: 'shard', prepared, script, shard }
  if (inputs.referenceUrl) {
    // A profile's generated plan pairs inside one script; any other
    // script (the script input, a profile's script:) runs once per target.
    const how = prepared?.plan.paired ? 'generated' : 'own-script'
    return {
      kind: 'paired',
      how,
      prepared,
      script,
      referenceUrl: inputs.referenceUrl
    }
  }
  return { kind: 'single', prepared, script }
}
