import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseDocument } from 'yaml'
import { parseProfile } from '../src/profile/load.js'
import { planLoad } from '../src/profile/plan.js'
import type { Objective } from '../src/profile/schema.js'
import { renderPlan } from '../src/report/load-plan.js'
import { TrendSink } from '../src/k6/sinks.js'
import { generateScript } from '../src/script/generate.js'
import { formatMs } from '../src/report/format.js'
import {
  exampleFiles,
  annotations,
  FAKE_K6,
  FIXTURES,
  PUSH_EVENT,
  ROOT,
  runAction
} from './helpers/action.js'
import { checkSyntax, runWithShim, scriptOptions } from './helpers/k6-shim.js'

/**
 * A browser journey beside the load: the generated scenario and function
 * (its options read back, its steps run against a recording k6/browser),
 * Chromium found or named, and the report's Web Vitals per page on real
 * k6 browser runs (k6 1.3.0 and 2.2.0 driving Debian's Chromium).
 */
const EXAMPLE = fs.readFileSync(
  path.join(ROOT, 'examples', 'perf-gate-browser.yml'),
  'utf8'
)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-'))

function planned(objective: Objective, text = EXAMPLE) {
  const profile = parseProfile(text, 'perf-gate-browser.yml')
  const plan = planLoad(profile, { objective, reason: 'the test' })
  const script = generateScript(profile, plan, {
    scriptDir: tmp,
    dataFiles: {},
    profileLabel: 'perf-gate-browser.yml'
  })
  return { profile, plan, script }
}

const optionsOf = scriptOptions

/** A stand-in browser binary: perf-gate only needs it to exist. */
function stubBrowser(): string {
  const file = path.join(tmp, 'chromium')
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 })
  return file
}

describe('the browser journey in the plan and the script', () => {
  it('is its own scenario in Chromium beside the load, with its thresholds', () => {
    const { plan, script } = planned('load')
    const options = optionsOf(script)
    expect(Object.keys(options.scenarios)).toEqual(['load', 'browser'])
    expect(options.scenarios.browser).toEqual({
      executor: 'shared-iterations',
      vus: 1,
      iterations: 3,
      maxDuration: '300s',
      exec: 'browserJourney',
      options: { browser: { type: 'chromium' } }
    })
    expect(options.scenarios).toEqual(
      JSON.parse(JSON.stringify(plan.scenarios))
    )
    expect(options.thresholds.browser_web_vital_lcp).toEqual(['p(75)<2500'])
    expect(options.thresholds.browser_web_vital_cls).toEqual(['p(75)<0.1'])
    expect(script).toContain("import { browser } from 'k6/browser'")
    expect(() => checkSyntax(script)).not.toThrow()
    const table = renderPlan({
      plan,
      profileLabel: 'x',
      scriptText: script,
      envVars: []
    }).join('\n')
    expect(table).toContain(
      '| browser | `shared-iterations` | 3 browser journeys in Chromium, within 300s | 1 |'
    )
  })

  it('visits each page and runs its steps, a check per expected text', () => {
    const { script } = planned('smoke')
    const run = runWithShim(script, {
      env: { SHOP_URL: 'http://shop.test' },
      iterations: 1,
      exec: { name: 'browserJourney' },
      text: { '#cart': '1 item', '#name': 'Product 1' }
    })
    expect(run.initError).toBeUndefined()
    expect(run.browser).toEqual([
      'newPage',
      'goto http://shop.test/index.html',
      'click #add',
      'textContent #cart',
      'goto http://shop.test/product.html',
      'waitFor #name',
      'textContent #name',
      'close'
    ])
    expect(run.checks).toEqual([
      'home: #cart is 1 item',
      'product: #name is Product 1'
    ])
  })

  it('the load factor scales its VUs, never past its iterations', () => {
    const doc = parseDocument(EXAMPLE)
    doc.setIn(['objectives', 'load', 'load_factor'], 5)
    const { scenarios } = optionsOf(planned('load', doc.toString()).script)
    expect(scenarios.browser).toMatchObject({ vus: 3, iterations: 3 })
  })
})

