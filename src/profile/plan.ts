import { parseMetricKey } from '../k6/thresholds.js'
import {
  OBJECTIVES,
  type CapacityModel,
  type Objective,
  type ObjectiveOverride,
  type Profile,
  type Slo
} from './schema.js'
import { durationSeconds, formatDuration } from '../shared/duration.js'

export class PlanError extends Error {
  /**
   * @param keyPath the profile key the problem is about, when there is one:
   *   the caller places the message at its file:line:col.
   */
  constructor(
    message: string,
    readonly keyPath?: (string | number)[]
  ) {
    super(message)
    this.name = 'PlanError'
  }
}

/** The default objective for each trigger. */
const DEFAULT_TRIGGERS: Record<string, Objective> = {
  pull_request: 'smoke',
  pull_request_target: 'smoke',
  push: 'load',
  schedule: 'soak'
}

/**
 * Each objective's rate as a share of the test target: the rate it holds,
 * or the peak of its ramp (capacity climbs to 3× the target).
 */
const OBJECTIVE_SHARE: Record<Objective, number> = {
  smoke: 0,
  baseline: 0.5,
  load: 1,
  stress: 1.5,
  spike: 3,
  soak: 0.6,
  capacity: 3
}

/** Something of the plan a person should know before it runs. */
export type PlanWarning =
  /** A paired plan with fewer pairs than catch a change 10% slower. */
  | { kind: 'few-pairs'; pairs: number; needed: number }
  /** A soak longer than a GitHub-hosted job may run. */
  | { kind: 'soak-too-long'; durationS: number }
  /** Endpoint weights that do not add up to 100, as normalised. */
  | {
      kind: 'weights-normalised'
      total: number
      shares: { name: string; percent: number }[]
    }

interface ObjectiveChoice {
  objective: Objective
  /** Why, in words for the job summary. */
  reason: string
}

/** input `objective` > dispatch input > profile triggers > defaults > load. */
export function chooseObjective(options: {
  input?: string
  eventName: string
  dispatchObjective?: string
  triggers?: Record<string, Objective>
}): ObjectiveChoice {
  const check = (value: string, source: string): Objective => {
    if (!(OBJECTIVES as readonly string[]).includes(value)) {
      throw new PlanError(
        `${source}: unknown objective '${value}'; use one of ${OBJECTIVES.join(', ')}`
      )
    }
    return value as Objective
  }
  if (options.input) {
    return {
      objective: check(options.input, "Input 'objective'"),
      reason: 'the objective input'
    }
  }
  if (options.eventName === 'workflow_dispatch' && options.dispatchObjective) {
    return {
      objective: check(
        options.dispatchObjective,
        "workflow_dispatch input 'objective'"
      ),
      reason: 'the objective chosen for this manual run'
    }
  }
  const fromProfile = options.triggers?.[options.eventName]
  if (fromProfile)
    return {
      objective: fromProfile,
      reason: `objectives.triggers.${options.eventName} in the profile`
    }
  const fallback = DEFAULT_TRIGGERS[options.eventName]
  if (fallback)
    return {
      objective: fallback,
      reason: `the default for ${options.eventName} events`
    }
  return {
    objective: 'load',
    reason: `no objective is set for ${options.eventName || 'this'} event; load is the default`
  }
}

export interface CapacityPlan {
  factor: number
  /** How the factor was found, as a formula. */
  formula: string
  productionRps: number
  /** production.peak_rps: the spike objective's peak, scaled by the factor. */
  productionPeakRps?: number
  /** Test environment target: production ÷ factor, rounded. */
  targetRps: number
  rates: Record<Objective, number>
  /** Little's law: target × response time. */
  vus: number
  maxVus: number
  /** The response time and headroom the VUs were sized with. */
  responseTimeS: number
  headroom: number
}

/**
 * The capacity model: production target ÷ factor = the test target; each
 * objective's rate is a share of that; VUs from Little's law.
 */
