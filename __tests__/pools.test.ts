import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseDocument } from 'yaml'
import { upService } from './helpers/http.js'
import { parseProfile } from '../src/profile/load.js'
import { planLoad, seconds, type Stage } from '../src/profile/plan.js'
import type { Objective } from '../src/profile/schema.js'
import { renderPlan } from '../src/report/load-plan.js'
import { generateScript } from '../src/script/generate.js'
import {
  EXAMPLE_DATA_FILES,
  exampleFiles,
  FAKE_K6,
  PUSH_EVENT,
  ROOT,
  runAction
} from './helpers/action.js'
import {
  EXAMPLE_RESPONSE,
  checkSyntax,
  runWithShim,
  scriptOptions
} from './helpers/k6-shim.js'

/**
 * Independent pools: each its own k6 scenario running its own function,
 * with its share of the objective's load (or a rate of its own), its start
 * time, its endpoints and its thresholds; what the plan says, the script
 * runs (its options read back), and the report has a table per pool.
 */
const EXAMPLE = path.join(ROOT, 'examples', 'perf-gate-pools.yml')
const text = fs.readFileSync(EXAMPLE, 'utf8')
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pools-'))
const TARGET = 294 // 2,000 req/s ÷ 6.8
// The shim runs the script where its data files are: a copy of examples/data.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pools-shim-'))
fs.cpSync(path.join(ROOT, 'examples', 'data'), path.join(dataDir, 'data'), {
  recursive: true
})

function planned(
  objective: Objective,
  edit?: (doc: ReturnType<typeof parseDocument>) => void
) {
  const doc = parseDocument(text)
  edit?.(doc)
  const profile = parseProfile(doc.toString(), 'perf-gate-pools.yml')
  const plan = planLoad(profile, { objective, reason: 'the test' })
  const script = generateScript(profile, plan, {
    scriptDir: path.join(ROOT, 'examples'),
    dataFiles: EXAMPLE_DATA_FILES,
    profileLabel: 'perf-gate-pools.yml'
  })
  return { profile, plan, script }
}

const optionsOf = scriptOptions

