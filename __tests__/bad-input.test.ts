import { afterAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { RunContext } from '../src/action/context.js'
import { getInputs } from '../src/action/inputs.js'
import { prepareRun } from '../src/pipeline/prepare.js'
import { inputEnv } from './helpers/action.js'

/**
 * The catalogue of bad inputs: every kind a user was seen to give, or
 * could. Each must fail before k6 starts with one line that names the
 * input or the profile's file:line:col and says what to write instead:
 * never a raw Node error, a stack, a second line, or a silent pass.
 */

const LABEL = '.github/perf-gate.yml'
const roots: string[] = []
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
})

function workspaceWith(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'))
  roots.push(root)
  const workspace = path.join(root, 'workspace')
  fs.mkdirSync(workspace)
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(workspace, file)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, content)
  }
  return workspace
}

const context: RunContext = {
  eventName: 'pull_request',
  job: 'perf',
  repository: 'acme/shop',
  sha: '0'.repeat(40),
  ref: 'refs/heads/main',
  runId: '1',
  runAttempt: '1',
  serverUrl: 'https://github.com',
  apiUrl: 'http://127.0.0.1:9',
  dispatchInputs: {},
  onRunner: true,
  runner: { os: 'Linux', arch: 'X64' },
  tempDir: os.tmpdir(),
  artifactService: false,
  stepSummary: false
}

/** The error a profile gets, or '' when it was accepted. */
function profileError(
  yaml: string | Buffer,
  files: Record<string, string | Buffer> = {},
  env: Record<string, string> = {}
): string {
  const workspace = workspaceWith({ [LABEL]: yaml, ...files })
  try {
    prepareRun({
      profilePath: path.join(workspace, LABEL),
      profileLabel: LABEL,
      workspace,
      resultsDir: path.join(workspace, 'perf-gate-results'),
      context,
      requireEnv: true,
      env,
      limits: { maxRps: 1000, maxVus: 1000 }
    })
  } catch (error) {
    return (error as Error).message
  }
  return ''
}

/** The error the inputs get, or '' when they were accepted. */
function inputError(
  inputs: Record<string, string>,
  files: Record<string, string | Buffer> = {},
  prepare?: (workspace: string) => void
): string {
  const workspace = workspaceWith(files)
  prepare?.(workspace)
  const env = inputEnv(inputs)
  const saved = { ...process.env }
  Object.assign(process.env, env)
  try {
    getInputs({ GITHUB_WORKSPACE: workspace })
  } catch (error) {
    return (error as Error).message
  } finally {
    for (const name of Object.keys(env)) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
  }
  return ''
}

/** One clear line: where, what, and what to do. */
function expectOneClearLine(message: string, where: RegExp): void {
  expect(message).not.toBe('') // it was rejected, not passed silently
  expect(message).not.toContain('\n')
  expect(message).toMatch(where)
  expect(message.length).toBeLessThanOrEqual(420)
  // Never a raw Node or zod error.
  expect(message).not.toMatch(
    /\b(EEXIST|EISDIR|ENOENT|ENOTDIR|EACCES)\b|TypeError|at Object\.|Invalid input|undefined/
  )
}

const BASE = `target:
  base_url: http://127.0.0.1:18080
endpoints:
  - name: list
    path: /items
`
/** The base profile with `extra` appended at the top level. */
const withTop = (extra: string): string => BASE + extra
/** The base profile with `lines` added to its endpoint. */
const withEndpoint = (lines: string): string =>
  BASE +
  lines
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n') +
  '\n'

type ProfileCase = [
  kind: string,
  yaml: string | Buffer,
  expected: RegExp,
  files?: Record<string, string | Buffer>,
  env?: Record<string, string>
]

const CSV = { '.github/data/users.csv': 'id,name\n1,ann\n2,bob\n' }

