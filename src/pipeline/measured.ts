import * as fs from 'node:fs'
import type { Inputs } from '../action/inputs.js'
import type { K6Run } from '../k6/run.js'
import { planFingerprint, scriptFingerprint } from '../profile/fingerprint.js'
import type { ShardingView } from '../report/shards.js'
import type { RunAnalysis } from '../results/analyse.js'
import type { Mode } from './mode.js'
import type { PreparedRun } from './prepare.js'

/**
 * A run measured and analysed: what every mode gives the shared stages.
 * What the stages do differently for a mode is said here, as data.
 */
export interface Measured {
  k6Run: K6Run
  analysis: RunAnalysis
  k6Version: string
  /** What makes runs comparable, hashed. */
  fingerprint: string
  objective: string
  script: string
  prepared?: PreparedRun
  /**
   * A paired run: the URLs its targets' requests should go to. The
   * paired test judges analysis.paired.
   */
  pair?: { change: string; reference: string }
  /** The reference's own k6 run, when the script ran once per target. */
  reference?: K6Run
  /** This run was one shard, or the merge of the shards. */
  sharding?: ShardingView
  /**
   * What the baseline store compares and keeps: the run, the requests of
   * a paired run's change target, or nothing (a shard: the merge does).
   */
  baseline: 'run' | 'change-target' | 'none'
  /** Whether this run posts the pull request comment (a shard does not). */
  comments: boolean
  /** The artifact's name. */
  artifactName: string
  /** perf-gate's files of the mode, uploaded with the run's. */
  files: string[]
}

/** The objective the run had; `script` for a script without a profile. */
export function objectiveOf(
  mode: Exclude<Mode, { kind: 'generate-only' | 'validate' }>,
  inputs: Inputs,
  /** The shards' objective, for a merge without a profile. */
  recorded?: string
): string {
  return (
    mode.prepared?.plan.objective ?? inputs.objective ?? recorded ?? 'script'
  )
}

/** What makes runs comparable: the plan (or script), k6's major, shards. */
export function runFingerprint(
  inputs: Inputs,
  mode: { prepared?: PreparedRun; script: string },
  k6Version: string,
  shards?: number,
  /** A script of the user's run once per target, beside its reference. */
  pairedScript = false
): string {
  const { prepared } = mode
  const k6Major = k6Version.split('.')[0]
  return prepared
    ? planFingerprint(
        pairedScript ? { ...prepared.plan, paired: true } : prepared.plan,
        prepared.profile,
        k6Major,
        shards
      )
    : scriptFingerprint(
        readText(mode.script),
        inputs.k6Args,
        k6Major,
        shards,
        pairedScript
      )
}

/** The script's text for its fingerprint; its path when it cannot be read. */
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return file
  }
}