export function capacityPlan(model: CapacityModel): CapacityPlan {
  let factor: number
  let formula: string
  if (model.factor !== undefined) {
    factor = model.factor * model.reality_adjustment
    formula =
      model.reality_adjustment === 1
        ? `factor ${fmt(model.factor)} (given)`
        : `factor ${fmt(model.factor)} × reality ${fmt(model.reality_adjustment)} = ${fmt(factor)}`
  } else if (model.test && model.production_resources) {
    const t = model.test
    const p = model.production_resources
    const cpu =
      (p.cpu * p.replicas * p.efficiency) / (t.cpu * t.replicas * t.efficiency)
    const ram =
      p.ram_mb !== undefined && t.ram_mb !== undefined
        ? (p.ram_mb * p.replicas * p.efficiency) /
          (t.ram_mb * t.replicas * t.efficiency)
        : undefined
    const bottleneck = ram !== undefined ? Math.min(cpu, ram) : cpu
    factor = bottleneck * model.reality_adjustment
    formula =
      `min(cpu ${fmt(cpu)}${ram !== undefined ? `, ram ${fmt(ram)}` : ''}) × reality ${fmt(model.reality_adjustment)} = ${fmt(factor)} ` +
      '(resources × replicas × efficiency, production ÷ test)'
  } else {
    throw new PlanError(
      'give either factor, or both test and production_resources',
      ['capacity']
    )
  }
  if (!(factor > 0))
    throw new PlanError(`the factor must be positive, got ${factor}`, [
      'capacity'
    ])
  const targetRps = Math.round(model.production.rps / factor)
  if (targetRps <= 0) {
    throw new PlanError(
      `production ${model.production.rps} req/s ÷ factor ${fmt(factor)} rounds to ${targetRps} req/s in the test environment; nothing to test: check the factor`,
      ['capacity', 'production', 'rps']
    )
  }
  const rates = Object.fromEntries(
    OBJECTIVES.map((o) => [o, Math.round(targetRps * OBJECTIVE_SHARE[o])])
  ) as Record<Objective, number>
  // A spike reaches production's own peak, scaled the same way, when known.
  const peakRps = model.production.peak_rps
  if (peakRps !== undefined) rates.spike = Math.round(peakRps / factor)
  const vus = Math.ceil(targetRps * model.response_time_s)
  return {
    factor,
    formula,
    productionRps: model.production.rps,
    productionPeakRps: peakRps,
    targetRps,
    rates,
    vus,
    maxVus: Math.ceil(vus * model.headroom),
    responseTimeS: model.response_time_s,
    headroom: model.headroom
  }
}

export interface Scenario {
  executor:
    | 'constant-vus'
    | 'constant-arrival-rate'
    | 'ramping-arrival-rate'
    | 'shared-iterations'
  [option: string]: unknown
}

interface ThresholdSpec {
  threshold: string
  abortOnFail?: boolean
  delayAbortEval?: string
}

export interface Stage {
  duration: string
  target: number
}

export interface LoadPlan {
  objective: Objective
  reason: string
  scenarios: Record<string, Scenario>
  thresholds: Record<string, (string | ThresholdSpec)[]>
  capacity?: CapacityPlan
  /** Iterations per second the objective aims at (its peak), when rate-based. */
  rate?: number
  /** The most VUs the plan may use (maxVUs, or vus). */
  peakVus: number
  /** How long the load runs, in seconds (stages added up). */
  durationS: number
  /** What a person should know of the plan (report/load-plan.ts says it). */
  warnings: PlanWarning[]
  /** Endpoint weights as shares summing to 1, in profile order. */
  weights: number[]
  /** Independent pools: one scenario each (named by the pool). */
  pools?: PoolPlan[]
  /** Paired A/B: each iteration to the change and the reference. */
  paired?: boolean
  /** The scale factors applied to the scenario (1 and 1: none). */
  factors?: PlanFactors
  /**
   * k6's `rps` option: the most requests per second in all, set when a
   * scenario's VUs run without a rate of their own (max-rps).
   */
  rps?: number
  /**
   * The profile's own script (as written there): its scenarios run, so
   * the plan has none; the profile adds only its thresholds.
   */
  ownScript?: string
}

/** A pool as it runs: its scenario, endpoints and share of the load. */
interface PoolPlan {
  name: string
  /** Indexes into the profile's endpoints, and their weights within the pool (summing to 1). */
  endpoints: number[]
  weights: number[]
  /** Its share of the objective's load, or the rate of its own. */
  share?: number
  ownRate?: number
  startS: number
  /** Iterations/s at its peak (rate-based objectives), and its most VUs. */
  rate?: number
  peakVus: number
  durationS: number
}

const FACTORS = ['load_factor', 'duration_factor'] as const

/** Which override fields each objective reads; the others are rejected. */
export const OBJECTIVE_FIELDS: Record<Objective, readonly string[]> = {
  smoke: ['duration', 'rate', 'vus', ...FACTORS],
  baseline: ['duration', 'rate', 'share', 'vus', ...FACTORS],
  soak: ['duration', 'rate', 'share', 'vus', ...FACTORS],
  load: ['duration', 'rate', 'share', 'vus', 'stages', ...FACTORS],
  stress: ['duration', 'rate', 'share', 'vus', 'stages', ...FACTORS],
  spike: ['duration', 'rate', 'share', 'vus', 'stages', ...FACTORS],
  capacity: ['duration', 'rate', 'share', 'vus', 'stages', ...FACTORS]
}

/** Scale factors for a run: the inputs', else the objective's, else 1. */
export interface FactorInputs {
  load?: number
  duration?: number
  /**
   * Paired A/B (input reference-url): each iteration sends its request to
   * the change and to the reference, so the iteration rate is halved and
   * the plan's request rate is split evenly between them.
   */
  paired?: boolean
}

