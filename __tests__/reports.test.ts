import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseStringPromise } from 'xml2js'
import {
  annotations,
  FAKE_K6,
  FIXTURES,
  fixtureScript,
  runAction,
  type ActionRun
} from './helpers/action.js'
import {
  capAnnotations,
  thresholdAnnotations
} from '../src/report/annotations.js'
import { readSummary } from '../src/results/summary.js'
import { upService } from './helpers/http.js'

/**
 * The files beside the job summary that other tools read: k6's own HTML
 * report (its web dashboard, exported) and perf-gate-junit.xml.
 */

function logFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'k6env-')), 'env.log')
}

/** k6's own variables (K6_*) of the first k6 run logged. */
function k6Env(file: string): Record<string, string> {
  const [line] = fs.readFileSync(file, 'utf8').split('\n')
  return Object.fromEntries(
    Object.entries(JSON.parse(line) as Record<string, string>).filter(
      ([name]) => name.startsWith('K6_')
    )
  )
}

async function runRecorded(
  fixture: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<ActionRun> {
  return runAction({
    files: {
      'perf/t.js': fs.readFileSync(
        path.join(FIXTURES, fixture, 'script.js'),
        'utf8'
      )
    },
    inputs: { script: 'perf/t.js', 'k6-path': FAKE_K6, ...inputs },
    env: { FAKE_K6_FIXTURE: fixture, ...env }
  })
}

describe("k6's HTML report (its web dashboard, exported)", () => {
  it.each(['v1.3.0/dashboard', 'v2.2.0/dashboard'])(
    '%s: k6 is asked for it, nothing listens, and the report is kept, named and linked',
    async (fixture) => {
      const log = logFile()
      const run = await runRecorded(fixture, {}, { FAKE_K6_ENV_LOG: log })
      expect(run.code).toBe(0)
      const results = path.join(run.workspace, 'perf-gate-results')
      const html = path.join(results, 'k6-report.html')
      expect(k6Env(log)).toEqual({
        K6_WEB_DASHBOARD: 'true',
        K6_WEB_DASHBOARD_PORT: '-1',
        // A script of its own: perf-gate does not know how long it runs.
        K6_WEB_DASHBOARD_PERIOD: '2s',
        K6_WEB_DASHBOARD_EXPORT: html
      })
      expect(run.outputs['html-report-path']).toBe(html)
      // The bytes k6 wrote, untouched: perf-gate writes no HTML of its own.
      expect(fs.readFileSync(html)).toEqual(
        fs.readFileSync(path.join(FIXTURES, fixture, 'report.html'))
      )
      expect(run.summary).toContain("📊 k6's HTML report `k6-report.html`")
    }
  )

  it('a profile run sets the period from the plan: about 60 points for a 20 s smoke', async () => {
    const log = logFile()
    const profile = [
      'version: 1',
      'target: { base_url: "http://127.0.0.1:1" }',
      'objectives: { smoke: { duration: 20s, vus: 1 } }',
      'endpoints:',
      '  - { name: GET /api/status, path: /api/status }',
      ''
    ].join('\n')
    await runAction({
      files: { '.github/perf-gate.yml': profile },
      inputs: { 'k6-path': FAKE_K6, objective: 'smoke' },
      env: { FAKE_K6_FIXTURE: 'pass', FAKE_K6_ENV_LOG: log }
    })
    expect(k6Env(log).K6_WEB_DASHBOARD_PERIOD).toBe('1s')
  })

  it('html-report: false leaves the dashboard off, and the output empty', async () => {
    const log = logFile()
    const run = await runRecorded(
      'v2.2.0/dashboard',
      { 'html-report': 'false' },
      { FAKE_K6_ENV_LOG: log }
    )
    expect(run.code).toBe(0)
    expect(k6Env(log)).toEqual({})
    expect(run.outputs['html-report-path']).toBe('')
    expect(
      fs.existsSync(
        path.join(run.workspace, 'perf-gate-results', 'k6-report.html')
      )
    ).toBe(false)
  })
})

interface Case {
  name: string
  classname?: string
  failure?: { message: string; type?: string }
  skipped: boolean
  out?: string
}

/**
 * perf-gate-junit.xml as the test-report tools read it: parsed with
 * xml2js (dorny/test-reporter's parser), and held to the rules of the JUnit
 * schema they follow (Jenkins' junit-10.xsd): a testsuites root; each
 * testsuite with name, tests, failures and errors; times as decimal
 * seconds; each testcase with a name; failure with message and type.
 */
async function readJUnit(file: string): Promise<{
  suites: { name: string; tests: number; failures: number; cases: Case[] }[]
}> {
  const xml = await parseStringPromise(fs.readFileSync(file, 'utf8'))
  expect(Object.keys(xml)).toEqual(['testsuites'])
  const suites = (xml.testsuites.testsuite ?? []).map(
    (s: {
      $: Record<string, string>
      testcase?: {
        $: Record<string, string>
        failure?: ({ $: Record<string, string> } | string)[]
        skipped?: unknown[]
        'system-out'?: string[]
      }[]
    }) => {
      for (const attribute of ['name', 'tests', 'failures', 'errors']) {
        expect([attribute, typeof s.$[attribute]]).toEqual([
          attribute,
          'string'
        ])
      }
      if (s.$.time !== undefined) expect(s.$.time).toMatch(/^\d+(\.\d+)?$/)
      const cases: Case[] = (s.testcase ?? []).map((c) => {
        expect(typeof c.$.name).toBe('string')
        const failure = c.failure?.[0]
        const attributes =
          typeof failure === 'object' && failure !== null ? failure.$ : {}
        return {
          name: c.$.name,
          classname: c.$.classname,
          failure: failure
            ? { message: attributes.message, type: attributes.type }
            : undefined,
          skipped: c.skipped !== undefined,
          out: c['system-out']?.[0]
        }
      })
      const failures = cases.filter((c) => c.failure).length
      expect(Number(s.$.tests)).toBe(cases.length)
      expect(Number(s.$.failures)).toBe(failures)
      return {
        name: s.$.name,
        tests: cases.length,
        failures,
        cases
      }
    }
  )
  return { suites }
}

describe('perf-gate-junit.xml', () => {
  it('a crossed threshold is a failed case with what was observed; held ones pass', async () => {
    const run = await runAction({
      files: fixtureScript('fail'),
      inputs: { script: 'perf/fail.js', 'k6-path': FAKE_K6 }
    })
    expect(run.code).toBe(1)
    const file = run.outputs['junit-path']
    expect(file).toBe(
      path.join(run.workspace, 'perf-gate-results', 'perf-gate-junit.xml')
    )
    const { suites } = await readJUnit(file)
    expect(suites.map((s) => s.name)).toEqual([
      'perf/fail.js: run',
      'perf/fail.js: thresholds'
    ])
    const thresholds = suites[1]
    const failed = thresholds.cases.filter((c) => c.failure)
    expect(failed.length).toBeGreaterThan(0)
    // The same thresholds the annotations name, one case each.
    expect(failed.length).toBe(
      annotations(run.stdout).filter((l) => l.includes('threshold crossed'))
        .length
    )
    for (const c of failed) {
      expect(c.failure?.type).toBe('threshold')
      expect(c.failure?.message).toMatch(/^crossed: \S+ .+ \(.+=.+\)$/)
    }
    // The run itself did not fail: its thresholds did.
    expect(suites[0].cases).toEqual([
      expect.objectContaining({ name: 'k6 run', failure: undefined })
    ])
  })

  it('a broken script fails the run case, with k6’s reason', async () => {
    const run = await runAction({
      files: fixtureScript('syntaxerr'),
      inputs: { script: 'perf/syntaxerr.js', 'k6-path': FAKE_K6 }
    })
    expect(run.code).toBe(1)
    const { suites } = await readJUnit(run.outputs['junit-path'])
    expect(suites.map((s) => s.name)).toEqual(['perf/syntaxerr.js: run'])
    expect(suites[0].cases[0].failure).toEqual({
      type: 'run',
      message: expect.stringMatching(
        /^the script failed \(exit code 255\): syntaxerr\.js:3:0 /
      )
    })
  })

  it('a passing run: every threshold a passing case that says what held', async () => {
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6 }
    })
    expect(run.code).toBe(0)
    const { suites } = await readJUnit(run.outputs['junit-path'])
    const thresholds = suites.find((s) => s.name.endsWith(': thresholds'))
    expect(thresholds?.tests).toBe(13)
    expect(thresholds?.failures).toBe(0)
    for (const c of thresholds?.cases ?? []) {
      expect(c.out).toMatch(/^held: \S+ .+/)
    }
  })

  it('junit: false writes none', async () => {
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6, junit: 'false' }
    })
    expect(run.code).toBe(0)
    expect(run.outputs['junit-path']).toBe('')
    expect(
      fs.existsSync(
        path.join(run.workspace, 'perf-gate-results', 'perf-gate-junit.xml')
      )
    ).toBe(false)
  })
})

