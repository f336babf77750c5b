import { durationSeconds } from '../shared/duration.js'
import { z } from 'zod'

/**
 * The profile (.github/perf-gate.yml): one zod schema is the TypeScript
 * type, the validation and, through `z.toJSONSchema`, the JSON Schema that
 * editors use (schema/perf-gate.schema.json, `npm run schema`).
 */

export const OBJECTIVES = [
  'smoke',
  'baseline',
  'load',
  'stress',
  'spike',
  'soak',
  'capacity'
] as const
export type Objective = (typeof OBJECTIVES)[number]

/** k6 durations: `30s`, `5m`, `1h30m`, `500ms`. */
const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, 'a duration such as 30s, 5m or 1h30m')
  .describe('A k6 duration: 30s, 5m, 1h30m')

/** A run's whole duration: k6 refuses one under a second. */
const runDuration = duration.superRefine((d, ctx) => {
  const s = durationSeconds(d)
  if (s >= 1) return
  ctx.addIssue({
    code: 'custom',
    message:
      s === 0
        ? `a duration of ${d} runs nothing: give one such as 30s or 5m`
        : `${d} is under a second, which k6 refuses ("the duration should be at least 1s"): give at least 1s`
  })
})

const positive = z.number().positive()
const httpMethod = z
  .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])
  .default('GET')
const share = z
  .number()
  .positive()
  .describe('A share of the target rate: 0.5 is 50%')
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')

const slo = z
  .object({
    p95: positive
      .optional()
      .describe('p95 of http_req_duration must stay below this, in ms'),
    p99: positive.optional().describe('p99 of http_req_duration, in ms'),
    p99_9: positive.optional().describe('p99.9 of http_req_duration, in ms'),
    error_rate: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('http_req_failed must stay below this share'),
    min_rps: positive
      .optional()
      .describe('http_reqs must stay above this many per second'),
    checks: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('checks must pass at least this share')
  })
  .strict()

/** k6 threshold expressions by metric key, e.g. `http_req_duration: ['p(95)<500']`. */
const k6Thresholds = z.record(z.string(), z.array(z.string()).min(1))

const thresholds = z
  .object({
    slo: slo.optional(),
    k6: k6Thresholds.optional(),
    abort_on_fail: z
      .object({
        delay: duration
          .default('30s')
          .describe('delayAbortEval: let the run settle first')
      })
      .strict()
      .optional()
      .describe('Stop the test as soon as a threshold is crossed')
  })
  .strict()

const endpointThresholds = z
  .object({ slo: slo.optional(), k6: z.array(z.string()).min(1).optional() })
  .strict()

const follow = z
  .object({
    method: httpMethod,
    path: z
      .string()
      .startsWith('/')
      .describe('Template; ${response.field} reads the first response'),
    until: z
      .object({
        field: z.string().describe('JSON field of the polled response'),
        equals: z
          .union([z.string(), z.number(), z.boolean()])
          .optional()
          .describe('Without it: until the field has a value')
      })
      .strict(),
    interval: positive.default(0.5).describe('Seconds between polls'),
    timeout: positive
      .default(30)
      .describe('Seconds before the flow counts as failed'),
    metric: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .describe('Trend metric for the end-to-end time')
  })
  .strict()

const endpoint = z
  .object({
    name: z.string().min(1).describe("k6's name tag, e.g. GET /orders/:id"),
    method: httpMethod,
    path: z
      .string()
      .startsWith('/')
      .describe('Template: ${data.field}, ${__VU}, ${__ITER}, ${random:a|b|c}'),
    headers: z.record(z.string(), z.string()).optional(),
    body: z
      .unknown()
      .optional()
      .describe('JSON body; strings may hold templates'),
    weight: positive
      .default(1)
      .describe('Share of iterations; normalised to 100%'),
    expect: z
      .object({
        status: z.number().int().min(100).max(599).default(200),
        fields: z
          .array(z.string())
          .optional()
          .describe('JSON fields that must be present')
      })
      .strict()
      .default({ status: 200 }),
    data: z
      .string()
      .optional()
      .describe('Name of a data set whose rows fill ${data.field}'),
    thresholds: endpointThresholds.optional(),
    follow: follow.optional()
  })
  .strict()

