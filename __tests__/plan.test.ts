import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { checkLimits } from '../src/pipeline/prepare.js'
import { parseProfile, ProfileError } from '../src/profile/load.js'
import { planFingerprint } from '../src/profile/fingerprint.js'
import { planLoad, seconds, type Stage } from '../src/profile/plan.js'
import { OBJECTIVES, type Objective } from '../src/profile/schema.js'
import {
  describeLoad,
  planWarningText,
  renderPlan
} from '../src/report/load-plan.js'
import { generateScript } from '../src/script/generate.js'
import { parse, parseDocument } from 'yaml'
import { EXAMPLE_DATA_FILES, ROOT } from './helpers/action.js'
import { checkSyntax } from './helpers/k6-shim.js'

/**
 * What the plan says is what runs: for every objective and every override
 * a profile may give, the generated script's options, read back, are the
 * plan, every field took effect, and the job summary's plan table says so.
 */
const example = fs.readFileSync(
  path.join(ROOT, 'examples', 'perf-gate.yml'),
  'utf8'
)
const TARGET = 294 // the example's capacity model: 2,000 req/s ÷ 6.8

/** The example profile, its override for `objective` replaced by `override`. */
function profileFor(objective: Objective, override?: string) {
  const doc = parseDocument(example)
  if (override) doc.setIn(['objectives', objective], parse(override))
  return parseProfile(doc.toString(), 'perf-gate.yml')
}

/** The options of a generated script, as k6 would read them. */
function optionsOf(script: string): {
  scenarios: Record<string, Record<string, unknown>>
} {
  return JSON.parse(
    /export const options = (\{[\s\S]*?\n\});?\n/.exec(script)?.[1] ?? '{}'
  )
}

const total = (stages: Stage[]) =>
  stages.reduce((s, st) => s + seconds(st.duration), 0)

const OVERRIDES: Record<
  Objective,
  [string, string, (s: Record<string, unknown>) => void][]
> = {
  smoke: [
    ['vus 10', '{ vus: 10 }', (s) => expect(s.vus).toBe(10)],
    [
      'duration 45s',
      '{ duration: 45s }',
      (s) => expect(s.duration).toBe('45s')
    ],
    [
      'load_factor 2.5, duration_factor 2',
      '{ vus: 2, duration: 20s, load_factor: 2.5, duration_factor: 2 }',
      (s) => expect(s).toMatchObject({ vus: 5, duration: '40s' })
    ]
  ],
  baseline: [
    ['rate 12', '{ rate: 12 }', (s) => expect(s.rate).toBe(12)],
    [
      'share 0.2',
      '{ share: 0.2 }',
      (s) => expect(s.rate).toBe(Math.round(TARGET * 0.2))
    ],
    [
      'duration 90s',
      '{ duration: 90s }',
      (s) => expect(s.duration).toBe('90s')
    ],
    ['vus 7', '{ vus: 7 }', (s) => expect(s.preAllocatedVUs).toBe(7)],
    [
      'rate 12 at load_factor 0.5, duration_factor 0.5',
      '{ rate: 12, vus: 8, load_factor: 0.5, duration_factor: 0.5 }',
      (s) =>
        expect(s).toMatchObject({
          rate: 6,
          duration: '150s',
          preAllocatedVUs: 4
        })
    ]
  ],
  soak: [
    [
      'share 0.05, duration 10m',
      '{ share: 0.05, duration: 10m }',
      (s) => expect(s).toMatchObject({ rate: 15, duration: '10m' })
    ]
  ],
  load: [
    [
      'duration 2m',
      '{ duration: 2m }',
      (s) => expect(total(s.stages as Stage[])).toBe(120)
    ],
    [
      'rate 40',
      '{ rate: 40 }',
      (s) =>
        expect(Math.max(...(s.stages as Stage[]).map((x) => x.target))).toBe(40)
    ],
    [
      'share 0.1 at load_factor 0.1, duration_factor 0.1',
      '{ share: 0.1, load_factor: 0.1, duration_factor: 0.1 }',
      (s) =>
        // 29/s for 1m + 5m, scaled: 3/s for 6 s + 30 s.
        expect(s.stages).toEqual([
          { duration: '6s', target: 3 },
          { duration: '30s', target: 3 }
        ])
    ],
    [
      'stages',
      '{ stages: [{ duration: 10s, target: 5 }, { duration: 20s, target: 5 }] }',
      (s) =>
        expect(s.stages).toEqual([
          { duration: '10s', target: 5 },
          { duration: '20s', target: 5 }
        ])
    ]
  ],
  stress: [
    // The case: 10 s at 5% of the target, not 441→588 for 11 minutes.
    [
      'duration 10s, share 0.05',
      '{ duration: 10s, share: 0.05 }',
      (s) => {
        const stages = s.stages as Stage[]
        expect(total(stages)).toBe(10)
        expect(Math.max(...stages.map((x) => x.target))).toBe(
          Math.round((Math.round(TARGET * 0.05) * 4) / 3)
        )
      }
    ]
  ],
  spike: [
    [
      'share 0.5, duration 1m',
      '{ share: 0.5, duration: 1m }',
      (s) => {
        const stages = s.stages as Stage[]
        expect(total(stages)).toBe(60)
        expect(Math.max(...stages.map((x) => x.target))).toBe(
          Math.round(TARGET * 0.5)
        )
      }
    ]
  ],
  capacity: [
    [
      'rate 120, duration 3m',
      '{ rate: 120, duration: 3m }',
      (s) => {
        const stages = s.stages as Stage[]
        expect(total(stages)).toBe(180)
        expect(Math.max(...stages.map((x) => x.target))).toBe(120)
      }
    ]
  ]
}