interface PlanFactors {
  /** Every rate and VU count was multiplied by it. */
  load: number
  /** Every duration was multiplied by it. */
  duration: number
  /** Where each came from, for the plan's words. */
  from: { load: FactorSource; duration: FactorSource }
}

type FactorSource = 'input' | 'profile' | 'none'

function resolveFactors(
  override: ObjectiveOverride,
  inputs: FactorInputs | undefined
): PlanFactors {
  const pick = (
    input: number | undefined,
    profile: number | undefined
  ): [number, FactorSource] =>
    input !== undefined
      ? [input, 'input']
      : profile !== undefined
        ? [profile, 'profile']
        : [1, 'none']
  const [load, loadFrom] = pick(inputs?.load, override.load_factor)
  const [dur, durFrom] = pick(inputs?.duration, override.duration_factor)
  return { load, duration: dur, from: { load: loadFrom, duration: durFrom } }
}

/**
 * A factor that would take the plan below what k6 can run (a rate under
 * one iteration per second, a run under a second) is refused: flooring
 * it at 1 would run something the profile never said.
 */
function checkFactors(
  objective: Objective,
  scenario: Scenario,
  durationS: number,
  f: PlanFactors
): void {
  const where = (kind: 'load' | 'duration'): (string | number)[] | undefined =>
    f.from[kind] === 'profile'
      ? ['objectives', objective, `${kind}_factor`]
      : undefined
  const name = (kind: 'load' | 'duration'): string =>
    f.from[kind] === 'input' ? `input ${kind}-factor` : `${kind}_factor`
  const rates = [
    scenario.rate,
    ...((scenario.stages as Stage[] | undefined) ?? []).map((st) => st.target)
  ].filter((r): r is number => typeof r === 'number' && r > 0)
  const peak = Math.max(...rates)
  if (f.load < 1 && rates.length > 0 && peak * f.load < 1) {
    throw new PlanError(
      `${name('load')} ${f.load} takes objective ${objective}'s rate of ${peak} iterations/s to ${Number((peak * f.load).toPrecision(2))}/s: ` +
        `below one a second the plan is not the profile's; use ${Number((1 / peak).toPrecision(2))} or more`,
      where('load')
    )
  }
  if (f.duration < 1 && durationS * f.duration < 1) {
    throw new PlanError(
      `${name('duration')} ${f.duration} takes objective ${objective}'s ${formatDuration(durationS)} to ${Number((durationS * f.duration).toPrecision(2))}s: ` +
        `k6 runs nothing under a second; use ${Number((1 / durationS).toPrecision(2))} or more`,
      where('duration')
    )
  }
}

/**
 * The scenario with every rate and VU count times the load factor (a
 * positive rate never below 1, VUs never below 1) and every duration times
 * the duration factor (whole seconds, at least 1).
 */
function scaleScenario(scenario: Scenario, f: PlanFactors): Scenario {
  const rate = (v: number) => (v > 0 ? Math.max(1, Math.round(v * f.load)) : 0)
  const vus = (v: number) => Math.max(1, Math.ceil(v * f.load))
  const time = (d: string) =>
    `${Math.max(1, Math.round(seconds(d) * f.duration))}s`
  const out: Scenario = { ...scenario }
  if (typeof out.vus === 'number') out.vus = vus(out.vus)
  if (typeof out.rate === 'number') out.rate = rate(out.rate)
  if (typeof out.duration === 'string') out.duration = time(out.duration)
  if (typeof out.preAllocatedVUs === 'number') {
    const pre = vus(out.preAllocatedVUs)
    out.preAllocatedVUs = pre
    out.maxVUs = Math.max(pre, vus(out.maxVUs as number))
  }
  if (Array.isArray(out.stages)) {
    out.stages = (out.stages as Stage[]).map((st) => ({
      duration: time(st.duration),
      target: rate(st.target)
    }))
  }
  return out
}

const SIX_HOURS_S = 6 * 3600
/**
 * Smoke, by default: 10 iterations/s for a minute, 600 requests, so every
 * endpoint of weight 10% or more gets the 20 requests its median needs to
 * be judged, and the run's p95 its 200 (measured: __tests__/judgeable.test.ts).
 * With `vus` instead, VUs run as fast as they go (held to max-rps).
 */
const SMOKE_RATE = 10
const SMOKE_VUS = 2

/**
 * Pure: the profile and the chosen objective → k6 scenarios and
 * thresholds. Every field of the objective's override takes effect:
 * `rate` or `share` sets the objective's rate (its peak for ramping
 * shapes), `duration` the whole run (a ramping shape's stages scaled to
 * it), `vus` the VUs (pre-allocated ones for arrival-rate executors),
 * `stages` the ramp itself. load.ts rejects a field an objective does not
 * read, at its line.
 */
