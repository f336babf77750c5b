import { judgeable, type Judgeable } from '../judge/judgeable.js'
import {
  plannedRequests,
  type CapacityPlan,
  type LoadPlan,
  type PlanWarning,
  type Stage
} from '../profile/plan.js'
import { testRunName } from '../k6/segments.js'
import { formatDuration } from '../shared/duration.js'
import { code, MAX_LINE, text } from './escape.js'

/** What the plan's renderers need of a prepared run. */
export interface PlanView {
  plan: LoadPlan
  /** Known once k6 is: its major version is part of it. */
  fingerprint?: string
  profileLabel: string
  scriptText: string
  /** Environment variables the script reads. */
  envVars: string[]
  /** The profile's shard count (a k6-operator TestRun), its endpoints (which pools name). */
  profile?: { shards?: number; endpoints?: { name: string }[] }
}

/** One scenario's load in words, with k6's own units. */
function scenarioLoad(s: LoadPlan['scenarios'][string]): string {
  if (s.executor === 'constant-vus') return `${s.vus} VUs for ${s.duration}`
  if (s.executor === 'constant-arrival-rate')
    return `${s.rate} iterations/s for ${s.duration}`
  if (s.executor === 'shared-iterations')
    return `${s.iterations} browser journeys in Chromium, within ${s.maxDuration}`
  return (s.stages as Stage[])
    .map((st) => `${st.target}/s over ${st.duration}`)
    .join(' → ')
}

/**
 * `load ×0.1 (input load-factor), durations ×2 (objectives.soak.duration_factor)`;
 * undefined when the plan is not scaled.
 */
export function factorsText(plan: LoadPlan): string | undefined {
  const f = plan.factors
  if (!f || (f.load === 1 && f.duration === 1)) return undefined
  const from = (kind: 'load' | 'duration') =>
    f.from[kind] === 'input'
      ? `input ${kind}-factor`
      : `objectives.${plan.objective}.${kind}_factor`
  return [
    f.load !== 1 ? `load ×${fmtFactor(f.load)} (${from('load')})` : undefined,
    f.duration !== 1
      ? `durations ×${fmtFactor(f.duration)} (${from('duration')})`
      : undefined
  ]
    .filter(Boolean)
    .join(', ')
}

/**
 * The load a plan sends, in a line: logged before k6 starts, so a typo is
 * seen before it floods anything.
 */
export function describeLoad(plan: LoadPlan): string {
  if (plan.ownScript !== undefined) {
    return `${plan.objective}: the scenarios of ${plan.ownScript} (its own options; max-rps and max-vus bound generated plans only)`
  }
  const rate =
    plan.rate !== undefined
      ? `up to ${plan.rate} iterations/s (one request each)`
      : `${plan.peakVus} VUs`
  const vus = plan.rate !== undefined ? `, at most ${plan.peakVus} VUs` : ''
  const scaled = factorsText(plan)
  return `${plan.objective}: ${rate} for ${formatDuration(plan.durationS)}${vus}${scaled ? `; scaled: ${scaled}` : ''}`
}

/** A plan's warning, in words: what it means and what to do. */
export function planWarningText(warning: PlanWarning): string {
  switch (warning.kind) {
    case 'few-pairs':
      return (
        `this paired plan sends about ${warning.pairs} requests to each target; measured on loopback at the corpus's noise, ` +
        `${warning.needed} pairs caught a change 10% slower in every run and 280 in 85–95%: run longer or at a higher rate for a firmer paired verdict`
      )
    case 'soak-too-long':
      return `soak runs ${formatDuration(warning.durationS)}, longer than the 6 h a GitHub-hosted job may run; use a self-hosted runner or a shorter duration`
    case 'weights-normalised':
      return (
        `endpoint weights add up to ${short(warning.total)}, not 100; normalised to ` +
        warning.shares.map((e) => `${e.name} ${short(e.percent)}%`).join(', ')
      )
  }
}

/** A figure with at most three decimals, no trailing zeros. */
function short(n: number): string {
  return Number(n.toFixed(3)).toString()
}

