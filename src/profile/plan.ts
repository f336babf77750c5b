import {
  OBJECTIVES,
  type CapacityModel,
  type Objective,
  type ObjectiveOverride,
  type Profile,
  type Slo
} from './schema.js'

export class PlanError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlanError'
  }
}

/** The default objective for each trigger. */
export const DEFAULT_TRIGGERS: Record<string, Objective> = {
  pull_request: 'smoke',
  pull_request_target: 'smoke',
  push: 'load',
  schedule: 'soak'
}

/** Each objective's rate as a share of the test target. */
export const OBJECTIVE_SHARE: Record<Objective, number> = {
  smoke: 0,
  baseline: 0.5,
  load: 1,
  stress: 1.5,
  spike: 3,
  soak: 0.6,
  capacity: 1
}

export interface ObjectiveChoice {
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
  /** Test environment target: production ÷ factor, rounded. */
  targetRps: number
  rates: Record<Objective, number>
  /** Little's law: target × response time. */
  vus: number
  maxVus: number
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
      'capacity: give either factor, or both test and production_resources'
    )
  }
  if (!(factor > 0))
    throw new PlanError(`capacity: the factor must be positive, got ${factor}`)
  const targetRps = Math.round(model.production.rps / factor)
  if (targetRps <= 0) {
    throw new PlanError(
      `capacity: production ${model.production.rps} RPS ÷ factor ${fmt(factor)} rounds to ${targetRps} RPS; nothing to test`
    )
  }
  const rates = Object.fromEntries(
    OBJECTIVES.map((o) => [o, Math.round(targetRps * OBJECTIVE_SHARE[o])])
  ) as Record<Objective, number>
  const vus = Math.ceil(targetRps * model.response_time_s)
  return {
    factor,
    formula,
    productionRps: model.production.rps,
    targetRps,
    rates,
    vus,
    maxVus: Math.ceil(vus * model.headroom)
  }
}

export interface Scenario {
  executor: 'constant-vus' | 'constant-arrival-rate' | 'ramping-arrival-rate'
  [option: string]: unknown
}

export interface ThresholdSpec {
  threshold: string
  abortOnFail?: boolean
  delayAbortEval?: string
}

export interface LoadPlan {
  objective: Objective
  reason: string
  scenarios: Record<string, Scenario>
  thresholds: Record<string, (string | ThresholdSpec)[]>
  capacity?: CapacityPlan
  /** Requests per second the objective aims at (peak), when rate-based. */
  rate?: number
  warnings: string[]
  /** Endpoint weights as shares summing to 1, in profile order. */
  weights: number[]
}

const SIX_HOURS_S = 6 * 3600