describe('pools in the plan and the script', () => {
  it('one scenario per pool: its share of the ramp, its own rate from its start, its function and tag', () => {
    const { plan, script } = planned('stress')
    const { scenarios } = optionsOf(script)
    // The same objective without pools: the shape they split.
    const whole = {
      stages: planned('stress', (doc) => doc.delete('pools')).plan.scenarios
        .stress.stages as Stage[]
    }
    const top = Math.max(...whole.stages.map((st) => st.target))
    expect(Object.keys(scenarios)).toEqual(['reads', 'writes', 'admin'])
    // The plan is what runs.
    expect(scenarios).toEqual(JSON.parse(JSON.stringify(plan.scenarios)))
    const peak = (s: Record<string, unknown>): number =>
      Math.max(...(s.stages as { target: number }[]).map((st) => st.target))
    // reads take 80% of every step of the ramp, writes 20%.
    expect(top).toBe(TARGET * 2)
    expect(peak(scenarios.reads)).toBe(Math.round(top * 0.8))
    expect(peak(scenarios.writes)).toBe(Math.round(top * 0.2))
    expect(
      (scenarios.writes.stages as { target: number }[]).map((st) => st.target)
    ).toEqual(
      whole.stages.map((st) =>
        st.target > 0 ? Math.max(1, Math.round(st.target * 0.2)) : 0
      )
    )
    expect(scenarios.reads).toMatchObject({
      executor: 'ramping-arrival-rate',
      exec: 'pool0',
      tags: { pool: 'reads' }
    })
    expect(scenarios.admin).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 1,
      startTime: '10s',
      exec: 'pool2',
      tags: { pool: 'admin' }
    })
    // The admin pool ends with the others.
    const stressS = (scenarios.reads.stages as { duration: string }[]).reduce(
      (n, st) => n + seconds(st.duration),
      0
    )
    expect(seconds(scenarios.admin.duration as string)).toBe(stressS - 10)
    expect(plan.durationS).toBe(stressS)
    // The load guard sees the pools together.
    expect(plan.rate).toBe(peak(scenarios.reads) + peak(scenarios.writes) + 1)
    expect(plan.peakVus).toBe(
      Object.values(scenarios).reduce((n, s) => n + (s.maxVUs as number), 0)
    )
    expect(() => checkSyntax(script)).not.toThrow()
  })

  it('each pool sends its own endpoints, drawn by their weights', () => {
    const { script } = planned('load')
    const names = (exec: string, table: string, iterations: number): string[] =>
      runWithShim(script, {
        iterations,
        exec: { name: exec, table },
        dir: dataDir,
        response: EXAMPLE_RESPONSE
      }).requests.map((r) => r.params.tags?.name ?? '')
    expect(new Set(names('pool0', 'CUMULATIVE_0', 4))).toEqual(
      new Set(['GET /api/products/:id', 'GET /api/status'])
    )
    expect(new Set(names('pool1', 'CUMULATIVE_1', 2))).toEqual(
      new Set(['POST /api/orders', 'POST /api/orders (follow)'])
    )
    expect(new Set(names('pool2', 'CUMULATIVE_2', 2))).toEqual(
      new Set(['GET /api/status'])
    )
    // Within reads, the endpoints' weights (50 and 30) split its iterations.
    expect(/const CUMULATIVE_0 = \[(.*)\]/.exec(script)?.[1]).toBe('0.625,1')
    expect(script).not.toContain('export default function')
  })

  it("a pool's thresholds are on its requests alone (tag pool)", () => {
    const { plan, script } = planned('load')
    const { thresholds } = optionsOf(script)
    expect(thresholds['http_req_duration{pool:reads}']).toEqual(['p(95)<150'])
    expect(thresholds['http_req_duration{pool:writes}']).toEqual(['p(95)<300'])
    expect(thresholds).toEqual(JSON.parse(JSON.stringify(plan.thresholds)))
  })

  it("smoke runs every pool at its share of smoke's rate, at least one", () => {
    const { scenarios } = optionsOf(planned('smoke').script)
    // 10 iterations/s split 80/20.
    expect(scenarios.reads).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 8
    })
    expect(scenarios.writes).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 2
    })
    expect(scenarios.admin).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 1
    })
  })

  it('the load factor scales every pool, and its start time with the duration factor', () => {
    const { scenarios } = optionsOf(
      planned('load', (doc) =>
        doc.setIn(
          ['objectives', 'load'],
          doc.createNode({ share: 0.1, load_factor: 3, duration_factor: 2 })
        )
      ).script
    )
    expect(scenarios.admin).toMatchObject({ rate: 3, startTime: '20s' })
  })

  it("the job summary's plan lists each pool with its load and VUs", () => {
    const { profile, plan, script } = planned('load')
    const lines = renderPlan({
      plan,
      profileLabel: 'perf-gate-pools.yml',
      scriptText: script,
      envVars: [],
      profile
    }).join('\n')
    for (const [name, s] of Object.entries(optionsOf(script).scenarios)) {
      expect(lines).toContain(`| ${name} | \`${s.executor}\` |`)
      expect(lines).toContain(
        `${s.preAllocatedVUs} pre-allocated, ${s.maxVUs} max`
      )
    }
    expect(lines).toContain(
      '| reads | GET /api/products/:id, GET /api/status | 80% of the load |'
    )
    expect(lines).toContain(
      '| admin | GET /api/status | 1 iteration/s of its own, from 10s |'
    )
  })
})

describe('pools through the action', () => {
  it('the report has a table per pool, from a real run of two scenarios', async () => {
    // k6's recorded run of two scenarios, browse and buy (v1.3.0/shards/whole),
    // stands in for a profile whose pools have those names.
    const doc = parseDocument(text)
    doc.setIn(
      ['pools'],
      doc.createNode([
        {
          name: 'browse',
          endpoints: ['GET /api/products/:id', 'GET /api/status'],
          share: 0.7
        },
        { name: 'buy', endpoints: ['POST /api/orders'], share: 0.3 }
      ])
    )
    const service = await upService()
    const run = await runAction({
      files: exampleFiles(doc.toString()),
      inputs: {
        objective: 'load',
        baseline: 'none',
        'k6-path': FAKE_K6,
        'base-url': service.url
      },
      env: { FAKE_K6_FIXTURE: 'v1.3.0/shards/whole' },
      event: PUSH_EVENT
    }).finally(() => service.close())
    expect(run.summary).toContain('### Pools')
    expect(run.summary).toMatch(/\| browse \| 481 \| /)
    expect(run.summary).toMatch(/\| buy \| 367 \| /)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