export function planLoad(
  profile: Profile,
  choice: ObjectiveChoice,
  factorInputs?: FactorInputs
): LoadPlan {
  if (profile.script) return ownScriptPlan(profile, choice)
  const warnings: PlanWarning[] = []
  const objective = choice.objective
  const override: ObjectiveOverride = profile.objectives?.[objective] ?? {}
  const model = profile.capacity
  // The model's own rates build the shape (scaled once, below); the plan
  // shows them as this profile runs them.
  const unscaled = model ? capacityPlan(model) : undefined
  const capacity = unscaled
    ? withOverrides(unscaled, profile, factorInputs)
    : undefined
  const responseTime = model?.response_time_s ?? 0.5
  const headroom = model?.headroom ?? 2
  const vusFor = (
    peak: number
  ): { preAllocatedVUs: number; maxVUs: number } => {
    const pre = Math.max(1, override.vus ?? Math.ceil(peak * responseTime))
    return {
      preAllocatedVUs: pre,
      maxVUs: Math.max(pre, Math.ceil(pre * headroom))
    }
  }
  const shape = objectiveShape(objective, override, {
    rate: () =>
      objectiveRate(objective, override, unscaled, capacity?.targetRps),
    vusFor,
    iterationS: responseTime + (profile.think_time?.max ?? 0),
    headroom
  })
  const factors = resolveFactors(override, factorInputs)
  checkFactors(objective, shape.scenario, shape.durationS, factors)
  const scaled =
    factors.load !== 1 || factors.duration !== 1
      ? scaledShape(shape.scenario, factors)
      : shape
  const { durationS } = scaled
  let { scenario, peakRate } = scaled
  if (factorInputs?.paired) {
    scenario = pairedScenario(scenario)
    if (peakRate !== undefined) peakRate = scenarioPeak(scenario)
    warnings.push(...pairedWarnings(scenario))
  }
  if (objective === 'soak' && durationS > SIX_HOURS_S) {
    warnings.push({ kind: 'soak-too-long', durationS })
  }

  const weights = normalisedWeights(profile, warnings)
  const abort =
    objective === 'capacity'
      ? { delay: '10s' }
      : profile.thresholds?.abort_on_fail
  const plan: LoadPlan = {
    objective,
    reason: choice.reason,
    scenarios: { [objective]: scenario },
    thresholds: thresholdsFor(profile, abort),
    capacity,
    rate: peakRate,
    peakVus: scenarioVus(scenario),
    durationS,
    warnings,
    weights,
    factors,
    ...(factorInputs?.paired ? { paired: true } : {})
  }
  const pooled = profile.pools
    ? withPools(plan, profile, scenario, factors, vusFor)
    : plan
  const planned = profile.browser
    ? withBrowser(pooled, profile, factors)
    : pooled
  return planned.paired
    ? { ...planned, thresholds: changeThresholds(planned.thresholds, profile) }
    : planned
}

/** A profile that names its own script: its thresholds, no scenarios. */
function ownScriptPlan(profile: Profile, choice: ObjectiveChoice): LoadPlan {
  return {
    objective: choice.objective,
    reason: choice.reason,
    scenarios: {},
    thresholds: thresholdsFor(profile, profile.thresholds?.abort_on_fail),
    peakVus: 0,
    durationS: 0,
    warnings: [],
    weights: [],
    ownScript: profile.script
  }
}

/**
 * The objective's request rate: its own `rate`, its `share` of the
 * capacity model's target, or the model's rate for it.
 */
function objectiveRate(
  objective: Objective,
  override: ObjectiveOverride,
  unscaled: CapacityPlan | undefined,
  target: number | undefined
): number {
  if (override.rate !== undefined) return override.rate
  if (target === undefined) {
    throw new PlanError(
      `objective ${objective} needs a request rate: add a capacity section, or objectives.${objective}.rate`,
      ['objectives', objective]
    )
  }
  const value =
    override.share !== undefined
      ? Math.round(target * override.share)
      : (unscaled?.rates[objective] as number)
  if (value <= 0)
    throw new PlanError(
      `objective ${objective}: a rate of ${value} iterations/s is not a test; raise the share`,
      override.share !== undefined
        ? ['objectives', objective, 'share']
        : ['capacity']
    )
  return value
}

/**
 * The objective's k6 scenario before any factor: smoke at a small
 * constant rate (or VUs), baseline and soak at a constant rate, the
 * others on a ramp.
 */