/** The plan: objective and why, scenarios, rates, VUs, the capacity model. */
export function renderPlan(prepared: PlanView): string[] {
  const { plan } = prepared
  const out = [
    '### Plan',
    '',
    `Objective **${plan.objective}**, chosen by ${plan.reason}.` +
      (prepared.fingerprint ? ` Fingerprint \`${prepared.fingerprint}\`.` : ''),
    ''
  ]
  if (plan.ownScript !== undefined) {
    const added = Object.keys(plan.thresholds)
    out.push(
      `The scenarios are those of ${code(plan.ownScript, { max: 300 })}, with its own options; ` +
        (added.length
          ? `the profile adds thresholds on ${added.map((m) => code(m)).join(', ')}.`
          : 'the profile adds no thresholds.')
    )
    return out
  }
  const scaled = factorsText(plan)
  if (scaled) {
    out.push(
      `Scaled: ${scaled}. Baselines recorded at other factors are not compared with this run.`,
      ''
    )
  }
  out.push('| Scenario | Executor | Load | VUs |', '|---|---|---|---|')
  for (const [name, s] of Object.entries(plan.scenarios)) {
    const vus =
      s.executor === 'constant-vus' || s.executor === 'shared-iterations'
        ? String(s.vus)
        : `${s.preAllocatedVUs} pre-allocated, ${s.maxVUs} max`
    out.push(
      `| ${text(name)} | \`${s.executor}\` | ${text(scenarioLoad(s), MAX_LINE)} | ${vus} |`
    )
  }
  out.push(
    '',
    `Each iteration sends one request (the endpoint drawn by weight${plan.pools ? " among its pool's" : ''}), and a follow-up's polls where there is one.`
  )
  if (plan.pools) {
    const names = (prepared.profile?.endpoints ?? []).map((e) => e.name)
    out.push(
      '',
      '| Pool | Endpoints | Load |',
      '|---|---|---|',
      ...plan.pools.map(
        (p) =>
          `| ${text(p.name)} | ${text(p.endpoints.map((i) => names[i]).join(', '), MAX_LINE)} | ` +
          (p.share !== undefined
            ? `${Math.round(p.share * 100)}% of the load`
            : `${p.rate} iteration${p.rate === 1 ? '' : 's'}/s of its own`) +
          `${p.startS > 0 ? `, from ${formatDuration(p.startS)}` : ''} |`
      )
    )
  }
  const reach = planReach(prepared)
  out.push(
    '',
    reach
      ? `**What this run can judge** (against a baseline of the same plan): ${judgeableText(reach)}.`
      : '**What this run can judge** depends on how fast the service answers: its VUs send as fast as they go. Give the objective a rate to know before it runs.'
  )
  // The capacity model only where the objective runs from it (not smoke).
  const c = plan.objective === 'smoke' ? undefined : plan.capacity
  if (c) out.push('', ...renderCapacity(c))
  return out
}

/** The capacity model: production's rate scaled to the test, per objective. */
function renderCapacity(c: CapacityPlan): string[] {
  return [
    '#### Capacity model',
    '',
    `Production ${c.productionRps} req/s ÷ ${c.formula.includes('=') ? c.formula.split('=').pop()?.trim() : c.factor} ` +
      `= **${c.targetRps} req/s** in the test environment (${c.formula}).`,
    '',
    '| Objective | Share | Iterations/s |',
    '|---|---|---|',
    ...(['baseline', 'load', 'stress', 'spike', 'soak'] as const).map(
      (o) =>
        `| ${o} | ${Math.round((c.rates[o] / c.targetRps) * 100)}% | ${c.rates[o]} |`
    ),
    ...(c.productionPeakRps !== undefined
      ? [
          '',
          `spike reaches production's peak, scaled the same way: ${c.productionPeakRps} req/s ÷ ${fmtFactor(c.factor)} = ${c.rates.spike} req/s.`
        ]
      : []),
    '',
    `VUs by Little's law: ${c.targetRps} req/s × ${c.responseTimeS} s response time = ${c.vus} VUs; maxVUs ${c.maxVus} with ${c.headroom}× headroom.`
  ]
}

/** What the plan's requests let the comparison judge, or undefined. */
export function planReach(prepared: PlanView): Judgeable | undefined {
  const endpoints = prepared.profile?.endpoints
  if (!endpoints?.length) return undefined
  const perEndpoint = plannedRequests(prepared.plan, endpoints)
  return perEndpoint ? judgeable(perEndpoint) : undefined
}

const STATISTIC = { p50: 'median', p95: 'p95', p99: 'p99' } as const

/**
 * `overall p95 (600 requests; p99 needs 1,000); every endpoint's median,
 * and GET /a's p95 (300); not GET /rare (12: the median needs 20)`
 */
export function judgeableText(reach: Judgeable): string {
  const [overall] = reach.overall
  const count = (n: number) => n.toLocaleString('en-US')
  const parts = [
    overall.latency
      ? `overall ${STATISTIC[overall.latency]} latency (${count(overall.requests)} requests${overall.next ? `; ${overall.next.latency} needs ${count(overall.next.needs)}` : ''})`
      : `no overall percentile (${count(overall.requests)} requests; p95 needs ${count(overall.next?.needs ?? 0)})`
  ]
  const judged = reach.endpoints.filter((e) => e.latency)
  const tails = judged.filter((e) => e.latency === 'p95')
  const medians = judged.filter((e) => e.latency === 'p50')
  const none = reach.endpoints.filter((e) => !e.latency)
  const named = (list: typeof judged) =>
    list.map((e) => `${e.name} (${count(e.requests)})`).join(', ')
  if (tails.length) parts.push(`the p95 of ${named(tails)}`)
  if (medians.length) {
    parts.push(
      `the median of ${medians.length === reach.endpoints.length ? 'every endpoint: ' : ''}${named(medians)} (p95 needs ${count(medians[0].next?.needs ?? 0)})`
    )
  }
  if (none.length) {
    parts.push(
      `not ${named(none)}: an endpoint's median needs ${count(none[0].next?.needs ?? 0)}`
    )
  }
  parts.push('and every error rate')
  return parts.join('; ')
}

