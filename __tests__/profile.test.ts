import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { upService, type LoopbackServer } from './helpers/http.js'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { generateScript } from '../src/script/generate.js'
import { checkSyntax } from './helpers/k6-shim.js'
import { parseProfile } from '../src/profile/load.js'
import { capacityPlan, chooseObjective, planLoad } from '../src/profile/plan.js'
import { OBJECTIVES, type Objective } from '../src/profile/schema.js'
import { planWarningText } from '../src/report/load-plan.js'
import {
  annotations,
  EXAMPLE_DATA_FILES,
  FAKE_K6,
  ROOT,
  runAction
} from './helpers/action.js'

const example = fs.readFileSync(
  path.join(ROOT, 'examples', 'perf-gate.yml'),
  'utf8'
)

describe('the capacity model (worked example)', () => {
  const plan = capacityPlan({
    production: { rps: 2000 },
    factor: 6.8,
    reality_adjustment: 1,
    response_time_s: 0.5,
    headroom: 2
  })

  it('production 2,000 RPS with factor 6.8 → 294 RPS in test', () => {
    expect(plan.targetRps).toBe(294)
    expect(plan.rates).toMatchObject({
      baseline: 147,
      load: 294,
      stress: 441,
      spike: 882,
      soak: 176
    })
  })

  it("VUs by Little's law: 294 RPS × 0.5 s → 147, maxVUs with headroom", () => {
    expect(plan.vus).toBe(147)
    expect(plan.maxVus).toBe(294)
  })

  it('a factor from resources: the bottleneck decides, times the reality adjustment', () => {
    const fromResources = capacityPlan({
      production: { rps: 500 },
      test: { cpu: 2, ram_mb: 4096, replicas: 1, efficiency: 1 },
      production_resources: {
        cpu: 4,
        ram_mb: 8192,
        replicas: 3,
        efficiency: 0.8
      },
      reality_adjustment: 0.8,
      response_time_s: 0.5,
      headroom: 2
    })
    // cpu and ram both 4×3×0.8 / 2 = 4.8; × 0.8 = 3.84; 500 / 3.84 = 130.2
    expect(fromResources.factor).toBeCloseTo(3.84, 10)
    expect(fromResources.targetRps).toBe(130)
  })

  it('a rate that rounds to zero is an error', () => {
    expect(() =>
      capacityPlan({
        production: { rps: 1 },
        factor: 10,
        reality_adjustment: 1,
        response_time_s: 0.5,
        headroom: 2
      })
    ).toThrow(/rounds to 0 req\/s in the test environment; nothing to test/)
  })
})

describe('choosing the objective', () => {
  it.each([
    [{ eventName: 'pull_request' }, 'smoke'],
    [{ eventName: 'push' }, 'load'],
    [{ eventName: 'schedule' }, 'soak'],
    [{ eventName: 'workflow_dispatch', dispatchObjective: 'stress' }, 'stress'],
    [{ eventName: 'release' }, 'load'],
    [
      { eventName: 'push', triggers: { push: 'baseline' as Objective } },
      'baseline'
    ],
    [{ eventName: 'pull_request', input: 'spike' }, 'spike']
  ])('%j → %s', (options, objective) => {
    expect(chooseObjective(options).objective).toBe(objective)
  })

  it('an unknown objective is an error naming where it came from', () => {
    expect(() => chooseObjective({ eventName: 'push', input: 'lod' })).toThrow(
      "Input 'objective': unknown objective 'lod'; use one of smoke, baseline, load, stress, spike, soak, capacity"
    )
  })
})

describe('weights', () => {
  it('are normalised and the normalisation reported', () => {
    const profile = parseProfile(
      'target: {base_url: "http://x"}\nendpoints:\n  - {name: a, path: /a, weight: 3}\n  - {name: b, path: /b, weight: 1}\n',
      'p.yml'
    )
    const plan = planLoad(profile, { objective: 'smoke', reason: 'test' })
    expect(plan.weights).toEqual([0.75, 0.25])
    expect(planWarningText(plan.warnings[0])).toBe(
      'endpoint weights add up to 4, not 100; normalised to a 75%, b 25%'
    )
  })
})