const PROFILE_CASES: ProfileCase[] = [
  // The file itself
  [
    'YAML syntax error',
    'target: {base_url: http://x\n',
    /:\d+:\d+: YAML syntax error/
  ],
  ['a duplicate key', `${BASE}target: {}\n`, /:6:1: YAML syntax error.*unique/],
  [
    'a tab for indentation',
    'target:\n\tbase_url: http://x\n',
    /:2:1: YAML syntax error/
  ],
  [
    'UTF-16 LE (decoded, then checked)',
    Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(withTop('endpoint: []\n'), 'utf16le')
    ]),
    /:6:1: endpoint: unknown key 'endpoint'; did you mean 'endpoints'\?/
  ],
  [
    'UTF-16 BE (decoded, then checked)',
    (() => {
      const body = Buffer.from(withTop('endpoint: []\n'), 'utf16le')
      body.swap16()
      return Buffer.concat([Buffer.from([0xfe, 0xff]), body])
    })(),
    /:6:1: endpoint: unknown key 'endpoint'/
  ],
  [
    'a Latin-1 byte',
    Buffer.concat([
      Buffer.from(BASE),
      Buffer.from('  - name: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n    path: /x\n')
    ]),
    /:6:14: byte 0xe9 is not UTF-8.*save it as UTF-8/
  ],
  ['an empty file', '', /:1:1: is missing target: give target\.base_url/],
  ['a list, not a mapping', '- a\n- b\n', /:1:1: expected object, got a list/],
  [
    'a binary file',
    Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00]),
    /:1:\d+: .*(not UTF-8|YAML syntax error)/
  ],
  // The schema
  [
    'an unknown top-level key',
    withTop('endpoint: []\n'),
    /:6:1: endpoint: unknown key 'endpoint'; did you mean 'endpoints'\?/
  ],
  [
    'an unknown nested key',
    'target:\n  baseurl: http://x\nendpoints: [{name: a, path: /a}]\n',
    /:2:3: target\.baseurl: unknown key 'baseurl'; did you mean 'base_url'\? \(expected one of: base_url, health\)/
  ],
  [
    'a number as a string',
    withEndpoint('weight: ten'),
    /:6:13: endpoints\[0\]\.weight: expected number, got string "ten"/
  ],
  [
    'an unknown method',
    withEndpoint('method: FETCH'),
    /endpoints\[0\]\.method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, got string "FETCH"/
  ],
  [
    'a path without a leading slash',
    'target: {base_url: http://x}\nendpoints: [{name: a, path: items}]\n',
    /:2:\d+: endpoints\[0\]\.path: .*"\/"/
  ],
  [
    'an empty endpoint name',
    "target: {base_url: http://x}\nendpoints: [{name: '', path: /a}]\n",
    /endpoints\[0\]\.name: .*1 character/
  ],
  [
    'an unknown auth type',
    withTop('auth: {type: bearr, token_env: T}\n'),
    /:6:\d+: auth\.type: expected one of none, bearer, api-key, oauth2-client-credentials, got string "bearr"; did you mean 'bearer'\?/
  ],
  [
    'bearer without token_env',
    withTop('auth: {type: bearer}\n'),
    /auth\.token_env: is required/
  ],
  [
    'a variable name with a dash',
    withTop('auth: {type: bearer, token_env: my-token}\n'),
    /auth\.token_env: .*an environment variable name/
  ],
  [
    'an HTTP status of 700',
    withEndpoint('expect: {status: 700}'),
    /endpoints\[0\]\.expect\.status: .*599/
  ],
  [
    'a data file that is not .csv or .json',
    withTop('data:\n  users: {file: users.txt}\n'),
    /:7:\d+: data\.users\.file: .*a \.json or \.csv file/
  ],
  [
    'a header value that is a number',
    withEndpoint('headers: {X-Retry: 3}'),
    /endpoints\[0\]\.headers\.X-Retry: expected string, got number/
  ],
  [
    'a zero weight',
    withEndpoint('weight: 0'),
    /:6:13: endpoints\[0\]\.weight: must be above 0, got number 0/
  ],
  [
    'a duration in words',
    withTop('objectives:\n  smoke: {duration: 10 minutes}\n'),
    /objectives\.smoke\.duration: .*a duration such as 30s, 5m or 1h30m/
  ],
  [
    'VUs of 1.5',
    withTop('objectives:\n  smoke: {vus: 1.5}\n'),
    /objectives\.smoke\.vus: expected int/
  ],
  [
    'a negative stage target',
    withTop(
      'objectives:\n  load: {rate: 5, stages: [{duration: 10s, target: -1}]}\n'
    ),
    /objectives\.load\.stages\[0\]\.target: must be at least 0, got number -1/
  ],
  [
    'no stages in a list',
    withTop('objectives:\n  load: {stages: []}\n'),
    /objectives\.load\.stages: .*1 item/
  ],
  [
    'a load factor of 0',
    withTop('objectives:\n  load: {load_factor: 0}\n'),
    /objectives\.load\.load_factor: must be above 0, got number 0/
  ],
  [
    'a duration factor of 1000',
    withTop('objectives:\n  soak: {duration_factor: 1000}\n'),
    /objectives\.soak\.duration_factor: must be at most 100, got number 1000/
  ],
  [
    'an unknown objective in triggers',
    withTop('objectives:\n  triggers: {push: heavy}\n'),
    /objectives\.triggers\.push: expected one of smoke, baseline, load, stress, spike, soak, capacity, got string "heavy"/
  ],
  [
    'an error rate above 1',
    withTop('thresholds:\n  slo: {error_rate: 5}\n'),
    /thresholds\.slo\.error_rate: must be at most 1, got number 5/
  ],
  [
    'a negative p95',
    withTop('thresholds:\n  slo: {p95: -5}\n'),
    /thresholds\.slo\.p95: must be above 0, got number -5/
  ],
  [
    'an empty threshold list',
    withTop('thresholds:\n  k6: {http_req_duration: []}\n'),
    /thresholds\.k6\.http_req_duration: .*1 item/
  ],
  [
    'an abort delay in words',
    withTop('thresholds:\n  abort_on_fail: {delay: soon}\n'),
    /thresholds\.abort_on_fail\.delay: .*a duration such as 30s/
  ],
  [
    'an efficiency above 1',
    withTop(
      'capacity:\n  production: {rps: 100}\n  test: {cpu: 1, efficiency: 2}\n  production_resources: {cpu: 4}\n'
    ),
    /capacity\.test\.efficiency: must be at most 1, got number 2/
  ],
  [
    'a reality adjustment above 1',
    withTop(
      'capacity:\n  production: {rps: 100}\n  factor: 2\n  reality_adjustment: 1.5\n'
    ),
    /capacity\.reality_adjustment: must be at most 1/
  ],
  [
    'a headroom below 1',
    withTop(
      'capacity:\n  production: {rps: 100}\n  factor: 2\n  headroom: 0.5\n'
    ),
    /capacity\.headroom: must be at least 1, got number 0\.5/
  ],
  [
    'a response time of 0',
    withTop(
      'capacity:\n  production: {rps: 100}\n  factor: 2\n  response_time_s: 0\n'
    ),
    /capacity\.response_time_s: must be above 0/
  ],
  [
    'a negative regression tolerance',
    withTop('regression:\n  p95: {fail: -1}\n'),
    /regression\.p95\.fail: must be at least 0/
  ],
  [
    'a noise of 0',
    withTop('regression:\n  noise: 0\n'),
    /regression\.noise: must be above 0/
  ],
  [
    'a follow-up metric with a dash',
    withEndpoint(
      'follow: {path: /jobs/x, until: {field: done}, metric: job-time}'
    ),
    /endpoints\[0\]\.follow\.metric: /
  ],
  [
    'a follow-up path without a slash',
    withEndpoint(
      'follow: {path: jobs, until: {field: done}, metric: job_time}'
    ),
    /endpoints\[0\]\.follow\.path: .*"\/"/
  ],
  [
    'a follow-up value that is a list',
    withEndpoint(
      'follow: {path: /jobs, until: {field: done, equals: [1]}, metric: job_time}'
    ),
    /endpoints\[0\]\.follow\.until\.equals: expected string, number or boolean, got a list/
  ],
  // A script of the team's own, or a generated one
  [
    'script with target',
    'script: perf/own.js\ntarget: {base_url: http://x}\n',
    /:2:1: target: takes no effect with script: perf\/own\.js.*remove target/,
    { 'perf/own.js': '' }
  ],
  [
    'script with an objective override',
    'script: perf/own.js\nobjectives:\n  load: {rate: 5}\n',
    /:3:3: objectives\.load: takes no effect with script/,
    { 'perf/own.js': '' }
  ],
  [
    'script with endpoints',
    'script: perf/own.js\nendpoints: [{name: a, path: /a}]\n',
    /:2:1: endpoints: takes no effect with script/,
    { 'perf/own.js': '' }
  ],
  [
    'a script that does not exist',
    'script: perf/own.js\n',
    /:1:1: script: 'perf\/own\.js' does not exist .*relative to the workspace/
  ],
  [
    'a script outside the workspace',
    'script: ../../etc/own.js\n',
    /:1:1: script: .*outside the workspace: keep the file in the repository/
  ],
  [
    'a script that is a directory',
    'script: perf\n',
    /:1:1: script: 'perf' is a directory/,
    { 'perf/own.js': '' }
  ],
  [
    'no target',
    'endpoints: [{name: a, path: /a}]\n',
    /:1:1: is missing target: give target\.base_url .*or script/
  ],
  [
    'no endpoints',
    'target: {base_url: http://x}\n',
    /:1:1: has no endpoints to generate a script from: add endpoints \(a browser: journey runs beside them\), or script/
  ],
  [
    'an empty endpoint list',
    'target: {base_url: http://x}\nendpoints: []\n',
    /:2:\d+: endpoints: must have at least 1 item, got an empty list/
  ],
  // The target
  [
    'a base URL without a scheme',
    'target: {base_url: staging.example.com}\nendpoints: [{name: a, path: /a}]\n',
    /:1:10: target\.base_url: 'staging\.example\.com' is not an http\(s\) URL: write it as https:\/\//
  ],
  [
    'an ftp base URL',
    'target: {base_url: "ftp://x"}\nendpoints: [{name: a, path: /a}]\n',
    /target\.base_url: 'ftp:\/\/x' is not an http\(s\) URL/
  ],
  [
    'a base URL variable with a dash',
    'target: {base_url: "${api-url}"}\nendpoints: [{name: a, path: /a}]\n',
    /target\.base_url: .*name a variable as \$\{API_BASE_URL\}/
  ],
  [
    'an unset base URL variable',
    'target: {base_url: "${API_URL}"}\nendpoints: [{name: a, path: /a}]\n',
    /: reads \$API_URL, which is not set: add it to the step's env/
  ],
  [
    'an unset token variable',
    withTop('auth: {type: bearer, token_env: API_TOKEN}\n'),
    /: reads \$API_TOKEN, which is not set: add it to the step's env \(from secrets/
  ],
  [
    'a credential written in a header',
    withEndpoint('headers: {Authorization: Bearer abc123}'),
    /:6:\d+: endpoints\[0\]\.headers\.Authorization: a credential written in the profile .*\$\{env\.API_TOKEN\}/
  ],
  [
    'an API key written in a header',
    withEndpoint('headers: {X-Api-Key: abc123}'),
    /endpoints\[0\]\.headers\.X-Api-Key: a credential/
  ],
  [
    'a token URL that is neither URL nor path',
    withTop(
      'auth: {type: oauth2-client-credentials, token_url: auth.example.com/token, client_id_env: ID, client_secret_env: SECRET}\n'
    ),
    /auth\.token_url: 'auth\.example\.com\/token' is neither a URL nor a path/
  ],
  // Thresholds, as k6 would judge them
  [
    'a threshold k6 cannot parse',
    withTop("thresholds:\n  k6: {http_req_duration: ['p95<500']}\n"),
    /:7:\d+: thresholds\.k6\.http_req_duration\[0\]: .*p\(95\)/
  ],
  [
    'a threshold without an operator',
    withTop("thresholds:\n  k6: {http_req_duration: ['p(95) 500']}\n"),
    /thresholds\.k6\.http_req_duration\[0\]: /
  ],
  [
    'a threshold value in words',
    withTop("thresholds:\n  k6: {http_req_duration: ['p(95)<fast']}\n"),
    /thresholds\.k6\.http_req_duration\[0\]: /
  ],
  [
    'an unknown metric',
    withTop("thresholds:\n  k6: {http_req_duraton: ['p(95)<500']}\n"),
    /:7:\d+: thresholds\.k6\.http_req_duraton: no metric named 'http_req_duraton' in the generated script; did you mean 'http_req_duration'\?/
  ],
  [
    'count on a Trend',
    withTop("thresholds:\n  k6: {http_req_duration: ['count>10']}\n"),
    /thresholds\.k6\.http_req_duration\[0\]: 'count>10' reads .* of http_req_duration, a trend metric, which has none: a trend supports avg, min, max, med, p\(N\)/
  ],
  [
    'a percentile on a Rate',
    withTop("thresholds:\n  k6: {http_req_failed: ['p(95)<1']}\n"),
    /thresholds\.k6\.http_req_failed\[0\]: .*a rate metric, which has none: a rate supports rate/
  ],
  [
    'avg on a Counter',
    withTop("thresholds:\n  k6: {http_reqs: ['avg>1']}\n"),
    /thresholds\.k6\.http_reqs\[0\]: .*a counter supports count, rate/
  ],
  [
    'an unclosed tag filter',
    withTop("thresholds:\n  k6: {'http_req_duration{name:x': ['p(95)<500']}\n"),
    /thresholds\.k6\.http_req_duration\{name:x: .*'\}'/
  ],
  [
    'an empty tag value',
    withTop("thresholds:\n  k6: {'http_req_duration{name:}': ['p(95)<500']}\n"),
    /thresholds\.k6\.http_req_duration\{name:\}: /
  ],
  [
    'an endpoint threshold on a counter statistic',
    withEndpoint("thresholds: {k6: ['count>1']}"),
    /endpoints\[0\]\.thresholds\.k6\[0\]: 'count>1' .*trend/
  ],
  // Endpoints and templates
  [
    'two endpoints with one name',
    `${BASE}  - name: list\n    path: /other\n`,
    /:6:\d+: endpoints\[1\]\.name: 'list' is also the name of endpoints\[0\]/
  ],
  [
    'an unknown data set',
    withEndpoint('data: user'),
    /endpoints\[0\]\.data: no data set named 'user'/
  ],
  [
    'an unclosed ${',
    "target: {base_url: http://x}\nendpoints: [{name: a, path: '/items/${data.id'}]\n",
    /:2:\d+: endpoints\[0\]\.path: an unclosed \$\{ at character 8: close it/
  ],
  [
    'an unknown template variable',
    "target: {base_url: http://x}\nendpoints: [{name: a, path: '/items/${id}'}]\n",
    /:2:\d+: endpoints\[0\]\.path: unknown template variable \$\{id\}: use \$\{data\.field\}/
  ],
  [
    '${data.x} without a data set',
    "target: {base_url: http://x}\nendpoints: [{name: a, path: '/items/${data.id}'}]\n",
    /endpoints\[0\]\.path: \$\{data\.id\} reads a data set, but this endpoint names none: add data:/
  ],
  [
    '${response.x} outside a follow-up',
    "target: {base_url: http://x}\nendpoints: [{name: a, path: '/items/${response.id}'}]\n",
    /endpoints\[0\]\.path: unknown template variable \$\{response\.id\}/
  ],
  [
    'an unknown variable in a header',
    withEndpoint("headers: {X-Trace: '${trace}'}"),
    /endpoints\[0\]\.headers\.X-Trace: unknown template variable \$\{trace\}/
  ],
  [
    'an unknown variable in a body',
    withEndpoint("method: POST\nbody: {user: '${who}'}"),
    /endpoints\[0\]\.body\.user: unknown template variable \$\{who\}/
  ],
  [
    'a field the CSV does not have',
    withTop('data:\n  users: {file: data/users.csv}\n').replace(
      'path: /items',
      "path: '/users/${data.user_id}'\n    data: users"
    ),
    /endpoints\[0\]\.path: \$\{data\.user_id\} names a field data set 'users' does not have in every row \(its fields: id, name\)/,
    CSV
  ],
  [
    'a field with a near name',
    withTop('data:\n  users: {file: data/users.csv}\n').replace(
      'path: /items',
      "path: '/users/${data.nme}'\n    data: users"
    ),
    /\$\{data\.nme\} names a field .*; did you mean 'name'\?/,
    CSV
  ],
  [
    'a regression tolerance for an unknown endpoint',
    withTop('regression:\n  endpoints:\n    lst: {p95: {fail: 10}}\n'),
    /:8:5: regression\.endpoints\.lst: no endpoint named 'lst'; did you mean 'list'\?/
  ],
  [
    'think time min above max',
    withTop('think_time: {min: 2, max: 1}\n'),
    /think_time\.min: min is larger than max/
  ],
  // Data files
  [
    'a data file that does not exist',
    withTop('data:\n  users: {file: data/users.csv}\n'),
    /:7:\d+: data\.users\.file: 'data\/users\.csv' does not exist .*relative to the profile's folder/
  ],
  [
    'a data file outside the workspace',
    withTop('data:\n  users: {file: ../../../etc/users.csv}\n'),
    /data\.users\.file: .*outside the workspace/
  ],
  [
    'an empty CSV',
    withTop('data:\n  users: {file: data/users.csv}\n'),
    /data\.users\.file: data\/users\.csv is empty: a CSV needs a header row/,
    { '.github/data/users.csv': '' }
  ],
  [
    'a header-only CSV',
    withTop('data:\n  users: {file: data/users.csv}\n'),
    /data\.users\.file: data\/users\.csv has a header row but no rows/,
    { '.github/data/users.csv': 'id,name\n' }
  ],
  [
    'a binary data file',
    withTop('data:\n  users: {file: data/users.csv}\n'),
    /data\.users\.file: data\/users\.csv is not text .*NUL/,
    { '.github/data/users.csv': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]) }
  ],
  [
    'a Latin-1 data file',
    withTop('data:\n  users: {file: data/users.csv}\n'),
    /data\.users\.file: data\/users\.csv is not UTF-8 text: save it as UTF-8/,
    {
      '.github/data/users.csv': Buffer.concat([
        Buffer.from('id,name\n1,Jos'),
        Buffer.from([0xe9]),
        Buffer.from('\n')
      ])
    }
  ],
  [
    'a JSON data file that does not parse',
    withTop('data:\n  users: {file: data/users.json}\n'),
    /data\.users\.file: data\/users\.json is not JSON/,
    { '.github/data/users.json': '[{"id": 1},' }
  ],
  [
    'a JSON object, not a list',
    withTop('data:\n  users: {file: data/users.json}\n'),
    /data\.users\.file: data\/users\.json must be a JSON array/,
    { '.github/data/users.json': '{"id": 1}' }
  ],
  [
    'a JSON list of numbers',
    withTop('data:\n  users: {file: data/users.json}\n'),
    /data\.users\.file: data\/users\.json must hold one object per row/,
    { '.github/data/users.json': '[1, 2]' }
  ],
  [
    'a data set that is a directory',
    withTop('data:\n  users: {file: data/users.csv}\n'),
    /data\.users\.file: 'data\/users\.csv' is a directory/,
    { '.github/data/users.csv/x': '' }
  ],
  // Objectives: every field takes effect, or is rejected here
  [
    'a rate and VUs on smoke',
    withTop('objectives:\n  smoke: {rate: 10, vus: 2}\n'),
    /:7:\d+: objectives\.smoke\.vus: give rate \(iterations\/s, the plan then knows how many requests it sends\) or vus/
  ],
  [
    'a share on smoke',
    withTop('objectives:\n  smoke: {share: 0.1}\n'),
    /:7:\d+: objectives\.smoke\.share: smoke runs a small steady rate for a while: set rate and duration/
  ],
  [
    'stages on baseline',
    withTop(
      'objectives:\n  baseline: {stages: [{duration: 10s, target: 5}]}\n'
    ),
    /objectives\.baseline\.stages: baseline holds one rate/
  ],
  [
    'rate and share',
    withTop('objectives:\n  load: {rate: 10, share: 0.5}\n'),
    /objectives\.load\.share: give rate .* or share .*, not both/
  ],
  [
    'stages with a duration',
    withTop(
      'objectives:\n  load: {duration: 1m, stages: [{duration: 10s, target: 5}]}\n'
    ),
    /objectives\.load\.duration: stages set the whole ramp/
  ],
  [
    'a duration of 0s',
    withTop('objectives:\n  smoke: {duration: 0s}\n'),
    /objectives\.smoke\.duration: a duration of 0s runs nothing/
  ],
  [
    'a run of 1ms (k6 refuses runs under a second)',
    withTop('objectives:\n  smoke: {duration: 1ms}\n'),
    /objectives\.smoke\.duration: 1ms is under a second, which k6 refuses/
  ],
  [
    'VUs of .inf',
    withTop('objectives:\n  smoke: {vus: .inf}\n'),
    /objectives\.smoke\.vus: expected number, got \.inf \(infinite\)/
  ],
  [
    'an alias bomb',
    [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
      ''
    ].join('\n'),
    /:2:\d+: its anchors \(&\) and aliases \(\*\) expand to too many values/
  ],
  [
    'a stray carriage return',
    withTop('objectives:\n  smoke: {vus: 2}\rthink_time: {min: 1, max: 2}\n'),
    /:7:\d+: holds a carriage return \(\\r\) that ends no line/
  ],
  [
    'CR-only line endings',
    BASE.replace(/\n/g, '\r'),
    /:1:\d+: has CR-only line endings \(classic Mac\): save it with LF or CRLF/
  ],
  [
    'a CSV row with a field too many (k6 would stop at init)',
    withTop('data:\n  items: { file: items.csv }\n'),
    /data\.items\.file: items\.csv line 3 has 3 fields where the header has 2/,
    { '.github/items.csv': 'id,name\n1,a\n2,b,c\n' }
  ],
  [
    'a CSV with a quote inside a field',
    withTop('data:\n  items: { file: items.csv }\n'),
    /items\.csv line 2 has a quote inside a field that does not start with one/,
    { '.github/items.csv': 'id,name\n1,a "b"\n' }
  ],
  [
    'a CSV whose byte-order mark comes before a quoted header',
    withTop('data:\n  items: { file: items.csv }\n'),
    /items\.csv line 1 .*byte-order mark.*save it as UTF-8 without one/,
    { '.github/items.csv': '\ufeff"id",name\n1,a\n' }
  ],
  [
    'a duration factor that leaves under a second',
    withTop('objectives:\n  smoke: {duration: 20s, duration_factor: 0.0001}\n'),
    /objectives\.smoke\.duration_factor: duration_factor 0\.0001 takes objective smoke's 20s to 0\.002s: k6 runs nothing under a second; use 0\.05 or more/
  ],
  [
    'a load factor that leaves under one request a second',
    withTop('objectives:\n  load: {rate: 10, load_factor: 0.00001}\n'),
    /objectives\.load\.load_factor: load_factor 0\.00001 takes objective load's rate of 10 iterations\/s to 0\.0001\/s/
  ],
  [
    'a duration shorter than the stages',
    withTop('objectives:\n  stress: {rate: 5, duration: 3s}\n'),
    /:7:\d+: objectives\.stress\.duration: a duration of 3s is shorter than the 5 stages of stress: give at least 5s/,
    {},
    {}
  ],
  [
    'an objective without a rate',
    withTop('objectives:\n  triggers: {pull_request: baseline}\n'),
    /:\d+:\d+: objectives\.baseline: objective baseline needs a request rate: add a capacity section, or objectives\.baseline\.rate/
  ],
  [
    'a share that rounds to nothing',
    withTop(
      'capacity:\n  production: {rps: 100}\n  factor: 2\nobjectives:\n  baseline: {share: 0.001}\n'
    ),
    /objectives\.baseline\.share: objective baseline: a rate of 0 iterations\/s is not a test; raise the share/
  ],
  [
    'a trigger for an event GitHub does not have',
    withTop('objectives:\n  triggers: {pull_requests: smoke}\n'),
    /objectives\.triggers\.pull_requests: 'pull_requests' is not a GitHub workflow event.*; did you mean 'pull_request'\?/
  ],
  [
    'a rate beyond max-rps',
    withTop(
      'objectives:\n  triggers: {pull_request: load}\n  load: {rate: 5000}\n'
    ),
    /objective load would send up to 5000 iterations\/s .*above max-rps 1000\. .*raise the max-rps input/
  ],
  [
    'VUs beyond max-vus',
    withTop('objectives:\n  smoke: {vus: 5000}\n'),
    /objective smoke would use up to 5000 VUs, above max-vus 1000\. Lower objectives\.smoke\.vus/
  ],
  // The capacity model
  [
    'a capacity model without a factor or resources',
    withTop('capacity:\n  production: {rps: 100}\n'),
    /:7:3: capacity\.production_resources: give factor .*, or both test and production_resources/
  ],
  [
    'test resources without production ones',
    withTop('capacity:\n  production: {rps: 100}\n  test: {cpu: 1}\n'),
    /capacity\.test: production_resources is missing/
  ],
  [
    'a factor and resources',
    withTop(
      'capacity:\n  production: {rps: 100}\n  factor: 2\n  test: {cpu: 1}\n  production_resources: {cpu: 4}\n'
    ),
    /:9:3: capacity\.test: the factor is given, so test would take no effect/
  ],
  [
    'a production rate that rounds to nothing',
    withTop('capacity:\n  production: {rps: 1}\n  factor: 10\n'),
    /capacity\.production\.rps: production 1 req\/s ÷ factor 10 rounds to 0 req\/s/
  ],
  [
    'a pool naming an endpoint that does not exist',
    withTop('pools:\n  - { name: reads, endpoints: [lists], share: 1 }\n'),
    /:7:32: pools\[0\]\.endpoints\[0\]: no endpoint is named 'lists'; did you mean 'list'\?/
  ],
  [
    "pools' shares that do not add up to 1",
    withTop(
      'pools:\n  - { name: a, endpoints: [list], share: 0.5 }\n  - { name: b, endpoints: [list], share: 0.3 }\n'
    ),
    /pools\[0\]\.share: the pools' shares add up to 0\.8: they split the objective's load, so they must add up to 1/
  ],
  [
    'a pool with a share and a rate',
    withTop('pools:\n  - { name: a, endpoints: [list], share: 1, rate: 2 }\n'),
    /:7:5: pools\[0\]: has both share and rate: give one/
  ],
  [
    'a pool with neither share nor rate',
    withTop('pools:\n  - { name: a, endpoints: [list] }\n'),
    /pools\[0\]: needs share \(its part of the objective's load\) or rate/
  ],
  [
    'two pools of one name',
    withTop(
      'pools:\n  - { name: a, endpoints: [list], share: 0.5 }\n  - { name: a, endpoints: [list], share: 0.5 }\n'
    ),
    /pools\[1\]\.name: 'a' is also the name of pools\[0\]/
  ],
  [
    'an endpoint in no pool',
    BASE +
      '  - name: other\n    path: /other\npools:\n  - { name: a, endpoints: [list], share: 1 }\n',
    /:6:5: endpoints\[1\]\.name: 'other' is in no pool, so it would never be sent/
  ],
  [
    'a pool name k6 cannot take as a scenario',
    withTop('pools:\n  - { name: "read pool", endpoints: [list], share: 1 }\n'),
    /pools\[0\]\.name: .*letters, digits, _ and -/
  ],
  [
    "a pool's threshold in another grammar",
    withTop(
      'pools:\n  - { name: a, endpoints: [list], share: 1, thresholds: { k6: [p95<300] } }\n'
    ),
    /pools\[0\]\.thresholds\.k6\[0\]: invalid threshold expression 'p95<300'/
  ],
  [
    'a pool that starts after the run',
    withTop(
      'pools:\n  - { name: a, endpoints: [list], share: 1 }\n  - { name: b, endpoints: [list], rate: 1, start_time: 2m }\nobjectives:\n  smoke: { duration: 30s }\n'
    ),
    /pools\[1\]\.start_time: pool b starts at 2m, when the smoke run of 30s is over/
  ],
  [
    'a browser threshold on a metric k6/browser has not',
    withTop(
      'browser:\n  pages: [{ name: home, path: / }]\n  thresholds:\n    browser_web_vital_lpc: [p(75)<2500]\n'
    ),
    /browser\.thresholds\.browser_web_vital_lpc: no metric named 'browser_web_vital_lpc' in the generated script; did you mean 'browser_web_vital_lcp'\?/
  ],
  [
    'a browser threshold reading a statistic the metric has not',
    withTop(
      'browser:\n  pages: [{ name: home, path: / }]\n  thresholds:\n    browser_http_req_failed: [p(75)<1]\n'
    ),
    /browser\.thresholds\.browser_http_req_failed\[0\]: 'p\(75\)<1' reads p\(75\) of browser_http_req_failed, a rate metric/
  ],
  [
    'more browser VUs than iterations',
    withTop(
      'browser:\n  vus: 5\n  iterations: 2\n  pages: [{ name: home, path: / }]\n'
    ),
    /browser\.vus: 5 VUs for 2 iterations: k6 shares the iterations among the VUs/
  ],
  [
    'two browser pages of one name',
    withTop(
      'browser:\n  pages:\n    - { name: home, path: / }\n    - { name: home, path: /b }\n'
    ),
    /browser\.pages\[1\]\.name: 'home' is also the name of pages\[0\]/
  ],
  [
    'a data row in a browser page',
    withTop('browser:\n  pages: [{ name: item, path: "/items/${data.id}" }]\n'),
    /browser\.pages\[0\]\.path: \$\{data\.id\} cannot be filled in a browser page's path: use \$\{__VU\}/
  ],
  [
    'a browser step that is not one',
    withTop(
      'browser:\n  pages: [{ name: home, path: /, steps: [{ clik: "#a" }] }]\n'
    ),
    /browser\.pages\[0\]\.steps\[0\]: a step is one of click, wait_for, fill, expect_text, with its value .*; got 'clik'; did you mean 'click'\?/
  ],
  [
    'a run split into one shard',
    withTop('shards: 1\n'),
    /:\d+:\d+: shards: .*(>=2|at least 2|too small)/i
  ],
  [
    'a peak below the average',
    withTop('capacity:\n  production: {rps: 100, peak_rps: 50}\n  factor: 2\n'),
    /capacity\.production\.peak_rps: the peak \(50 req\/s\) is below the average/
  ]
]