describe('annotations', () => {
  it('never more than GitHub shows: past the limit, the last one says how many more', () => {
    // The crossed thresholds of the three recorded failing runs (13).
    const list = ['fail', 'v1.6.1/fail', 'v2.2.0/fail'].flatMap((fixture) =>
      thresholdAnnotations(
        readSummary(path.join(FIXTURES, fixture, 'summary.json')),
        '/workspace'
      )
    )
    expect(list).toHaveLength(13)
    const shown = capAnnotations(list, 9)
    expect(shown).toHaveLength(9)
    expect(shown.slice(0, 8)).toEqual(list.slice(0, 8))
    expect(shown[8].title).toBe('perf-gate: 5 more')
    expect(shown[8].message).toMatch(
      /^5 more \(threshold crossed\) not annotated, GitHub shows 10 per step: .*The job summary lists every one\.$/
    )
    expect(capAnnotations(list.slice(0, 9), 9)).toEqual(list.slice(0, 9))
  })

  it('a failing run: one per crossed threshold, with the failure line, at most 10', async () => {
    const run = await runAction({
      files: fixtureScript('fail'),
      inputs: { script: 'perf/fail.js', 'k6-path': FAKE_K6 }
    })
    const errors = annotations(run.stdout)
    expect(errors).toHaveLength(6)
    expect(errors.filter((l) => l.includes('threshold crossed'))).toHaveLength(
      5
    )
  })

  it("a profile's crossed threshold is placed on the profile's line that declares it", async () => {
    const service = await upService()
    // The recorded failing run stands in for the profile's generated
    // script: the thresholds the profile declares are the ones it crossed.
    const profile = [
      'version: 1',
      `target: { base_url: "${service.url}" }`,
      'endpoints:',
      '  - { name: GET /slow, path: /slow }',
      'thresholds:',
      '  slo: { error_rate: 0.05, checks: 0.95 }',
      '  k6:',
      "    http_req_duration: ['p(95)<20', 'p(99)<5']",
      'objectives: { smoke: { duration: 5s, rate: 2 } }',
      ''
    ].join('\n')
    const run = await runAction({
      files: { '.github/perf-gate.yml': profile },
      inputs: { 'k6-path': FAKE_K6, baseline: 'none', objective: 'smoke' },
      env: { FAKE_K6_FIXTURE: 'fail' }
    }).finally(() => service.close())
    const errors = annotations(run.stdout).filter((l) =>
      l.includes('threshold crossed')
    )
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^::error title=perf-gate: threshold crossed,file=\.github\/perf-gate\.yml,line=8,col=\d+::http_req_duration p\(95\)<20/
      )
    )
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^::error title=perf-gate: threshold crossed,file=\.github\/perf-gate\.yml,line=6,col=\d+::checks rate>0\.95/
      )
    )
  })
})