const pool = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{1,64}$/,
        'letters, digits, _ and - (it names a k6 scenario and the pool tag)'
      )
      .describe('The k6 scenario and the `pool` tag of its requests'),
    endpoints: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        'Names of the endpoints this pool sends, drawn by their weights'
      ),
    share: z
      .number()
      .positive()
      .max(1)
      .optional()
      .describe(
        "This pool's share of the objective's load (rate and VUs), in its shape; the shares add up to 1"
      ),
    rate: positive
      .optional()
      .describe(
        'Or a rate of its own: iterations/s held constant (admin polling), on top of the shares'
      ),
    start_time: duration
      .optional()
      .describe('When the pool starts, after the run begins'),
    thresholds: endpointThresholds
      .optional()
      .describe(
        'On this pool alone (its requests, tagged pool: <name>): slo, or k6 expressions on http_req_duration'
      )
  })
  .strict()

const selector = z
  .string()
  .min(1)
  .describe('A CSS selector (or k6/browser locator)')
const browserStep = z.union([
  z.object({ click: selector }).strict(),
  z.object({ wait_for: selector }).strict(),
  z
    .object({
      fill: z.object({ selector, value: z.string() }).strict()
    })
    .strict(),
  z
    .object({
      expect_text: z
        .object({
          selector,
          equals: z.string().describe("The element's whole text")
        })
        .strict()
    })
    .strict()
    .describe('A check named "<page>: <selector> is <text>"')
])

const browserPage = z
  .object({
    name: z.string().min(1).describe('The page, in the report and its checks'),
    path: z
      .string()
      .startsWith('/')
      .describe(
        'Under the base URL; templates: ${__VU}, ${__ITER}, ${random:a|b}'
      ),
    steps: z.array(browserStep).optional()
  })
  .strict()

const browserJourney = z
  .object({
    vus: z.number().int().positive().default(1),
    iterations: z
      .number()
      .int()
      .positive()
      .default(3)
      .describe('Journeys in all, shared by the VUs'),
    max_duration: runDuration
      .default('5m')
      .describe('The most the journeys may take'),
    pages: z.array(browserPage).min(1),
    thresholds: k6Thresholds
      .optional()
      .describe(
        "k6 expressions on the browser's metrics: browser_web_vital_lcp: ['p(75)<2500']"
      )
  })
  .strict()
  .describe(
    'A journey through pages in Chromium (k6/browser), its own k6 scenario beside the load; the report shows Web Vitals per page'
  )

const dataSet = z
  .object({ file: z.string().regex(/\.(json|csv)$/i, 'a .json or .csv file') })
  .strict()

const resources = z
  .object({
    cpu: positive.describe('Cores per replica'),
    ram_mb: positive.optional(),
    replicas: z.number().int().positive().default(1),
    efficiency: z
      .number()
      .positive()
      .max(1)
      .default(1)
      .describe('Share of the resources the service really uses')
  })
  .strict()

const capacity = z
  .object({
    production: z
      .object({
        rps: positive.describe('Average production requests per second'),
        peak_rps: positive.optional()
      })
      .strict(),
    factor: positive
      .optional()
      .describe('Production ÷ test capacity, when you know it'),
    test: resources.optional(),
    production_resources: resources.optional(),
    reality_adjustment: z
      .number()
      .positive()
      .max(1)
      .default(1)
      .describe(
        'Discount for what the resources leave out (network, shared databases): 0.8 keeps 80%'
      ),
    response_time_s: positive
      .default(0.5)
      .describe('Expected time per iteration, for VUs by Little’s law'),
    headroom: z.number().min(1).default(2).describe('maxVUs = VUs × headroom')
  })
  .strict()

const objectiveOverride = z
  .object({
    duration: runDuration.optional(),
    share: share.optional().describe('Rate as a share of the test target'),
    rate: positive
      .optional()
      .describe('Requests per second, instead of a share'),
    vus: z.number().int().positive().optional(),
    stages: z
      .array(z.object({ duration, target: z.number().min(0) }).strict())
      .min(1)
      .optional()
      .describe(
        'k6 stages (targets in iterations/s for arrival-rate objectives)'
      ),
    load_factor: z
      .number()
      .positive()
      .max(100)
      .optional()
      .describe(
        "Scales every rate and VU count of this objective's plan (0.1: a tenth); input load-factor wins"
      ),
    duration_factor: z
      .number()
      .positive()
      .max(100)
      .optional()
      .describe(
        "Scales every duration of this objective's plan (2: twice as long); input duration-factor wins"
      )
  })
  .strict()