function objectiveShape(
  objective: Objective,
  override: ObjectiveOverride,
  how: {
    /** The objective's rate, read only by the shapes that need one. */
    rate: () => number
    vusFor: (peak: number) => { preAllocatedVUs: number; maxVUs: number }
    /** How long an iteration lasts: a response and the think time after it. */
    iterationS: number
    headroom: number
  }
): { scenario: Scenario; peakRate?: number; durationS: number } {
  if (objective === 'smoke') {
    const duration = override.duration ?? '1m'
    if (override.vus !== undefined) {
      return {
        scenario: { executor: 'constant-vus', vus: override.vus, duration },
        durationS: seconds(duration)
      }
    }
    const peakRate = override.rate ?? SMOKE_RATE
    const pre = Math.max(SMOKE_VUS, Math.ceil(peakRate * how.iterationS))
    return {
      scenario: {
        executor: 'constant-arrival-rate',
        rate: peakRate,
        timeUnit: '1s',
        duration,
        preAllocatedVUs: pre,
        maxVUs: Math.ceil(pre * how.headroom)
      },
      peakRate,
      durationS: seconds(duration)
    }
  }
  if (objective === 'baseline' || objective === 'soak') {
    const peakRate = how.rate()
    const duration = override.duration ?? (objective === 'soak' ? '2h' : '5m')
    return {
      scenario: {
        executor: 'constant-arrival-rate',
        rate: peakRate,
        timeUnit: '1s',
        duration,
        ...how.vusFor(peakRate)
      },
      peakRate,
      durationS: seconds(duration)
    }
  }
  const stages =
    override.stages ??
    scaleStages(objective, rampStages(objective, how.rate()), override.duration)
  const peakRate = Math.max(...stages.map((s) => s.target))
  return {
    scenario: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      stages,
      ...how.vusFor(peakRate)
    },
    peakRate,
    durationS: stages.reduce((sum, s) => sum + seconds(s.duration), 0)
  }
}

/** The shape with every rate and duration times the factors. */
function scaledShape(
  scenario: Scenario,
  factors: PlanFactors
): { scenario: Scenario; peakRate?: number; durationS: number } {
  const scaled = scaleScenario(scenario, factors)
  const stages = scaled.stages as Stage[] | undefined
  return {
    scenario: scaled,
    peakRate: scenarioPeak(scaled),
    durationS: stages
      ? stages.reduce((sum, st) => sum + seconds(st.duration), 0)
      : seconds(scaled.duration as string)
  }
}

/** A paired plan too short for a firm paired verdict. */
function pairedWarnings(scenario: Scenario): PlanWarning[] {
  const pairs = plannedIterations(scenario)
  if (pairs === undefined || pairs >= PAIRS_FOR_TEN_PERCENT) return []
  return [
    {
      kind: 'few-pairs',
      pairs: Math.round(pairs),
      needed: PAIRS_FOR_TEN_PERCENT
    }
  ]
}

/** Two requests an iteration: half the iterations, the same requests/s. */
function pairedScenario(scenario: Scenario): Scenario {
  const half = (v: number): number =>
    v > 0 ? Math.max(1, Math.round(v / 2)) : 0
  const out = { ...scenario }
  if (typeof out.rate === 'number') out.rate = half(out.rate)
  if (Array.isArray(out.stages)) {
    out.stages = (out.stages as Stage[]).map((st) => ({
      ...st,
      target: half(st.target)
    }))
  }
  return out
}

/**
 * A paired plan's thresholds judge the change: each one on a metric of
 * the requests (their latency, failures, checks, a follow-up's trend) is
 * narrowed to `target:change`, so that a slow reference fails nothing
 * and its fast requests hide nothing. The requests/s floor stays on all
 * requests (the plan's rate is split over both targets), and so do the
 * metrics without a target (VUs, iterations, the browser's).
 */
function changeThresholds(
  thresholds: LoadPlan['thresholds'],
  profile: Profile
): LoadPlan['thresholds'] {
  const follows = new Set(
    (profile.endpoints ?? []).flatMap((e) => e.follow?.metric ?? [])
  )
  const out: LoadPlan['thresholds'] = {}
  for (const [key, list] of Object.entries(thresholds)) {
    const { metric, tags } = parseMetricKey(key)
    const scoped =
      (/^http_req_/.test(metric) ||
        metric === 'checks' ||
        follows.has(metric)) &&
      tags.target === undefined
        ? key.endsWith('}')
          ? `${key.slice(0, -1)},target:change}`
          : `${key}{target:change}`
        : key
    out[scoped] = [...(out[scoped] ?? []), ...list]
  }
  return out
}

/** The scenario of the browser journey, and the exported function it runs. */
const BROWSER_SCENARIO = 'browser'
export const BROWSER_FUNCTION = 'browserJourney'

/**
 * The browser journey beside the load: its own scenario (shared
 * iterations, Chromium), its VUs times the load factor, its longest
 * duration times the duration factor, its thresholds added.
 */