const cases: [
  Objective,
  string,
  string | undefined,
  ((s: Record<string, unknown>) => void) | undefined
][] = OBJECTIVES.flatMap((o) => [
  [o, 'the defaults', undefined, undefined] as [
    Objective,
    string,
    undefined,
    undefined
  ],
  ...OVERRIDES[o].map(
    ([label, yaml, check]) =>
      [o, label, yaml, check] as [Objective, string, string, typeof check]
  )
])

describe('every objective, every override: the script runs what the plan says', () => {
  it.each(cases)('%s with %s', (objective, _label, override, check) => {
    const profile = profileFor(objective, override)
    const plan = planLoad(profile, { objective, reason: 'test' })
    const script = generateScript(profile, plan, {
      scriptDir: path.join(ROOT, 'perf-gate-results'),
      dataFiles: EXAMPLE_DATA_FILES,
      profileLabel: 'perf-gate.yml'
    })
    checkSyntax(script)
    const scenario = optionsOf(script).scenarios[objective]
    expect(scenario).toEqual(plan.scenarios[objective])
    check?.(scenario)
    // The plan's own figures agree with the options.
    const stages = scenario.stages as Stage[] | undefined
    expect(plan.durationS).toBe(
      stages ? total(stages) : seconds(scenario.duration as string)
    )
    if (stages) expect(plan.rate).toBe(Math.max(...stages.map((s) => s.target)))
    // The job summary's plan table shows the same load.
    const table = renderPlan({
      plan,
      profileLabel: 'p',
      scriptText: script,
      envVars: []
    }).join('\n')
    if (stages)
      for (const s of stages)
        expect(table).toContain(`${s.target}/s over ${s.duration}`)
    else if (scenario.rate !== undefined)
      expect(table).toContain(
        `${scenario.rate} iterations/s for ${scenario.duration}`
      )
    else expect(table).toContain(`${scenario.vus} VUs for ${scenario.duration}`)
    expect(describeLoad(plan)).toMatch(new RegExp(`^${objective}: `))
  })
})

describe('a field an objective does not read is an error at its line, never ignored', () => {
  it.each([
    [
      'smoke',
      '{ share: 0.5 }',
      /perf-gate\.yml:\d+:\d+: objectives\.smoke\.share: smoke runs a small steady rate for a while/
    ],
    [
      'baseline',
      '{ stages: [{ duration: 1m, target: 5 }] }',
      /objectives\.baseline\.stages: baseline holds one rate/
    ],
    [
      'load',
      '{ rate: 5, share: 0.1 }',
      /objectives\.load\.share: give rate \(iterations\/s\) or share/
    ],
    [
      'stress',
      '{ duration: 1m, stages: [{ duration: 1m, target: 5 }] }',
      /objectives\.stress\.duration: stages set the whole ramp/
    ],
    [
      'spike',
      '{ duration: 0s }',
      /objectives\.spike\.duration: a duration of 0s runs nothing/
    ]
  ] as [Objective, string, RegExp][])(
    '%s: %s',
    (objective, override, message) => {
      const doc = parseDocument(example)
      doc.setIn(['objectives', objective], parse(override))
      const text = doc.toString()
      const error = (() => {
        try {
          parseProfile(text, 'perf-gate.yml')
        } catch (e) {
          return e as ProfileError
        }
        return undefined
      })()
      expect(error?.message).toMatch(message)
      // At the line of the field named, under the objective.
      const field = /objectives\.\w+\.(\w+)/.exec(error?.message ?? '')?.[1]
      const lines = text.split('\n')
      const under = lines.findIndex((l) => l === `  ${objective}:`)
      const at = lines.findIndex(
        (l, n) => n > under && l.trimStart().startsWith(`${field}:`)
      )
      expect(error?.line).toBe(at + 1)
    }
  )
})