/** Pure: the profile and the chosen objective → k6 scenarios and thresholds. */
export function planLoad(profile: Profile, choice: ObjectiveChoice): LoadPlan {
  const warnings: string[] = []
  const override: ObjectiveOverride =
    profile.objectives?.[choice.objective] ?? {}
  const capacity = profile.capacity ? capacityPlan(profile.capacity) : undefined
  const model = profile.capacity
  const target = capacity?.targetRps
  const rateFor = (objective: Objective): number => {
    if (override.rate !== undefined) return override.rate
    if (target === undefined) {
      throw new PlanError(
        `objective ${objective} needs a request rate: add a capacity section, or objectives.${objective}.rate`
      )
    }
    const share = override.share ?? OBJECTIVE_SHARE[objective]
    const rate = Math.round(target * share)
    if (rate <= 0)
      throw new PlanError(
        `objective ${objective}: a rate of ${rate} RPS is not a test; raise the share`
      )
    return rate
  }
  const responseTime = model?.response_time_s ?? 0.5
  const headroom = model?.headroom ?? 2
  const vusFor = (
    rate: number
  ): { preAllocatedVUs: number; maxVUs: number } => {
    const pre = Math.max(1, Math.ceil(rate * responseTime))
    return {
      preAllocatedVUs: pre,
      maxVUs: Math.max(pre, Math.ceil(pre * headroom))
    }
  }

  let scenario: Scenario
  let rate: number | undefined
  switch (choice.objective) {
    case 'smoke':
      scenario = {
        executor: 'constant-vus',
        vus: Math.min(5, Math.max(1, override.vus ?? 2)),
        duration: override.duration ?? '1m'
      }
      break
    case 'baseline':
    case 'soak':
      rate = rateFor(choice.objective)
      scenario = {
        executor: 'constant-arrival-rate',
        rate,
        timeUnit: '1s',
        duration:
          override.duration ?? (choice.objective === 'soak' ? '2h' : '5m'),
        ...vusFor(rate)
      }
      if (
        choice.objective === 'soak' &&
        seconds(scenario.duration as string) > SIX_HOURS_S
      ) {
        warnings.push(
          `soak runs ${scenario.duration}, longer than the 6 h a GitHub-hosted job may run; use a self-hosted runner or a shorter duration`
        )
      }
      break
    default: {
      rate = rateFor(choice.objective)
      const stages =
        override.stages ?? defaultStages(choice.objective, rate, target ?? rate)
      const peak = Math.max(...stages.map((s) => s.target))
      rate = peak
      scenario = {
        executor: 'ramping-arrival-rate',
        startRate: 0,
        timeUnit: '1s',
        stages,
        ...vusFor(peak)
      }
    }
  }

  const weights = normalisedWeights(profile, warnings)
  const abort =
    choice.objective === 'capacity'
      ? { delay: '10s' }
      : profile.thresholds?.abort_on_fail
  return {
    objective: choice.objective,
    reason: choice.reason,
    scenarios: { [choice.objective]: scenario },
    thresholds: thresholdsFor(profile, abort),
    capacity,
    rate,
    warnings,
    weights
  }
}

function defaultStages(
  objective: Objective,
  rate: number,
  target: number
): { duration: string; target: number }[] {
  const r = (share: number): number => Math.round(target * share)
  switch (objective) {
    case 'load':
      return [
        { duration: '1m', target: rate },
        { duration: '5m', target: rate }
      ]
    case 'stress':
      return [
        { duration: '2m', target: r(1.5) },
        { duration: '3m', target: r(1.5) },
        { duration: '2m', target: r(2) },
        { duration: '3m', target: r(2) },
        { duration: '1m', target: 0 }
      ]
    case 'spike':
      return [
        { duration: '1m', target: r(1) },
        { duration: '30s', target: r(3) },
        { duration: '1m', target: r(3) },
        { duration: '30s', target: r(1) },
        { duration: '1m', target: r(1) }
      ]
    default: {
      // capacity: 25% steps up to 300% of the target, each held a minute.
      const stages: { duration: string; target: number }[] = []
      for (let step = 1; step <= 12; step++) {
        stages.push({ duration: '10s', target: r(step * 0.25) })
        stages.push({ duration: '1m', target: r(step * 0.25) })
      }
      return stages
    }
  }
}

function normalisedWeights(profile: Profile, warnings: string[]): number[] {
  const endpoints = profile.endpoints ?? []
  const total = endpoints.reduce((sum, e) => sum + e.weight, 0)
  if (
    endpoints.length > 1 &&
    Math.abs(total - 100) > 1e-9 &&
    endpoints.some((e) => e.weight !== 1)
  ) {
    warnings.push(
      `endpoint weights add up to ${fmt(total)}, not 100; normalised to ` +
        endpoints
          .map((e) => `${e.name} ${fmt((e.weight / total) * 100)}%`)
          .join(', ')
    )
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
export function seconds(duration: string): number {
  let total = 0
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total +=
      Number(n) *
      ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[unit]
  }
  return total
}

function fmt(n: number): string {
  return Number(n.toFixed(3)).toString()
}