describe('regression tolerances', () => {
  const base =
    'target: {base_url: "http://x"}\nendpoints:\n  - {name: checkout, path: /a}\n  - {name: search, path: /b}\n'

  it('are read per metric and per endpoint', () => {
    const profile = parseProfile(
      `${base}regression:\n  p95: {warn: 5, fail: 15, floor: 10}\n  endpoints:\n    checkout: {p95: {fail: 30}}\n`,
      'p.yml'
    )
    expect(profile.regression?.p95).toEqual({ warn: 5, fail: 15, floor: 10 })
    expect(profile.regression?.endpoints?.checkout.p95?.fail).toBe(30)
  })

  it('an endpoint name that does not exist is an error at its line', () => {
    expect(() =>
      parseProfile(
        `${base}regression:\n  endpoints:\n    chekout: {p95: {fail: 30}}\n`,
        'p.yml'
      )
    ).toThrow(
      /p\.yml:7:5: regression\.endpoints\.chekout: no endpoint named 'chekout'; did you mean 'checkout'\?/
    )
  })

  it('an unknown metric is an error with the metrics it knows', () => {
    expect(() =>
      parseProfile(`${base}regression:\n  p96: {fail: 10}\n`, 'p.yml')
    ).toThrow(/unknown key 'p96'; did you mean 'p95'\?/)
  })
})

describe('a golden script for every objective', () => {
  const profile = parseProfile(example, 'examples/perf-gate.yml')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'))
  const dataFiles = EXAMPLE_DATA_FILES

  it.each(OBJECTIVES.map((o) => [o]))('%s', (objective) => {
    const plan = planLoad(profile, { objective, reason: 'test' })
    const script = generateScript(profile, plan, {
      scriptDir: path.join(ROOT, 'perf-gate-results'),
      dataFiles,
      profileLabel: 'examples/perf-gate.yml'
    })
    // Deterministic: the same profile gives the same bytes.
    expect(
      generateScript(profile, plan, {
        scriptDir: path.join(ROOT, 'perf-gate-results'),
        dataFiles,
        profileLabel: 'examples/perf-gate.yml'
      })
    ).toBe(script)
    expect(script).toMatchSnapshot()
    // JavaScript that k6's parser takes.
    checkSyntax(script)
    // The options read back are the plan.
    const options = JSON.parse(
      /export const options = (\{[\s\S]*?\n\});?\n/.exec(script)?.[1] ?? '{}'
    )
    const scenario = options.scenarios[objective]
    expect(options.thresholds['http_req_duration']).toEqual(
      objective === 'capacity'
        ? [
            {
              threshold: 'p(95)<200',
              abortOnFail: true,
              delayAbortEval: '10s'
            },
            { threshold: 'p(99)<400', abortOnFail: true, delayAbortEval: '10s' }
          ]
        : ['p(95)<200', 'p(99)<400']
    )
    const expected: Record<Objective, object> = {
      smoke: {
        executor: 'constant-arrival-rate',
        rate: 10,
        duration: '1m',
        preAllocatedVUs: 8,
        maxVUs: 16
      },
      baseline: {
        executor: 'constant-arrival-rate',
        rate: 147,
        duration: '5m',
        preAllocatedVUs: 74,
        maxVUs: 148
      },
      load: {
        executor: 'ramping-arrival-rate',
        stages: [
          { duration: '1m', target: 29 },
          { duration: '5m', target: 29 }
        ]
      },
      stress: {
        executor: 'ramping-arrival-rate',
        stages: expect.arrayContaining([
          { duration: '3m', target: 441 },
          { duration: '3m', target: 588 }
        ])
      },
      spike: {
        executor: 'ramping-arrival-rate',
        // The profile's production peak, 5,000 req/s ÷ 6.8.
        stages: expect.arrayContaining([{ duration: '30s', target: 735 }])
      },
      soak: { executor: 'constant-arrival-rate', rate: 15, duration: '30m' },
      capacity: {
        executor: 'ramping-arrival-rate',
        maxVUs: Math.ceil(Math.ceil(882 * 0.5) * 2)
      }
    }
    expect(scenario).toMatchObject(expected[objective])
    // Secrets and setup data: nothing returned from setup().
    expect(script).not.toMatch(/return [^\n]*token/i)
  })

  it('reads a bearer token from the environment at run time, never inline', () => {
    const bearer = parseProfile(
      fs.readFileSync(
        path.join(ROOT, 'examples', 'perf-gate-bearer.yml'),
        'utf8'
      ),
      'b.yml'
    )
    const plan = planLoad(bearer, { objective: 'smoke', reason: 'test' })
    const script = generateScript(bearer, plan, {
      scriptDir: dir,
      dataFiles: {},
      profileLabel: 'b.yml'
    })
    expect(script).toContain('Authorization: `Bearer ${__ENV.API_TOKEN}`')
    expect(script).toContain(
      "const BASE_URL = (__ENV.BASE_URL || __ENV.API_BASE_URL || '')"
    )
  })
})

