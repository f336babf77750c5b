import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { stringify } from 'yaml'
import { parseProfile } from '../src/profile/load.js'
import { planLoad } from '../src/profile/plan.js'
import { generateScript } from '../src/script/generate.js'
import { checkSyntax, runWithShim } from './helpers/k6-shim.js'

/**
 * Every user string placed into generated code is escaped by construction:
 * quotes, backticks, `${`, `</script>`, line breaks and line separators
 * through every field, the script still parses, and run (k6's modules
 * replaced by recorders) it sends exactly what the profile says.
 */
const NASTY = [
  `it's "quoted"`,
  'back`tick',
  'not ${a} template',
  '</script><script>alert(1)</script>',
  'line\nbreak',
  'carriage\rreturn',
  'sep\u2028ara\u2029tor',
  'back\\slash \\n'
]
// Templated fields read ${…} as a variable: there `${` must be one.
const NASTY_TEMPLATED = NASTY.map((s) => s.replace('${a}', '$ {a}'))

function build(profile: object, label = 'perf "gate".yml\nnext line') {
  const parsed = parseProfile(stringify(profile), 'perf-gate.yml')
  const plan = planLoad(parsed, { objective: 'smoke', reason: 'test' })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'script-'))
  const script = generateScript(parsed, plan, {
    scriptDir: dir,
    dataFiles: {},
    profileLabel: label
  })
  checkSyntax(script)
  return { script, dir }
}

describe('user strings in the generated script', () => {
  it('through every templated and literal field: the script parses, and sends what the profile says', () => {
    const endpoints = NASTY.map((nasty, i) => ({
      name: `E${i} ${nasty}`,
      method: 'POST',
      path: `/api/${encodeURIComponent('x')}/${NASTY_TEMPLATED[i]}`,
      headers: { [`X-${nasty}`]: NASTY_TEMPLATED[i] },
      body: { [nasty]: NASTY_TEMPLATED[i], n: i },
      expect: { status: 201, fields: [nasty] }
    }))
    const { script, dir } = build({
      version: 1,
      target: {
        base_url: 'http://127.0.0.1:1/base',
        health: `/health/${NASTY_TEMPLATED[0]}`
      },
      auth: {
        type: 'api-key',
        header: `X-Key ${NASTY[0]}`,
        key_env: 'API_KEY'
      },
      endpoints,
      objectives: { smoke: { vus: 1, duration: '1s' } }
    })
    const run = runWithShim(script, {
      env: { API_KEY: 'k' },
      iterations: endpoints.length,
      dir
    })
    expect(run.initError).toBeUndefined()
    expect(run.setupError).toBeUndefined()
    expect(run.requests).toHaveLength(endpoints.length)
    run.requests.forEach((request, i) => {
      const e = endpoints[i]
      expect(request.params.tags?.name).toBe(e.name)
      expect(request.url).toBe(`http://127.0.0.1:1/base${e.path}`)
      expect(request.params.headers?.[`X-${NASTY[i]}`]).toBe(NASTY_TEMPLATED[i])
      expect(request.params.headers?.[`X-Key ${NASTY[0]}`]).toBe('k')
      expect(JSON.parse(request.body as string)).toEqual(e.body)
    })
    expect(run.checks).toEqual(
      endpoints.flatMap((e) => [
        `${e.name} is 201`,
        `${e.name} has ${e.expect.fields[0]}`
      ])
    )
  })

  it('follow-ups, OAuth2 and data sets too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'script-data-'))
    fs.writeFileSync(
      path.join(dir, `rows "q".json`),
      JSON.stringify([{ id: `a'b\nc` }])
    )
    const profile = parseProfile(
      stringify({
        version: 1,
        target: { base_url: `http://127.0.0.1:1/${NASTY_TEMPLATED[1]}` },
        auth: {
          type: 'oauth2-client-credentials',
          token_url: `/token/${NASTY_TEMPLATED[4]}`,
          client_id_env: 'CID',
          client_secret_env: 'CSECRET',
          scope: NASTY[2]
        },
        data: { rows: { file: `rows "q".json` } },
        endpoints: [
          {
            name: NASTY[3],
            method: 'POST',
            path: '/jobs/${data.id}',
            data: 'rows',
            follow: {
              path: `/jobs/\${response.id}/${NASTY_TEMPLATED[5]}`,
              until: { field: NASTY[6], equals: NASTY[7] },
              timeout: 2,
              metric: 'job_time'
            }
          }
        ],
        objectives: { smoke: { vus: 1, duration: '1s' } }
      }),
      'p.yml'
    )
    const plan = planLoad(profile, { objective: 'smoke', reason: 'test' })
    const script = generateScript(profile, plan, {
      scriptDir: dir,
      dataFiles: { rows: { path: path.join(dir, `rows "q".json`) } },
      profileLabel: 'p.yml'
    })
    checkSyntax(script)
    const run = runWithShim(script, {
      env: { CID: 'id', CSECRET: 's' },
      iterations: 1,
      dir,
      response: {
        access_token: 't',
        expires_in: 300,
        id: 'J1',
        [NASTY[6]]: NASTY[7]
      }
    })
    expect(run.initError).toBeUndefined()
    const [token, job, poll] = run.requests
    expect(token.url).toBe(
      `http://127.0.0.1:1/${NASTY_TEMPLATED[1]}/token/${NASTY_TEMPLATED[4]}`
    )
    expect(token.body).toMatchObject({ scope: NASTY[2] })
    expect(job.url).toBe(`http://127.0.0.1:1/${NASTY_TEMPLATED[1]}/jobs/a'b\nc`)
    expect(job.params.tags?.name).toBe(NASTY[3])
    expect(poll.url).toBe(
      `http://127.0.0.1:1/${NASTY_TEMPLATED[1]}/jobs/J1/${NASTY_TEMPLATED[5]}`
    )
    expect(poll.params.tags?.name).toBe(`${NASTY[3]} (follow)`)
    expect(run.trends).toEqual(['job_time'])
  })

  it('an unset base-URL variable never throws at init; setup() names it', () => {
    const { script } = build(
      {
        version: 1,
        target: { base_url: '${API_BASE_URL}' },
        endpoints: [{ name: 'GET /', path: '/' }],
        objectives: { smoke: { vus: 1, duration: '1s' } }
      },
      'perf-gate.yml'
    )
    const run = runWithShim(script, { env: {} })
    expect(run.initError).toBeUndefined()
    expect(run.setupError).toBe(
      'API_BASE_URL is not set: it is the base URL of the service under test (target.base_url in perf-gate.yml). Set it in the environment, or give the base-url input.'
    )
    expect(
      runWithShim(script, { env: { API_BASE_URL: 'http://h' } }).setupError
    ).toBeUndefined()
  })
})