function withBrowser(
  plan: LoadPlan,
  profile: Profile,
  factors: PlanFactors
): LoadPlan {
  const journey = profile.browser!
  // shared-iterations wants no more VUs than iterations.
  const vus = Math.min(
    journey.iterations,
    Math.max(1, Math.ceil(journey.vus * factors.load))
  )
  const scenario: Scenario = {
    executor: 'shared-iterations',
    vus,
    iterations: journey.iterations,
    maxDuration: `${Math.max(1, Math.round(seconds(journey.max_duration) * factors.duration))}s`,
    exec: BROWSER_FUNCTION,
    options: { browser: { type: 'chromium' } }
  }
  const thresholds = { ...plan.thresholds }
  for (const [metric, list] of Object.entries(journey.thresholds ?? {})) {
    thresholds[metric] = [...(thresholds[metric] ?? []), ...list]
  }
  return {
    ...plan,
    scenarios: { ...plan.scenarios, [BROWSER_SCENARIO]: scenario },
    thresholds,
    peakVus: plan.peakVus + vus
  }
}

function scenarioVus(scenario: Scenario): number {
  return scenario.executor === 'constant-vus'
    ? (scenario.vus as number)
    : (scenario.maxVUs as number)
}

/**
 * Pairs a paired run needs to catch a change 10% slower (paired.test.ts:
 * 30 s at 20 pairs/s, 160 of 160 runs; 14 s, 85–95%).
 */
const PAIRS_FOR_TEN_PERCENT = 600

/**
 * The requests each endpoint will get (per target, in a paired plan), by
 * name; undefined when a scenario's VUs run at their own pace (how many
 * they send depends on how fast the service answers).
 */
export function plannedRequests(
  plan: LoadPlan,
  endpoints: readonly { name: string }[]
): Map<string, number> | undefined {
  const out = new Map<string, number>()
  const add = (i: number, n: number): void => {
    const name = endpoints[i].name
    out.set(name, (out.get(name) ?? 0) + n)
  }
  if (plan.ownScript !== undefined) return undefined
  if (plan.pools) {
    for (const pool of plan.pools) {
      const iterations = plannedIterations(plan.scenarios[pool.name])
      if (iterations === undefined) return undefined
      pool.endpoints.forEach((e, k) => add(e, iterations * pool.weights[k]))
    }
    return out
  }
  const iterations = plannedIterations(plan.scenarios[plan.objective])
  if (iterations === undefined) return undefined
  plan.weights.forEach((w, i) => add(i, iterations * w))
  return out
}

/** An arrival-rate scenario's iterations; a VU scenario's are unknown. */
function plannedIterations(scenario: Scenario | undefined): number | undefined {
  if (!scenario) return undefined
  const unit = seconds(String(scenario.timeUnit ?? '1s')) || 1
  if (scenario.executor === 'constant-arrival-rate') {
    return (
      ((scenario.rate as number) * seconds(String(scenario.duration))) / unit
    )
  }
  if (scenario.executor === 'ramping-arrival-rate') {
    let from = (scenario.startRate as number | undefined) ?? 0
    let total = 0
    for (const st of scenario.stages as Stage[]) {
      total += ((from + st.target) / 2) * seconds(st.duration)
      from = st.target
    }
    return total / unit
  }
  return undefined
}

function scenarioPeak(scenario: Scenario): number | undefined {
  const stages = scenario.stages as Stage[] | undefined
  return stages
    ? Math.max(...stages.map((st) => st.target))
    : (scenario.rate as number | undefined)
}

/**
 * The objective's load split into pools: a pool with a share runs the
 * objective's shape with that share of every rate and VU count (at least
 * 1), from its start time on; a pool with a rate of its own holds it
 * (times the load factor) from its start time to the end of the run.
 * Each is one k6 scenario, named by the pool, running its own function.
 */
function withPools(
  plan: LoadPlan,
  profile: Profile,
  objectiveScenario: Scenario,
  factors: PlanFactors,
  vusFor: (peak: number) => { preAllocatedVUs: number; maxVUs: number }
): LoadPlan {
  const endpoints = profile.endpoints ?? []
  const scenarios: Record<string, Scenario> = {}
  const pools: PoolPlan[] = []
  const thresholds = { ...plan.thresholds }
  for (const [p, pool] of (profile.pools ?? []).entries()) {
    const startS = pool.start_time
      ? Math.round(seconds(pool.start_time) * factors.duration)
      : 0
    const shaped = poolShape(pool, p, startS, {
      plan,
      objectiveScenario,
      factors,
      vusFor
    })
    const { durationS } = shaped
    let { scenario } = shaped
    if (startS > 0) scenario = { ...scenario, startTime: `${startS}s` }
    scenarios[pool.name] = {
      ...scenario,
      exec: poolFunction(p),
      tags: { pool: pool.name }
    }
    const members = pool.endpoints.map((name) =>
      endpoints.findIndex((e) => e.name === name)
    )
    const total = members.reduce((sum, i) => sum + endpoints[i].weight, 0)
    pools.push({
      name: pool.name,
      endpoints: members,
      weights: members.map((i) => endpoints[i].weight / total),
      share: pool.share,
      ownRate: pool.rate,
      startS,
      rate: scenarioPeak(scenario),
      peakVus: scenarioVus(scenario),
      durationS
    })
    Object.assign(thresholds, poolThresholds(pool, plan, profile))
  }
  const rates = pools.map((p) => p.rate)
  return {
    ...plan,
    scenarios,
    thresholds,
    pools,
    rate: rates.every((r) => r !== undefined)
      ? rates.reduce((sum, r) => sum + (r as number), 0)
      : plan.rate,
    peakVus: pools.reduce((sum, p) => sum + p.peakVus, 0),
    durationS: Math.max(...pools.map((p) => p.startS + p.durationS))
  }
}