describe('the action driven by a profile', () => {
  // The service under test, up: perf-gate asks its health path first.
  let service: LoopbackServer
  beforeAll(async () => {
    service = await upService()
  })
  afterAll(() => service.close())

  const files = {
    '.github/perf-gate.yml': example,
    '.github/data/products.csv': fs.readFileSync(
      path.join(ROOT, 'examples', 'data', 'products.csv')
    ),
    '.github/data/customers.json': fs.readFileSync(
      path.join(ROOT, 'examples', 'data', 'customers.json')
    )
  }

  it('generates the script, picks smoke on a pull request and gates on the run', async () => {
    const run = await runAction({
      files,
      inputs: { 'k6-path': FAKE_K6, 'base-url': service.url },
      env: { FAKE_K6_FIXTURE: 'pass' },
      event: {
        name: 'pull_request',
        payload: {
          pull_request: { number: 7, base: { ref: 'main' }, head: {} }
        }
      }
    })
    expect(run.code).toBe(0)
    expect(run.outputs.objective).toBe('smoke')
    expect(run.outputs.fingerprint).toMatch(/^[0-9a-f]{16}$/)
    expect(run.summary).toContain(
      'Objective **smoke**, chosen by objectives.triggers.pull_request in the profile.'
    )
    // Smoke runs a rate of its own: the capacity model is not shown; what
    // the run can judge is.
    expect(run.summary).not.toContain('Production 2000 req/s')
    expect(run.summary).toContain(
      '**What this run can judge** (against a baseline of the same plan): overall p95 latency (600 requests; p99 needs 1,000)'
    )
    const script = fs.readFileSync(
      path.join(run.workspace, 'perf-gate-results', 'perf-gate-script.js'),
      'utf8'
    )
    expect(script).toContain('openFile("../.github/data/products.csv")')
  })

  it('load-factor and duration-factor scale what k6 runs, and the run says so', async () => {
    const plain = await runAction({
      files,
      inputs: {
        'k6-path': FAKE_K6,
        objective: 'load',
        'base-url': service.url
      },
      env: { FAKE_K6_FIXTURE: 'pass' }
    })
    const run = await runAction({
      files,
      inputs: {
        'k6-path': FAKE_K6,
        objective: 'load',
        'base-url': service.url,
        'load-factor': '0.1',
        'duration-factor': '0.5'
      },
      env: { FAKE_K6_FIXTURE: 'pass' }
    })
    expect(run.code).toBe(0)
    const script = fs.readFileSync(
      path.join(run.workspace, 'perf-gate-results', 'perf-gate-script.js'),
      'utf8'
    )
    const options = JSON.parse(
      /export const options = (\{[\s\S]*?\n\});?\n/.exec(script)?.[1] ?? '{}'
    )
    // The example's load: 29/s (share 0.1) for 1m + 5m → 3/s for 30 s + 150 s.
    expect(options.scenarios.load.stages).toEqual([
      { duration: '30s', target: 3 },
      { duration: '150s', target: 3 }
    ])
    expect(run.stdout).toContain(
      'Load: load: up to 3 iterations/s (one request each) for 3m'
    )
    expect(run.summary).toContain(
      'load ×0.1 (input load-factor), durations ×0.5 (input duration-factor)'
    )
    expect(run.outputs.fingerprint).not.toBe(plain.outputs.fingerprint)
  })

  it('generate-only writes the script, an env example and notes, and runs nothing', async () => {
    const run = await runAction({
      files,
      inputs: { 'generate-only': 'true', objective: 'load', 'k6-path': '' },
      event: { name: 'push', payload: {} }
    })
    expect(run.code).toBe(0)
    const dir = path.join(run.workspace, 'perf-gate-results')
    expect(fs.readdirSync(dir).sort()).toEqual([
      'USAGE.md',
      'config.example.env',
      'perf-gate-script.js'
    ])
    expect(run.summary).toContain('generate-only: nothing ran')
    expect(run.stdout).not.toContain('Acquiring k6')
  })

  it.each([
    [
      'a YAML syntax error',
      'target: {base_url: [\n',
      /^::error::\.github\/perf-gate\.yml:2:1: YAML syntax error/
    ],
    [
      'an unknown key',
      'target: {base_url: "http://x"}\nendpoint: []\n',
      /perf-gate\.yml:2:1: endpoint: unknown key 'endpoint'; did you mean 'endpoints'\?/
    ],
    [
      'a wrong type',
      'target: {base_url: 3}\n',
      /perf-gate\.yml:1:20: target\.base_url: expected string, got number 3/
    ],
    [
      'an invalid threshold',
      'target: {base_url: "http://x"}\nendpoints: [{name: a, path: /a}]\nthresholds:\n  k6:\n    http_req_duration: [p95<500]\n',
      /perf-gate\.yml:5:25: thresholds\.k6\.http_req_duration\[0\]: invalid threshold expression 'p95<500'.*did you mean p\(95\)\?/
    ],
    [
      'an unknown objective',
      'target: {base_url: "http://x"}\nobjectives:\n  triggers: {push: lod}\n',
      /perf-gate\.yml:3:20: objectives\.triggers\.push: expected one of smoke.*did you mean 'load'\?/
    ],
    [
      'an unset environment variable',
      'target: {base_url: "${API_BASE_URL}"}\nendpoints: [{name: a, path: /a}]\n',
      /reads \$API_BASE_URL, which is not set/
    ],
    [
      'a data file that does not exist',
      'target: {base_url: "http://x"}\ndata: {ids: {file: nope.csv}}\nendpoints: [{name: a, path: /a}]\n',
      /data\.ids\.file: 'nope\.csv' does not exist/
    ],
    [
      'a path that leaves the workspace',
      'target: {base_url: "http://x"}\ndata: {ids: {file: ../../../etc/x.csv}}\nendpoints: [{name: a, path: /a}]\n',
      /data\.ids\.file: '\.\.\/\.\.\/\.\.\/etc\/x\.csv' resolves to .*, outside the workspace/
    ]
  ])('%s: a clear error before k6 starts', async (_name, yaml, message) => {
    const run = await runAction({
      files: { '.github/perf-gate.yml': yaml },
      inputs: { 'k6-path': FAKE_K6 },
      event: { name: 'pull_request', payload: {} }
    })
    expect(run.code).toBe(1)
    const errors = annotations(run.stdout).filter((l) =>
      l.startsWith('::error::')
    )
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
    expect(run.stdout).not.toContain('Running ')
  })

  it('a profile script and a script input conflict', async () => {
    const run = await runAction({
      files: {
        '.github/perf-gate.yml': 'script: perf/own.js\n',
        'perf/own.js': ''
      },
      inputs: { 'k6-path': FAKE_K6, script: 'perf/own.js' }
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout).join('\n')).toMatch(
      /Input 'script': \.github\/perf-gate\.yml also names a script \(perf\/own\.js\); keep one of them/
    )
  })
})
