import type { Measured } from '../measured.js'
import type { Step } from '../step.js'
import type { Mode } from '../mode.js'
import { measureMerge } from './merge.js'
import { measurePaired } from './paired.js'
import { measureShard } from './shard.js'
import { measureSingle } from './single.js'

type Measuring = Exclude<Mode, { kind: 'generate-only' | 'validate' }>
type ModeOf<K extends Measuring['kind']> = Extract<Measuring, { kind: K }>

/** Each mode's part: how it measures a run. One line a mode. */
const PARTS: {
  [K in Measuring['kind']]: (mode: ModeOf<K>, step: Step) => Promise<Measured>
} = {
  single: measureSingle,
  paired: measurePaired,
  shard: measureShard,
  merge: measureMerge
}

/** The run measured the mode's way. */
export function measure(mode: Measuring, step: Step): Promise<Measured> {
  const part = PARTS[mode.kind] as (m: Measuring, s: Step) => Promise<Measured>
  return part(mode, step)
}
