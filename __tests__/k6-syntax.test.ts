import { describe, expect, it } from '@jest/globals'
import * as acorn from 'acorn'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse, stringify } from 'yaml'
import { parseProfile } from '../src/profile/load.js'
import { planLoad, type LoadPlan } from '../src/profile/plan.js'
import { OBJECTIVES } from '../src/profile/schema.js'
import { generateScript } from '../src/script/generate.js'
import { wrapOwnScript } from '../src/script/wrap.js'
import { EXAMPLE_DATA_FILES, FIXTURES, ROOT } from './helpers/action.js'
import {
  acceptedFeatures,
  checkK6Syntax,
  recordedScripts
} from './helpers/k6-syntax.js'

/**
 * Every script perf-gate writes is held to k6's parser, not Node's. The
 * check itself is held to what real k6 said of the recorded scripts.
 */
const VERSIONS = ['v1.3.0', 'v2.2.0']
const wrapperDir = (version: string, kind: string): string =>
  path.join(FIXTURES, version, kind)

describe("the check agrees with real k6's verdicts", () => {
  it.each(VERSIONS)(
    '%s: the wrapper k6 rejected (exit 107, Line 5:1 Unexpected token const) is rejected, at the statement before it',
    (version) => {
      const dir = wrapperDir(version, 'wrapper-asi')
      const run = path.join(dir, 'perf-gate-results')
      expect(
        fs.readFileSync(path.join(run, 'exitcode.txt'), 'utf8').trim()
      ).toBe('107')
      expect(fs.readFileSync(path.join(run, 'stderr.txt'), 'utf8')).toContain(
        'Line 5:1 Unexpected token const'
      )
      const script = fs.readFileSync(path.join(run, 'script.js'), 'utf8')
      expect(() => checkK6Syntax(script)).toThrow(
        /a statement ends without ';' at .*\b4:27\b/
      )
    }
  )

  it.each(VERSIONS)(
    "%s: perf-gate's wrapper is the script real k6 ran (exit 0), token for token, and passes",
    (version) => {
      const dir = wrapperDir(version, 'wrapper-semicolon')
      const run = path.join(dir, 'perf-gate-results')
      expect(
        fs.readFileSync(path.join(run, 'exitcode.txt'), 'utf8').trim()
      ).toBe('0')
      const recorded = fs.readFileSync(path.join(run, 'script.js'), 'utf8')
      // The recording's profile thresholds, as the plan gives them.
      const added = JSON.parse(
        /const added = (\{[\s\S]*?\n\})/.exec(recorded)![1]
      ) as LoadPlan['thresholds']
      const ours = wrapOwnScript('../perf/load.js', {
        thresholds: added
      } as LoadPlan)
      expect(() => checkK6Syntax(ours)).not.toThrow()
      // The same tokens in the same order; ours has a ';' after each
      // statement where the recording left some out.
      expect(tokens(ours)).toEqual(tokens(recorded))
    }
  )

  it('the constructs k6 parsed come from runs that did not fail to parse', () => {
    const scripts = recordedScripts()
    expect(scripts.length).toBeGreaterThan(30)
    for (const file of scripts) {
      expect(file).not.toMatch(/wrapper-asi\/perf-gate-results|syntaxerr/)
    }
    const accepted = acceptedFeatures()
    for (const used of [
      'ExportDefaultDeclaration',
      'ExportAllDeclaration',
      'AwaitExpression',
      'TemplateLiteral',
      'import k6/http'
    ]) {
      expect(accepted).toContain(used)
    }
  })
})

/** A script's tokens: type and value, without the `;` ones. */
function tokens(script: string): string[] {
  return [
    ...acorn.tokenizer(script, { ecmaVersion: 2022, sourceType: 'module' })
  ]
    .filter((t) => t.type.label !== ';')
    .map(
      (t) => `${t.type.label} ${String((t as { value?: unknown }).value ?? '')}`
    )
}

const example = parse(
  fs.readFileSync(path.join(ROOT, 'examples', 'perf-gate.yml'), 'utf8')
) as Record<string, unknown>

/** Each way the generator writes code, from one profile each. */
const PATHS: [
  string,
  (p: Record<string, unknown>) => Record<string, unknown>
][] = [
  [
    'the example profile (CSV and JSON data, a follow-up, think time)',
    (p) => p
  ],
  [
    'bearer auth and a variable base URL',
    (p) => ({
      ...p,
      target: { base_url: '${API_BASE_URL}', health: '/health' },
      auth: { type: 'bearer', token_env: 'API_TOKEN' }
    })
  ],
  [
    'an API key',
    (p) => ({
      ...p,
      auth: { type: 'api-key', header: 'X-Key', key_env: 'API_KEY' }
    })
  ],
  [
    'OAuth2 client credentials',
    (p) => ({
      ...p,
      auth: {
        type: 'oauth2-client-credentials',
        token_url: '/oauth/token',
        client_id_env: 'CID',
        client_secret_env: 'CSECRET',
        scope: 'read'
      }
    })
  ],
  [
    'no data, no health, no think time',
    (p) => {
      const { data: _d, think_time: _t, regression: _r, ...rest } = p
      return {
        ...rest,
        thresholds: { slo: { p95: 200 } },
        target: { base_url: 'http://127.0.0.1:3000' },
        endpoints: [
          { name: 'GET /api/status', path: '/api/status' },
          {
            name: 'POST /api/echo',
            method: 'POST',
            path: '/api/echo',
            body: { fixed: true }
          }
        ]
      }
    }
  ],
  [
    'pools',
    (p) => ({
      ...p,
      pools: [
        {
          name: 'reads',
          endpoints: ['GET /api/status', 'GET /api/products/:id'],
          share: 0.8
        },
        { name: 'writes', endpoints: ['POST /api/orders'], share: 0.2 },
        { name: 'admin', endpoints: ['GET /api/status'], rate: 1 }
      ]
    })
  ],
  [
    'a browser journey',
    (p) => ({
      ...p,
      browser: {
        vus: 1,
        iterations: 2,
        pages: [
          {
            name: 'home',
            path: '/index.html',
            steps: [
              { click: '#add' },
              { wait_for: '#cart' },
              { fill: { selector: '#q', value: 'x' } },
              { expect_text: { selector: '#cart', equals: '1 item' } }
            ]
          }
        ]
      }
    })
  ]
]

describe('every generator path writes what k6 parses', () => {
  const cases = PATHS.flatMap(([name, edit]) =>
    OBJECTIVES.flatMap((objective) =>
      [false, true].map((paired) => [name, objective, paired, edit] as const)
    )
  )
  it.each(cases)('%s, %s, paired %s', (_name, objective, paired, edit) => {
    const profile = parseProfile(stringify(edit(example)), 'perf-gate.yml')
    const plan = planLoad(
      profile,
      { objective, reason: 'test' },
      paired ? { paired: true } : undefined
    )
    const script = generateScript(profile, plan, {
      scriptDir: path.join(ROOT, 'perf-gate-results'),
      dataFiles: profile.data ? EXAMPLE_DATA_FILES : {},
      profileLabel: 'perf-gate.yml'
    })
    expect(() => checkK6Syntax(script)).not.toThrow()
  })

  it("the profile's own script, wrapped with its thresholds", () => {
    const profile = parseProfile(stringify(example), 'perf-gate.yml')
    const plan = planLoad(profile, { objective: 'smoke', reason: 'test' })
    const wrapped = wrapOwnScript('../perf/it\'s "odd".js', plan)
    expect(() => checkK6Syntax(wrapped)).not.toThrow()
  })
})