/**
 * A pool's scenario: the objective's shape times its share, or its own
 * rate from its start to the end of the run.
 */
function poolShape(
  pool: NonNullable<Profile['pools']>[number],
  index: number,
  startS: number,
  of: {
    plan: LoadPlan
    objectiveScenario: Scenario
    factors: PlanFactors
    vusFor: (peak: number) => { preAllocatedVUs: number; maxVUs: number }
  }
): { scenario: Scenario; durationS: number } {
  const { plan } = of
  if (pool.share !== undefined) {
    return {
      scenario: scaleScenario(of.objectiveScenario, {
        load: pool.share,
        duration: 1,
        from: { load: 'profile', duration: 'none' }
      }),
      durationS: plan.durationS
    }
  }
  const durationS = plan.durationS - startS
  if (durationS < 1) {
    throw new PlanError(
      `pool ${pool.name} starts at ${formatDuration(startS)}, when the ${plan.objective} run of ${formatDuration(plan.durationS)} is over: start it earlier`,
      ['pools', index, 'start_time']
    )
  }
  // Paired, each iteration sends to both targets: half the iterations.
  const rate = Math.max(
    1,
    Math.round(
      ((pool.rate as number) * of.factors.load) / (plan.paired ? 2 : 1)
    )
  )
  return {
    scenario: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: `${durationS}s`,
      ...of.vusFor(rate)
    },
    durationS
  }
}

/** A pool's own thresholds, on its requests alone (tagged with the pool). */
function poolThresholds(
  pool: NonNullable<Profile['pools']>[number],
  plan: LoadPlan,
  profile: Profile
): LoadPlan['thresholds'] {
  const suffix = `{pool:${pool.name}}`
  const thresholds: LoadPlan['thresholds'] = {}
  for (const [metric, list] of Object.entries(
    thresholdsFor(
      {
        thresholds: {
          slo: pool.thresholds?.slo,
          k6: pool.thresholds?.k6 && {
            http_req_duration: pool.thresholds.k6
          }
        }
      } as Profile,
      plan.objective === 'capacity'
        ? { delay: '10s' }
        : profile.thresholds?.abort_on_fail
    )
  )) {
    thresholds[`${metric}${suffix}`] = list
  }
  return thresholds
}

/** The exported function a pool's scenario runs. */
export function poolFunction(index: number): string {
  return `pool${index}`
}

/**
 * The capacity model's rates as this profile runs them: an objective's
 * own `rate`, or its `share` of the target, replaces the model's default
 * (a ramp of its own `stages` shows its peak), times its load factor, so
 * the plan's table says what each objective would send.
 */
function withOverrides(
  capacity: CapacityPlan,
  profile: Profile,
  factorInputs: FactorInputs | undefined
): CapacityPlan {
  const rates = { ...capacity.rates }
  for (const o of OBJECTIVES) {
    const override: ObjectiveOverride = profile.objectives?.[o] ?? {}
    if (override.rate !== undefined) rates[o] = override.rate
    else if (override.share !== undefined)
      rates[o] = Math.round(capacity.targetRps * override.share)
    else if (override.stages)
      rates[o] = Math.max(...override.stages.map((st) => st.target))
    const { load } = resolveFactors(override, factorInputs)
    if (load !== 1 && rates[o] > 0) {
      rates[o] = Math.max(1, Math.round(rates[o] * load))
    }
  }
  return { ...capacity, rates }
}

/**
 * Each ramping objective's shape, around its rate: load ramps to it and
 * holds; stress holds it, then a third more; spike jumps from a third of
 * it to it and back; capacity climbs to it in 12 steps.
 */