type InputCase = [
  kind: string,
  inputs: Record<string, string>,
  expected: RegExp,
  files?: Record<string, string | Buffer>,
  prepare?: (workspace: string) => void
]

const INPUT_CASES: InputCase[] = [
  [
    'a working directory that does not exist',
    { 'working-directory': 'nope' },
    /^Input 'working-directory': .*nope is not a directory: name a directory inside the workspace/
  ],
  [
    'a working directory outside the workspace',
    { 'working-directory': '../..' },
    /^Input 'working-directory': '\.\.\/\.\.' resolves to .* outside the workspace .*Use a path inside the workspace/
  ],
  [
    'a results-dir that names a file',
    { 'results-dir': 'out' },
    /^Input 'results-dir': .*out is a file, not a directory: name a directory/,
    { out: 'x' }
  ],
  [
    'a results-dir outside the workspace',
    { 'results-dir': '/tmp/results' },
    /^Input 'results-dir': .*outside the workspace/
  ],
  [
    'a script that does not exist',
    { script: 'perf/none.js' },
    /^Input 'script': 'perf\/none\.js' does not exist \(looked for .*\): the path is relative to working-directory\.$/
  ],
  [
    'a script that is a directory',
    { script: 'perf' },
    /^Input 'script': 'perf' is a directory, not a file: name the script file/,
    { 'perf/a.js': '' }
  ],
  [
    'a script outside the workspace',
    { script: '../../etc/x.js' },
    /^Input 'script': .*outside the workspace/
  ],
  [
    'a load factor of 0',
    { 'load-factor': '0' },
    /^Input 'load-factor': '0' is not a factor: give a number above 0 and at most 100 \(0\.1 for a tenth of the load\)\.$/
  ],
  [
    'a duration factor in words',
    { 'duration-factor': 'double' },
    /^Input 'duration-factor': 'double' is not a factor: give a number above 0 and at most 100 \(2 to run twice as long\)\.$/
  ],
  [
    'a k6 version without a patch',
    { 'k6-version': 'v1.3' },
    /^Input 'k6-version': 'v1\.3' is not a k6 version\. Use 'latest' or a release such as '1\.3\.0'/
  ],
  [
    'a k6 version in words',
    { 'k6-version': 'newest' },
    /^Input 'k6-version': 'newest' is not a k6 version/
  ],
  [
    'a k6-path that does not exist',
    { 'k6-path': 'bin/k6' },
    /^Input 'k6-path': .*bin\/k6 does not exist\. Point it at a k6 binary/
  ],
  [
    'a k6-path that is not executable',
    { 'k6-path': 'bin/k6' },
    /^Input 'k6-path': .*bin\/k6 is not executable/,
    { 'bin/k6': '#!/bin/sh\n' }
  ],
  [
    'a k6-path that is a directory',
    { 'k6-path': 'bin' },
    /^Input 'k6-path': .*bin is a directory: point it at the k6 binary/,
    { 'bin/k6': '' }
  ],
  [
    'a download URL that is not a URL',
    { 'k6-download-url': 'mirror' },
    /^Input 'k6-download-url': 'mirror' is not a URL: write it as https:\/\//
  ],
  [
    'an ftp download URL',
    { 'k6-download-url': 'ftp://mirror/k6' },
    /^Input 'k6-download-url': 'ftp:\/\/mirror\/k6' is not an http\(s\) URL: write it as https:\/\//
  ],
  [
    'k6-args with an unclosed quote',
    { 'k6-args': '--tag "team=a' },
    /^Input 'k6-args': .*Close the quote/
  ],
  [
    'k6-args that set the summary export',
    { 'k6-args': '--summary-export=x.json' },
    /^Input 'k6-args': --summary-export is set by perf-gate .*remove it/
  ],
  [
    'k6-args writing JSON outside the workspace',
    { 'k6-args': '--out json=/tmp/x.json' },
    /^Input 'k6-args': --out json=\/tmp\/x\.json writes \/tmp\/x\.json, outside the workspace .*Write inside the workspace/
  ],
  [
    'k6-args writing CSV outside the workspace',
    { 'k6-args': '-o=csv=../../x.csv' },
    /^Input 'k6-args': --out csv=\.\.\/\.\.\/x\.csv writes .*outside the workspace/
  ],
  [
    'a boolean as yes',
    { 'upload-artifacts': 'yes' },
    /^Input 'upload-artifacts': 'yes' is not a boolean: use true or false/
  ],
  [
    'a boolean as 1',
    { 'generate-only': '1' },
    /^Input 'generate-only': '1' is not a boolean/
  ],
  [
    'a boolean as maybe',
    { 'fail-on-iteration-errors': 'maybe' },
    /^Input 'fail-on-iteration-errors': 'maybe' is not a boolean/
  ],
  [
    'fail-on-regression as no',
    { 'fail-on-regression': 'no' },
    /^Input 'fail-on-regression': 'no' is not a boolean/
  ],
  [
    'comment-on-pr as y',
    { 'comment-on-pr': 'y' },
    /^Input 'comment-on-pr': 'y' is not one of 'always', 'on-change', 'on-failure', 'never' \(true and false still mean always and never\)\.$/
  ],
  [
    'an artifact name with a slash',
    { 'artifact-name': 'perf/results' },
    /^Input 'artifact-name': 'perf\/results' contains a character artifact names cannot hold .*: use letters, digits/
  ],
  [
    'a profile that does not exist',
    { profile: 'perf/gate.yml' },
    /^Input 'profile': file not found: perf\/gate\.yml .*relative to the workspace/
  ],
  [
    'a profile that is a directory',
    { profile: 'perf' },
    /^Input 'profile': 'perf' is a directory, not a file: name the profile's YAML file/,
    { 'perf/a.yml': '' }
  ],
  [
    'a profile outside the workspace',
    { profile: '../../etc/gate.yml' },
    /^Input 'profile': .*outside the workspace/
  ],
  [
    'a base URL that is not a URL',
    { 'base-url': 'staging' },
    /^Input 'base-url': 'staging' is not a URL: write it as https:\/\//
  ],
  [
    'an ftp base URL',
    { 'base-url': 'ftp://staging' },
    /^Input 'base-url': 'ftp:\/\/staging' is not an http\(s\) URL/
  ],
  [
    'an objective that is not one',
    { objective: 'banana' },
    /^Input 'objective': 'banana' is not an objective: use one of smoke, .*capacity/
  ],
  [
    'an objective with a typo',
    { objective: 'smok' },
    /^Input 'objective': 'smok' is not an objective: .*; did you mean 'smoke'\?/
  ],
  [
    'an unknown baseline store',
    { baseline: 'git' },
    /^Input 'baseline': 'git' is not one of 'branch', 'artifact', 'none'/
  ],
  [
    'a branch name git refuses',
    { 'baseline-branch': 'perf..data' },
    /^Input 'baseline-branch': 'perf\.\.data' is not a usable branch name: use letters/
  ],
  [
    'a branch name with a space',
    { 'baseline-branch': 'perf data' },
    /^Input 'baseline-branch': 'perf data' is not a usable branch name/
  ],
  [
    'keeping 0 entries',
    { 'baseline-keep': '0' },
    /^Input 'baseline-keep': '0' is not a whole number from 1 to 1,000/
  ],
  [
    'keeping ten entries',
    { 'baseline-keep': 'ten' },
    /^Input 'baseline-keep': 'ten' is not a whole number/
  ],
  [
    'an unknown update policy',
    { 'update-baseline': 'sometimes' },
    /^Input 'update-baseline': 'sometimes' is not one of 'auto', 'always', 'never'/
  ],
  [
    'a negative floor',
    { 'regression-floor-ms': '-1' },
    /^Input 'regression-floor-ms': '-1' is not a number from 0 to 60000/
  ],
  [
    'a floor in words',
    { 'regression-floor-ms': 'fast' },
    /^Input 'regression-floor-ms': 'fast' is not a number/
  ],
  [
    'a noise of 0',
    { 'regression-noise': '0' },
    /^Input 'regression-noise': '0' is not a share above 0 and at most 1: write it as 0\.08 or 8% \(the run-to-run variation/
  ],
  [
    'a noise of 150%',
    { 'regression-noise': '150%' },
    /^Input 'regression-noise': '150%' is not a share/
  ],
  [
    'a timeout of 0',
    { 'publish-timeout': '0' },
    /^Input 'publish-timeout': '0' is not a time from 1 s to 1 h: write seconds \(180\) or a duration/
  ],
  [
    'a timeout of 2h',
    { 'publish-timeout': '2h' },
    /^Input 'publish-timeout': '2h' is not a time from 1 s to 1 h/
  ],
  [
    'an error guard of 2',
    { 'error-guard': '2' },
    /^Input 'error-guard': '2' is not a share above 0 and at most 1: write it as 0\.08 or 8% \(the share of failed requests/
  ],
  [
    'a max-rps of 0',
    { 'max-rps': '0' },
    /^Input 'max-rps': '0' is not a whole number from 1 to 1,000,000/
  ],
  [
    'a max-rps of 1.5',
    { 'max-rps': '1.5' },
    /^Input 'max-rps': '1\.5' is not a whole number/
  ],
  [
    'a comment key that would end the HTML comment',
    { 'comment-key': 'k6--latest' },
    /^Input 'comment-key': 'k6--latest' cannot key a comment: use up to 100 printable ASCII characters without '--' or '>'/
  ],
  [
    'max-vus in words',
    { 'max-vus': 'lots' },
    /^Input 'max-vus': 'lots' is not a whole number/
  ],
  [
    'a start without its zone',
    { 'start-at': '2026-12-01T10:00:00', shard: '1/2' },
    /^Input 'start-at': '2026-12-01T10:00:00' is not a start: give an instant with its zone \(2026-12-01T10:00:00Z\), or \+2m/
  ],
  [
    'a start more than an hour after the run began',
    { 'start-at': '+90m', shard: '1/2' },
    /^Input 'start-at': '\+90m' is not a start: .*at most \+60m/
  ],
  [
    'a start for a run that is not sharded',
    { 'start-at': '+2m' },
    /^Input 'start-at': only applies to a shard \(input shard\)/
  ],
  [
    'a merge that is also a shard',
    { merge: 'true', shard: '2/3' },
    /^Input 'merge': is true in a step that is also shard 2\/3: run the shards in a matrix job, and merge in a job that needs it\.$/
  ],
  [
    'shard files to merge without merge',
    { 'shards-dir': 'shards' },
    /^Input 'shards-dir': only applies to a merge: set merge: true/,
    { 'shards/a.txt': '' }
  ],
  [
    'shard files in a folder that is not there',
    { 'shards-dir': 'shards', merge: 'true', 'k6-version': '1.3.0' },
    /^Input 'shards-dir': shards is not a directory: copy the runners' files there first/
  ],
  [
    'a k6-operator merge of latest',
    { 'k6-version': 'latest', 'shards-dir': 'shards', merge: 'true' },
    /^Input 'k6-version': is latest, and shards-dir's files do not say which k6 wrote them: name the version the runners ran/,
    { 'shards/a.txt': '' }
  ],
  [
    'a reference for a run split in shards',
    { 'reference-url': 'http://127.0.0.1:3001', shard: '1/2' },
    /^Input 'reference-url': pairs a run on one runner .*: leave out shard and merge\.$/
  ],
  [
    'a reference that is not a URL',
    { 'reference-url': 'localhost:3001' },
    /^Input 'reference-url': /
  ],
  [
    'an artifact name of dots',
    { 'artifact-name': '..' },
    /^Input 'artifact-name': '\.\.' is not a name an artifact can have/
  ],
  [
    'an error guard of 0 (the guard is turned off with off)',
    { 'error-guard': '0' },
    /^Input 'error-guard': '0' is not a share above 0 and at most 1: .*'off' turns the guard off/
  ],
  [
    'a max-duration in words',
    { 'max-duration': 'forever' },
    /^Input 'max-duration': 'forever' is not a duration from 1 s to 72 h: write 90m, 6h/
  ],
  [
    'generate-only without a profile (it would run the script instead)',
    { 'generate-only': 'true', script: 'test.js' },
    /^Input 'generate-only': writes the script a profile generates, and this run has none \(the script input runs a script of its own\)/,
    { 'test.js': 'export default function () {};\n' }
  ],
  [
    'a merge that only generates',
    { merge: 'true', 'generate-only': 'true' },
    /^Input 'merge': cannot be combined with generate-only/
  ]
]

describe('every bad input fails before k6 starts, in one clear line', () => {
  // Rest parameters: a function with more parameters than a row has
  // columns would be given jest's `done` callback.
  it.each(PROFILE_CASES)(
    'profile: %s',
    (...[, yaml, expected, files, env]: ProfileCase) => {
      const message = profileError(yaml, files, env)
      expectOneClearLine(message, /^\.github\/perf-gate\.yml(:\d+:\d+)?: /)
      expect(message).toMatch(expected)
    }
  )

  it.each(INPUT_CASES)(
    'input: %s',
    (...[, inputs, expected, files]: InputCase) => {
      const message = inputError(inputs, files)
      expectOneClearLine(message, /^Input '[a-z0-9-]+': /)
      expect(message).toMatch(expected)
      // It names the input it is about.
      expect(message.startsWith(`Input '${Object.keys(inputs)[0]}'`)).toBe(true)
    }
  )

  it('the base profile and the default inputs are accepted (the cases fail for their own reason)', () => {
    expect(profileError(BASE)).toBe('')
    expect(inputError({})).toBe('')
  })

  it('counts its kinds', () => {
    const total = PROFILE_CASES.length + INPUT_CASES.length
    process.stdout.write(
      `bad-input catalogue: ${PROFILE_CASES.length} profile kinds + ${INPUT_CASES.length} input kinds = ${total}\n`
    )
    expect(total).toBeGreaterThanOrEqual(196)
  })
})