const objectives = z
  .object({
    triggers: z
      .record(z.string(), z.enum(OBJECTIVES))
      .optional()
      .describe('Event name → objective, e.g. pull_request: smoke'),
    only: z
      .array(z.enum(OBJECTIVES))
      .min(1)
      .optional()
      .describe(
        'The objectives this profile is for; a run that picks another fails at once, saying so'
      ),
    smoke: objectiveOverride.optional(),
    baseline: objectiveOverride.optional(),
    load: objectiveOverride.optional(),
    stress: objectiveOverride.optional(),
    spike: objectiveOverride.optional(),
    soak: objectiveOverride.optional(),
    capacity: objectiveOverride.optional()
  })
  .strict()

const tolerance = z
  .object({
    warn: z
      .number()
      .min(0)
      .optional()
      .describe('Percent change in the worse direction that warns'),
    fail: z
      .number()
      .min(0)
      .optional()
      .describe('Percent change in the worse direction that fails'),
    floor: z
      .number()
      .min(0)
      .optional()
      .describe(
        'Absolute change that never counts: ms for latency, percentage points for rates, requests/s for throughput'
      )
  })
  .strict()

const endpointTolerances = z
  .object({ p95: tolerance.optional(), error_rate: tolerance.optional() })
  .strict()

const regression = z
  .object({
    p50: tolerance.optional(),
    p95: tolerance.optional(),
    p99: tolerance.optional(),
    avg: tolerance.optional(),
    error_rate: tolerance.optional(),
    rps: tolerance.optional(),
    checks_rate: tolerance.optional(),
    noise: z
      .number()
      .positive()
      .max(1)
      .optional()
      .describe(
        'Run-to-run variation of latency and throughput on your runners (0.07 is 7%), assumed until the history has enough runs to measure it'
      ),
    endpoints: z
      .record(z.string(), endpointTolerances)
      .optional()
      .describe('Per endpoint (its name), overriding the metrics above')
  })
  .strict()
  .describe(
    'Regression tolerances against the baseline. A change must be beyond the noise (measured from the history and the run) and beyond these. Defaults: p95/p99 warn 5%, fail 10%; p50/avg warn 10%; rps warn 5%, fail 10%; error rate and checks floor 0.5 pp; no latency floor'
  )

const auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('bearer'), token_env: envName }).strict(),
  z
    .object({
      type: z.literal('api-key'),
      header: z.string().min(1),
      key_env: envName
    })
    .strict(),
  z
    .object({
      type: z.literal('oauth2-client-credentials'),
      token_url: z.string().min(1),
      client_id_env: envName,
      client_secret_env: envName,
      scope: z.string().optional()
    })
    .strict()
])

export const profileSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    target: z
      .object({
        base_url: z
          .string()
          .min(1)
          .describe('A URL, or ${ENV_VAR}; the base-url input overrides it'),
        health: z
          .string()
          .startsWith('/')
          .optional()
          .describe('Checked in setup() before any load')
      })
      .strict()
      .optional()
      .describe('The service under test; required unless script is given'),
    auth: auth.default({ type: 'none' }),
    data: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), dataSet)
      .optional(),
    think_time: z
      .object({ min: z.number().min(0), max: z.number().min(0) })
      .strict()
      .optional()
      .describe('Seconds of pause per iteration, random between min and max'),
    endpoints: z.array(endpoint).min(1).optional(),
    browser: browserJourney.optional(),
    pools: z
      .array(pool)
      .min(1)
      .optional()
      .describe(
        'Independent traffic pools: each its own k6 scenario with its endpoints, share or rate, start time and thresholds'
      ),
    thresholds: thresholds.optional(),
    capacity: capacity.optional(),
    objectives: objectives.optional(),
    regression: regression.optional(),
    shards: z
      .number()
      .int()
      .min(2)
      .max(100)
      .optional()
      .describe(
        'Split every run into this many execution segments, one per matrix job (input shard: 1…N) or k6-operator runner; a job with merge: true judges them together'
      ),
    script: z
      .string()
      .optional()
      .describe(
        "Run this script instead of generating one: its own options (scenarios, URL) run, with this profile's thresholds added; target, auth, data, think_time, endpoints, capacity and objective overrides then take no effect and are refused"
      )
  })
  .strict()

export type Profile = z.infer<typeof profileSchema>
export type Endpoint = z.infer<typeof endpoint>
export type Pool = z.infer<typeof pool>
export type BrowserJourney = z.infer<typeof browserJourney>
export type Slo = z.infer<typeof slo>
export type CapacityModel = z.infer<typeof capacity>
export type ObjectiveOverride = z.infer<typeof objectiveOverride>

export function profileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(profileSchema, { io: 'input' }),
    $id: 'https://github.com/org/perf-gate/schema/perf-gate.schema.json',
    title: 'perf-gate profile'
  }
}