describe('the load guard', () => {
  it('fails a plan beyond max-rps or max-vus, naming the objective and the figure', () => {
    const plan = planLoad(profileFor('stress'), {
      objective: 'stress',
      reason: 'test'
    })
    expect(() =>
      checkLimits(plan, { maxRps: 500, maxVus: 10_000 }, 'perf-gate.yml')
    ).toThrow(
      'perf-gate.yml: objective stress would send up to 588 iterations/s (one request each), above max-rps 500.'
    )
    expect(() =>
      checkLimits(plan, { maxRps: 10_000, maxVus: 100 }, 'perf-gate.yml')
    ).toThrow(/objective stress would use up to \d+ VUs, above max-vus 100/)
    expect(() =>
      checkLimits(plan, { maxRps: 1000, maxVus: 1000 }, 'perf-gate.yml')
    ).not.toThrow()
  })
})

describe("a team's own script", () => {
  it('the plan claims no scenarios of its own: the script’s run, with the profile’s thresholds', () => {
    const profile = parseProfile(
      'script: perf/own.js\nthresholds:\n  slo: {p95: 300}\n',
      'perf-gate.yml'
    )
    const plan = planLoad(profile, { objective: 'load', reason: 'test' })
    expect(plan.scenarios).toEqual({})
    expect(plan.thresholds).toEqual({ http_req_duration: ['p(95)<300'] })
    const table = renderPlan({
      plan,
      profileLabel: 'perf-gate.yml',
      scriptText: '',
      envVars: []
    }).join('\n')
    expect(table).toContain(
      'The scenarios are those of `perf/own.js`, with its own options; the profile adds thresholds on `http_req_duration`.'
    )
    expect(table).not.toContain('| Scenario |')
    expect(describeLoad(plan)).toBe(
      'load: the scenarios of perf/own.js (its own options; max-rps and max-vus bound generated plans only)'
    )
    // The guard has nothing to bound.
    expect(() =>
      checkLimits(plan, { maxRps: 1, maxVus: 1 }, 'perf-gate.yml')
    ).not.toThrow()
  })
})

describe("production's peak", () => {
  it('sets the spike objective’s peak, scaled by the factor, and the plan says so', () => {
    const plan = planLoad(profileFor('spike'), {
      objective: 'spike',
      reason: 'test'
    })
    // The example: peak 5,000 req/s ÷ 6.8 = 735.
    expect(plan.rate).toBe(735)
    expect(
      renderPlan({
        plan,
        profileLabel: 'perf-gate.yml',
        scriptText: '',
        envVars: []
      }).join('\n')
    ).toContain(
      "spike reaches production's peak, scaled the same way: 5000 req/s ÷ 6.8 = 735 req/s."
    )
  })
})

describe('the capacity table', () => {
  it('gives each objective the iterations/s it runs with this profile’s overrides (k6’s unit, not requests/s)', () => {
    for (const objective of [
      'baseline',
      'load',
      'stress',
      'spike',
      'soak'
    ] as const) {
      const plan = planLoad(profileFor(objective), {
        objective,
        reason: 'test'
      })
      const table = renderPlan({
        plan,
        profileLabel: 'perf-gate.yml',
        scriptText: '',
        envVars: []
      })
      const header = table.indexOf('| Objective | Share | Iterations/s |')
      expect(header).toBeGreaterThan(0)
      const row = table
        .slice(header)
        .find((line) => line.startsWith(`| ${objective} |`))
      const cell = row?.split('|')[3].trim()
      // The rate the objective's shape is built around: stress holds it,
      // then goes a third beyond.
      const stages = plan.scenarios[objective].stages as Stage[] | undefined
      const expected = objective === 'stress' ? stages?.[0].target : plan.rate
      expect([objective, Number(cell)]).toEqual([objective, expected])
    }
  })
})