/** 0.1, 2, 6.8, 0.0035: two significant digits, never rounded to 0. */
function fmtFactor(factor: number): string {
  return String(Number(factor.toPrecision(2)))
}

export function renderGenerateOnly(
  prepared: PlanView,
  resultsDir: string
): string {
  return [
    `## 📝 perf-gate generated a k6 script (generate-only: nothing ran)`,
    '',
    `From ${code(prepared.profileLabel)}; written to ${code(`${resultsDir}/perf-gate-script.js`, { max: 300 })} with \`config.example.env\` and \`USAGE.md\`` +
      (prepared.profile?.shards
        ? `, and \`k6-testrun.yaml\`: a k6-operator TestRun of ${prepared.profile?.shards} runners with the script's ConfigMap (USAGE.md says how their files come back to the merge).`
        : '.'),
    '',
    ...renderPlan(prepared),
    '',
    '<details><summary>perf-gate-script.js</summary>',
    '',
    '```js',
    prepared.scriptText,
    '```',
    '',
    '</details>',
    ''
  ].join('\n')
}

export function usageNotes(prepared: PlanView): string {
  const env = prepared.envVars.length
    ? prepared.envVars.map((n) => `- \`${n}\``).join('\n')
    : '- none'
  return [
    '# perf-gate-script.js',
    '',
    `Generated by perf-gate from ${code(prepared.profileLabel)} for the **${prepared.plan.objective}** objective.`,
    'It is yours to keep: copy it into your repository and run it with k6 directly.',
    '',
    '## Environment it reads',
    '',
    env,
    '',
    'Set `BASE_URL` to aim it at another base URL.' +
      (prepared.plan.paired
        ? ' It is a paired A/B script: `REFERENCE_URL` is the reference every request also goes to.'
        : ''),
    '',
    '## Run it',
    '',
    '```sh',
    'set -a; . ./config.example.env; set +a',
    'k6 run perf-gate-script.js',
    '```',
    '',
    'Data files are opened relative to the script: keep them where the paths in `open()` point.',
    '',
    ...(prepared.plan.scenarios.browser
      ? [
          'The browser journey (scenario `browser`, k6/browser) needs Chrome or Chromium: set `K6_BROWSER_EXECUTABLE_PATH` when k6 does not find it, and `K6_BROWSER_ARGS=no-sandbox` when running as root.',
          ''
        ]
      : []),
    ...(prepared.profile?.shards ? kubernetesNotes(prepared) : [])
  ].join('\n')
}

/** How a k6-operator run of the sharded plan comes back to the merge. */
function kubernetesNotes(prepared: PlanView): string[] {
  const name = testRunName(prepared.plan.objective)
  return [
    '## On Kubernetes (k6-operator)',
    '',
    `\`k6-testrun.yaml\` holds a ConfigMap with this script and a TestRun of ${prepared.profile?.shards} runners (\`parallelism\`): ` +
      'the operator gives runner i its execution segment and starts them together. Each runner writes ' +
      '`/results/<pod>.results.json` and `/results/<pod>.summary.json` to the PersistentVolumeClaim ' +
      `\`perf-gate-results\` (ReadWriteMany; create it first). The variables the script reads come from the Secret \`${name}-env\`.`,
    '',
    '```sh',
    `kubectl create secret generic ${name}-env --from-env-file=config.example.env`,
    'kubectl apply -f k6-testrun.yaml',
    `kubectl wait testrun/${name} --for=jsonpath='{.status.stage}'=finished --timeout=2h`,
    '# copy /results from any pod that mounts the claim into the workspace:',
    'kubectl cp <pod-with-the-claim>:/results perf-gate-results/shards',
    '```',
    '',
    'Then judge the run once, over every runner, in the workflow:',
    '',
    '```yaml',
    '- uses: org/perf-gate@v1',
    '  with:',
    '    merge: true',
    '    shards-dir: perf-gate-results/shards',
    '```',
    '',
    'The merge reads the pairs `<name>-<i>-<pod suffix>.results.json` / `.summary.json`, i being the runner (and shard) number.',
    ''
  ]
}
