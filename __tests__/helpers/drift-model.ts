import { rng } from './noise-sim.js'

/** The independent part of each instance's speed, as a share. */
export const OWN_DRIFT = 0.01

/**
 * A run's speeds over time t (s): a shared wave of three random sinusoids
 * around a level drawn with sd `drift` (the runner slows and recovers),
 * times each instance's own small wander. The same seed gives the same
 * run in every process.
 */
export function speedModel(
  seed: number,
  drift: number
): (instance: 0 | 1, t: number) => number {
  const random = rng(seed)
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(random() || 1e-12)) *
    Math.cos(2 * Math.PI * random())
  const waves = [0, 1, 2].map(() => ({
    amp: (drift * normal()) / Math.sqrt(1.5),
    period: 4 + random() * 12,
    phase: random() * 2 * Math.PI
  }))
  const own = [0, 1].map(() => ({
    amp: OWN_DRIFT * normal(),
    period: 3 + random() * 8,
    phase: random() * 2 * Math.PI
  }))
  const level = 1 + drift * normal()
  return (instance, t) => {
    const shared = waves.reduce(
      (f, w) =>
        f * (1 + w.amp * Math.sin((2 * Math.PI * t) / w.period + w.phase)),
      level
    )
    const o = own[instance]
    return (
      shared * (1 + o.amp * Math.sin((2 * Math.PI * t) / o.period + o.phase))
    )
  }
}