describe('the browser journey through the action, on real k6 browser runs', () => {
  const files = { '.github/perf-gate.yml': EXAMPLE }
  /** The example's smoke run through the bundle, k6 replaying `env`'s fixture. */
  const smokeRun = (env: Record<string, string>) =>
    runAction({
      files,
      inputs: {
        objective: 'smoke',
        baseline: 'none',
        'k6-path': FAKE_K6,
        'base-url': 'http://127.0.0.1:18093'
      },
      env,
      event: PUSH_EVENT
    })

  it.each(['v1.3.0/browser', 'v2.2.0/browser'])(
    '%s: Web Vitals per page, as k6 recorded them',
    async (fixture) => {
      const envLog = path.join(tmp, `${fixture.replace('/', '-')}-env.log`)
      const browserPath = stubBrowser()
      const run = await smokeRun({
        FAKE_K6_FIXTURE: fixture,
        FAKE_K6_ENV_LOG: envLog,
        K6_BROWSER_EXECUTABLE_PATH: browserPath
      })
      expect(run.code).toBe(0)
      // k6 was handed the browser found.
      const k6Env = JSON.parse(fs.readFileSync(envLog, 'utf8').trim())
      expect(k6Env.K6_BROWSER_EXECUTABLE_PATH).toBe(browserPath)
      // The oracle: k6's sink over the samples of each page's URL. (k6
      // 2.2.0 recorded no LCP for the first page, which it left at once.)
      const vitals = fs
        .readFileSync(path.join(FIXTURES, fixture, 'results.json'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"metric":"browser_web_vital_'))
        .map((l) => JSON.parse(l))
        .filter((l) => l.type === 'Point')
      const urls = [...new Set(vitals.map((v) => v.data.tags.url as string))]
      expect(urls.sort()).toEqual([
        'http://127.0.0.1:18093/index.html',
        'http://127.0.0.1:18093/product.html'
      ])
      expect(run.summary).toContain('### Web Vitals (p75 per page)')
      for (const url of urls) {
        const sink = new TrendSink()
        for (const v of vitals) {
          if (v.metric === 'browser_web_vital_lcp' && v.data.tags.url === url)
            sink.add(v.data.value)
        }
        const cell = sink.count
          ? `🟢 ${formatMs(sink.percentile(0.75))}`
          : 'n/a'
        expect(run.summary).toContain(`| ${url} | ${cell} |`)
      }
      // k6's own verdict on the Web Vitals thresholds; CLS is a score.
      expect(run.summary).toMatch(
        /\| ✅ \| `browser_web_vital_lcp` \| `p\(75\)<2500` \| p\(75\) = [\d.]+ ms/
      )
      expect(run.summary).toMatch(
        /\| ✅ \| `browser_web_vital_cls` \| `p\(75\)<0\.1` \| p\(75\) = 0(\.0+)? /
      )
      expect(run.summary).not.toMatch(/`browser_web_vital_cls` .* ms/)
    }
  )

  it('without Chrome or Chromium, fails before k6 runs and says how to get one', async () => {
    const bin = path.join(tmp, 'bin-no-browser')
    fs.mkdirSync(bin, { recursive: true })
    if (!fs.existsSync(path.join(bin, 'node')))
      fs.symlinkSync(process.execPath, path.join(bin, 'node'))
    const argvLog = path.join(tmp, 'argv-no-browser.log')
    const run = await smokeRun({
      PATH: bin,
      FAKE_K6_FIXTURE: 'v1.3.0/browser',
      FAKE_K6_ARGV_LOG: argvLog
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toContainEqual(
      expect.stringMatching(
        /^::error::the profile's browser journey needs Chrome or Chromium, and none is on PATH .*sudo apt-get install -y chromium\) or set K6_BROWSER_EXECUTABLE_PATH\.$/
      )
    )
    const argv = fs.existsSync(argvLog) ? fs.readFileSync(argvLog, 'utf8') : ''
    expect(argv).not.toContain('"run"')
  })
})

describe('generate-only with pools and a browser journey', () => {
  it('writes one script whose options are the plan the job summary shows', async () => {
    const pools = fs.readFileSync(
      path.join(ROOT, 'examples', 'perf-gate-pools.yml'),
      'utf8'
    )
    const doc = parseDocument(pools)
    doc.set(
      'browser',
      doc.createNode({ pages: [{ name: 'home', path: '/index.html' }] })
    )
    const run = await runAction({
      files: exampleFiles(doc.toString()),
      inputs: { 'generate-only': 'true', objective: 'load' },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(0)
    const script = fs.readFileSync(
      path.join(run.workspace, 'perf-gate-results', 'perf-gate-script.js'),
      'utf8'
    )
    const { scenarios } = optionsOf(script)
    expect(Object.keys(scenarios)).toEqual([
      'reads',
      'writes',
      'admin',
      'browser'
    ])
    for (const [name, s] of Object.entries(scenarios)) {
      const vus =
        s.executor === 'shared-iterations'
          ? String(s.vus)
          : `${s.preAllocatedVUs} pre-allocated, ${s.maxVUs} max`
      expect(run.summary).toMatch(
        new RegExp(`\\| ${name} \\| \`${s.executor}\` \\| [^|]+ \\| ${vus} \\|`)
      )
    }
    expect(run.summary).toContain(
      '| admin | GET /api/status | 1 iteration/s of its own, from 10s |'
    )
    expect(() => checkSyntax(script)).not.toThrow()
  })
})
