import { createHash } from 'node:crypto'
import type { LoadPlan } from './plan.js'
import type { Profile } from './schema.js'

/**
 * What makes two runs comparable: the objective, the load shape, the
 * endpoints, the thresholds and k6's major version.
 */
export function planFingerprint(
  plan: LoadPlan,
  profile: Profile,
  k6Major: string,
  /** A sharded run's shard count: never compared with another count. */
  shards?: number
): string {
  return hash({
    objective: plan.objective,
    scenarios: plan.scenarios,
    endpoints: (profile.endpoints ?? []).map((e) => [
      e.name,
      e.method,
      e.path,
      e.weight
    ]),
    thresholds: plan.thresholds,
    k6: k6Major,
    // Only when scaled: unscaled plans keep the fingerprints they had.
    ...(plan.factors && (plan.factors.load !== 1 || plan.factors.duration !== 1)
      ? { factors: [plan.factors.load, plan.factors.duration] }
      : {}),
    ...(shards ? { shards } : {}),
    // Paired: the change had half the plan's load, beside its reference.
    ...(plan.paired ? { paired: true } : {})
  })
}

/**
 * Without a profile: the script's text, its arguments and k6's major
 * version decide what is comparable.
 */
export function scriptFingerprint(
  text: string,
  args: readonly string[],
  k6Major: string,
  shards?: number,
  /** Run twice at once, beside a reference: another load on the runner. */
  paired?: boolean
): string {
  return hash({
    text,
    args,
    k6: k6Major,
    ...(shards ? { shards } : {}),
    ...(paired ? { paired } : {})
  })
}

function hash(material: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(material))
    .digest('hex')
    .slice(0, 16)
}