describe('scale factors', () => {
  const small = { objective: 'load' as const, reason: 'test' }

  it('the inputs win over the profile, and the plan says which applied', () => {
    const profile = profileFor('load', '{ share: 0.1, load_factor: 0.5 }')
    const fromProfile = planLoad(profile, small)
    expect(fromProfile.rate).toBe(Math.round(29 * 0.5))
    expect(fromProfile.factors).toEqual({
      load: 0.5,
      duration: 1,
      from: { load: 'profile', duration: 'none' }
    })
    const fromInput = planLoad(profile, small, { load: 0.1, duration: 2 })
    expect(fromInput.rate).toBe(3)
    expect(fromInput.durationS).toBe(720)
    expect(describeLoad(fromInput)).toBe(
      'load: up to 3 iterations/s (one request each) for 12m, at most 3 VUs; scaled: load ×0.1 (input load-factor), durations ×2 (input duration-factor)'
    )
    const table = renderPlan({
      plan: fromInput,
      profileLabel: 'perf-gate.yml',
      scriptText: '',
      envVars: []
    }).join('\n')
    expect(table).toContain(
      'Scaled: load ×0.1 (input load-factor), durations ×2 (input duration-factor). Baselines recorded at other factors are not compared with this run.'
    )
    // The capacity table shows the rate as this run sends it.
    expect(table).toMatch(/^\| load \| 1% \| 3 \|$/m)
  })

  it('a scaled plan is another load shape: its fingerprint differs; an unscaled one keeps its own', () => {
    const profile = profileFor('load')
    const plain = planFingerprint(planLoad(profile, small), profile, '1')
    expect(
      planFingerprint(planLoad(profile, small, { load: 1 }), profile, '1')
    ).toBe(plain)
    expect(
      planFingerprint(planLoad(profile, small, { load: 0.5 }), profile, '1')
    ).not.toBe(plain)
    expect(
      planFingerprint(planLoad(profile, small, { duration: 2 }), profile, '1')
    ).not.toBe(plain)
  })

  it('the load guard judges the scaled plan', () => {
    const profile = profileFor('load', '{ rate: 400 }')
    expect(() =>
      checkLimits(planLoad(profile, small), { maxRps: 1000, maxVus: 1000 }, 'p')
    ).not.toThrow()
    expect(() =>
      checkLimits(
        planLoad(profile, small, { load: 3 }),
        { maxRps: 1000, maxVus: 1000 },
        'p'
      )
    ).toThrow(/1200 iterations\/s/)
  })
})

describe('a paired plan too small to catch 10%', () => {
  const warningsOf = (objective: Objective, override: string): string[] =>
    planLoad(
      profileFor(objective, override),
      { objective, reason: 'the test' },
      { paired: true }
    )
      .warnings.map(planWarningText)
      .filter((w) => w.startsWith('this paired plan'))

  it.each([
    // 20 iterations/s, halved to 10 pairs/s, for 20 s: 200 pairs.
    ['baseline', '{ rate: 20, duration: 20s }', 200],
    // A ramp to 20 and back over 40 s, halved: (0+10)/2·20 + (10+0)/2·20 = 200.
    [
      'load',
      '{ stages: [{ duration: 20s, target: 20 }, { duration: 20s, target: 0 }] }',
      200
    ]
  ] as [Objective, string, number][])(
    '%s %s: warns with the pairs it sends',
    (objective, override, pairs) => {
      const [warning] = warningsOf(objective, override)
      expect(warning).toBe(
        `this paired plan sends about ${pairs} requests to each target; measured on loopback at the corpus's noise, ` +
          '600 pairs caught a change 10% slower in every run and 280 in 85–95%: run longer or at a higher rate for a firmer paired verdict'
      )
    }
  )

  it('says nothing of a plan with enough pairs, of a single run, or of VUs whose pace it cannot know', () => {
    expect(warningsOf('baseline', '{ rate: 40, duration: 1m }')).toEqual([])
    expect(
      planLoad(profileFor('baseline', '{ rate: 20, duration: 20s }'), {
        objective: 'baseline',
        reason: 'the test'
      })
        .warnings.map(planWarningText)
        .filter((w) => w.includes('paired'))
    ).toEqual([])
    expect(warningsOf('smoke', '{ duration: 10s, vus: 1 }')).toEqual([])
  })
})