function rampStages(objective: Objective, rate: number): Stage[] {
  const at = (share: number): number => Math.round(rate * share)
  switch (objective) {
    case 'load':
      return [
        { duration: '1m', target: rate },
        { duration: '5m', target: rate }
      ]
    case 'stress':
      return [
        { duration: '2m', target: rate },
        { duration: '3m', target: rate },
        { duration: '2m', target: at(4 / 3) },
        { duration: '3m', target: at(4 / 3) },
        { duration: '1m', target: 0 }
      ]
    case 'spike':
      return [
        { duration: '1m', target: at(1 / 3) },
        { duration: '30s', target: rate },
        { duration: '1m', target: rate },
        { duration: '30s', target: at(1 / 3) },
        { duration: '1m', target: at(1 / 3) }
      ]
    default: {
      const stages: Stage[] = []
      for (let step = 1; step <= 12; step++) {
        stages.push({ duration: '10s', target: at(step / 12) })
        stages.push({ duration: '1m', target: at(step / 12) })
      }
      return stages
    }
  }
}

/**
 * The stages stretched or shrunk to last `duration` in all: whole seconds,
 * at least one each, shared by the largest remainders so they add up.
 */
function scaleStages(
  objective: Objective,
  stages: Stage[],
  duration: string | undefined
): Stage[] {
  if (duration === undefined) return stages
  const wanted = Math.round(seconds(duration))
  if (wanted < stages.length) {
    throw new PlanError(
      `a duration of ${duration} is shorter than the ${stages.length} stages of ${objective}: give at least ${stages.length}s`,
      ['objectives', objective, 'duration']
    )
  }
  const total = stages.reduce((sum, s) => sum + seconds(s.duration), 0)
  // One second each, the rest shared in proportion.
  const spare = wanted - stages.length
  const exact = stages.map((s) => (seconds(s.duration) / total) * spare)
  const whole = exact.map(Math.floor)
  let left = spare - whole.reduce((a, b) => a + b, 0)
  const byRemainder = exact
    .map((x, i) => ({ i, r: x - whole[i] }))
    .sort((a, b) => b.r - a.r || a.i - b.i)
  for (const { i } of byRemainder) {
    if (left-- <= 0) break
    whole[i]++
  }
  return stages.map((s, i) => ({
    duration: `${whole[i] + 1}s`,
    target: s.target
  }))
}

function normalisedWeights(
  profile: Profile,
  warnings: PlanWarning[]
): number[] {
  const endpoints = profile.endpoints ?? []
  const total = endpoints.reduce((sum, e) => sum + e.weight, 0)
  if (
    endpoints.length > 1 &&
    Math.abs(total - 100) > 1e-9 &&
    endpoints.some((e) => e.weight !== 1)
  ) {
    warnings.push({
      kind: 'weights-normalised',
      total,
      shares: endpoints.map((e) => ({
        name: e.name,
        percent: (e.weight / total) * 100
      }))
    })
  }
  return endpoints.map((e) => e.weight / total)
}

/** SLO shorthand → k6 thresholds, beside the profile's own expressions. */
export function thresholdsFor(
  profile: Profile,
  abort?: { delay: string }
): Record<string, (string | ThresholdSpec)[]> {
  const out: Record<string, string[]> = {}
  const add = (metric: string, expression: string): void => {
    out[metric] ??= []
    if (!out[metric].includes(expression)) out[metric].push(expression)
  }
  const addSlo = (slo: Slo | undefined, suffix: string): void => {
    if (!slo) return
    const duration = `http_req_duration${suffix}`
    if (slo.p95 !== undefined) add(duration, `p(95)<${slo.p95}`)
    if (slo.p99 !== undefined) add(duration, `p(99)<${slo.p99}`)
    if (slo.p99_9 !== undefined) add(duration, `p(99.9)<${slo.p99_9}`)
    if (slo.error_rate !== undefined)
      add(`http_req_failed${suffix}`, `rate<${slo.error_rate}`)
    if (slo.min_rps !== undefined)
      add(`http_reqs${suffix}`, `rate>${slo.min_rps}`)
    if (slo.checks !== undefined) add(`checks${suffix}`, `rate>${slo.checks}`)
  }
  addSlo(profile.thresholds?.slo, '')
  for (const [metric, expressions] of Object.entries(
    profile.thresholds?.k6 ?? {}
  )) {
    for (const e of expressions) add(metric, e)
  }
  for (const endpoint of profile.endpoints ?? []) {
    const suffix = `{name:${endpoint.name}}`
    addSlo(endpoint.thresholds?.slo, suffix)
    for (const e of endpoint.thresholds?.k6 ?? [])
      add(`http_req_duration${suffix}`, e)
  }
  if (!abort) return out
  return Object.fromEntries(
    Object.entries(out).map(([metric, list]) => [
      metric,
      list.map((threshold) => ({
        threshold,
        abortOnFail: true,
        delayAbortEval: abort.delay
      }))
    ])
  )
}

/** `1h30m` → 5400. */
export const seconds = durationSeconds

function fmt(n: number): string {
  return Number(n.toFixed(3)).toString()
}
