import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { stringify } from 'yaml'
import { checkK6Options } from '../src/action/k6-options.js'
import type { RunContext } from '../src/action/context.js'
import {
  appendEntry,
  parseBaselineFile,
  serialiseBaselineFile
} from '../src/baseline/entry.js'
import { installK6 } from '../src/k6/install.js'
import { classifyOutcome } from '../src/k6/run.js'
import { emptyStderr } from '../src/k6/log.js'
import { prepareRun } from '../src/pipeline/prepare.js'
import { reasonText } from '../src/report/verdict.js'
import {
  annotations,
  editedRun,
  FAKE_K6,
  FIXTURES,
  fixtureScript,
  pullRequestEvent,
  PUSH_EVENT,
  runAction
} from './helpers/action.js'
import { entry } from './helpers/entries.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'
import { upService, type LoopbackServer } from './helpers/http.js'
import { runWithShim, scriptOptions } from './helpers/k6-shim.js'
import { buildRelease, startReleaseMirror } from './helpers/release-mirror.js'

/**
 * A hostile tester's cases (issue 25): each fails clearly, ends in bounded
 * time, loses nothing measured and leaks nothing. k6 is the stand-in that
 * replays real recorded runs; the service, the GitHub API and the release
 * mirror are loopback servers.
 */
const roots: string[] = []
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
})

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  roots.push(dir)
  return dir
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

const LABEL = '.github/perf-gate.yml'

/** A workspace with `files`, prepared as perf-gate prepares a profile. */
function prepared(
  profile: object,
  files: Record<string, string | Buffer> = {},
  limits = { maxRps: 1000, maxVus: 1000, maxDurationS: 6 * 3600 }
) {
  const workspace = path.join(tempDir('hostile-'), 'workspace')
  for (const [file, content] of Object.entries({
    [LABEL]: stringify(profile),
    ...files
  })) {
    fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true })
    fs.writeFileSync(path.join(workspace, file), content)
  }
  const resultsDir = path.join(workspace, 'perf-gate-results')
  const run = () =>
    prepareRun({
      profilePath: path.join(workspace, LABEL),
      profileLabel: LABEL,
      workspace,
      resultsDir,
      context,
      requireEnv: false,
      env: {},
      limits
    })
  return { workspace, resultsDir, run }
}

const PRODUCTS = {
  version: 1,
  target: { base_url: 'http://127.0.0.1:1' },
  data: { products: { file: 'data/products.csv' } },
  endpoints: [
    {
      name: 'GET /api/products/:id',
      path: '/api/products/${data.id}',
      data: 'products'
    }
  ],
  objectives: { smoke: { duration: '1s', vus: 1 } }
}

describe('passed when it should not have', () => {
  it('a data CSV with a UTF-8 byte-order mark: every request still names a row (k6 reads rows as arrays)', () => {
    const { resultsDir, run } = prepared(PRODUCTS, {
      '.github/data/products.csv': '\ufeffid,name\n7,Seven\n8,Eight\n'
    })
    const { scriptText } = run()
    expect(scriptText).toContain(
      'await csv.parse(await openFile("../.github/data/products.csv"), { skipFirstLine: true })'
    )
    fs.mkdirSync(resultsDir, { recursive: true })
    const shim = runWithShim(scriptText, { dir: resultsDir, iterations: 2 })
    const paths = shim.requests.map((r) => new URL(r.url).pathname)
    expect(paths).toHaveLength(2)
    for (const p of paths) expect(p).toMatch(/^\/api\/products\/[78]$/)
  })

  it('a JSON data file with a byte-order mark is read (JSON.parse alone rejects it)', () => {
    const { resultsDir, run } = prepared(
      {
        ...PRODUCTS,
        data: { products: { file: 'data/products.json' } }
      },
      { '.github/data/products.json': '\ufeff[{"id": 9}]' }
    )
    const shim = runWithShim(run().scriptText, {
      dir: resultsDir,
      iterations: 1
    })
    expect(shim.initError).toBeUndefined()
    expect(new URL(shim.requests[0].url).pathname).toBe('/api/products/9')
  })

  it('a profile of fixed VUs and no think time is held to max-rps by k6 itself', () => {
    const { run } = prepared(
      {
        ...PRODUCTS,
        data: undefined,
        endpoints: [{ name: 'GET /api/status', path: '/api/status' }],
        objectives: { smoke: { duration: '20s', vus: 5 } }
      },
      {},
      { maxRps: 20, maxVus: 1000, maxDurationS: 6 * 3600 }
    )
    const options = scriptOptions(run().scriptText) as { rps?: number }
    expect(options.rps).toBe(20)
  })

  it('999 VUs for 10 h is refused before k6 starts (max-duration 6h)', () => {
    const { run } = prepared({
      ...PRODUCTS,
      data: undefined,
      endpoints: [{ name: 'GET /api/status', path: '/api/status' }],
      objectives: { smoke: { duration: '10h', vus: 999 } }
    })
    expect(run).toThrow(
      /objective smoke would run 10h 0m 0s|objective smoke would run 10h, longer than max-duration 6h/
    )
  })
})

describe("k6's flags that would pass, hang, hide the log or overwrite perf-gate's files", () => {
  const base = {
    env: {},
    generated: false,
    workingDirectory: '/ws',
    resultsDir: '/ws/perf-gate-results'
  }
  it.each([
    [
      '--no-thresholds',
      /^Input 'k6-args': --no-thresholds turns off the thresholds/
    ],
    ['--linger', /--linger keeps k6 running after the test/],
    ['-l', /--linger keeps k6 running/],
    ['--paused', /--paused starts the test paused/],
    ['-qp', /--paused starts the test paused/],
    ['--log-output=none', /--log-output sends k6's log away from stderr/],
    ['--log-output file=k6.txt', /--log-output sends k6's log away/],
    ['--log-format=json', /--log-format changes k6's log from the text format/],
    [
      '--out json=perf-gate-results/summary.json',
      /--out json=perf-gate-results\/summary\.json would write summary\.json in perf-gate-results, a file perf-gate writes/
    ],
    [
      '--console-output perf-gate-results/k6.log',
      /would write k6\.log in perf-gate-results/
    ],
    ['--execution-segment 0:1/2', /use shard instead/]
  ])('%s', (flag, expected) => {
    expect(() => checkK6Options(flag.split(' '), base)).toThrow(expected)
  })

  it.each([
    [
      'K6_NO_THRESHOLDS',
      'true',
      /^K6_NO_THRESHOLDS in the step's environment \(k6 reads it as --no-thresholds\) turns off/
    ],
    ['K6_LINGER', '1', /K6_LINGER .* keeps k6 running/],
    ['K6_LOG_OUTPUT', 'none', /K6_LOG_OUTPUT .* sends k6's log away/]
  ])('%s=%s in the environment', (name, value, expected) => {
    expect(() =>
      checkK6Options([], { ...base, env: { [name]: value } })
    ).toThrow(expected)
  })

  it('a generated plan is not reshaped from k6-args or the environment', () => {
    const generated = { ...base, generated: true }
    expect(() => checkK6Options(['--vus', '50'], generated)).toThrow(
      /--vus shapes the load, which the profile's plan decides/
    )
    expect(() => checkK6Options(['-d10h'], generated)).toThrow(
      /--duration shapes the load/
    )
    expect(() =>
      checkK6Options([], { ...generated, env: { K6_VUS: '999' } })
    ).toThrow(/K6_VUS in the step's environment \(k6 reads it as --vus\)/)
    // A script of the team's own may shape its load.
    expect(() => checkK6Options(['--vus', '50'], base)).not.toThrow()
  })

  it('a k6 config file that lingers is refused too', () => {
    const dir = tempDir('k6-config-')
    fs.writeFileSync(path.join(dir, 'k6.json'), '{"linger": true}')
    expect(() =>
      checkK6Options(['--config', 'k6.json'], {
        ...base,
        workingDirectory: dir
      })
    ).toThrow(/--config k6\.json sets "linger": true/)
  })

  it('through the action: refused before k6 starts, in one line', async () => {
    const argv = path.join(tempDir('argv-'), 'argv.log')
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'k6-args': '--no-thresholds',
        baseline: 'none'
      },
      env: { FAKE_K6_ARGV_LOG: argv }
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toEqual([
      expect.stringMatching(
        /^::error::Input 'k6-args': --no-thresholds turns off the thresholds perf-gate gates on/
      )
    ])
    // k6 never ran (its version was never asked either: k6-path is checked).
    const runs = fs.existsSync(argv)
      ? fs
          .readFileSync(argv, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"run"'))
      : []
    expect(runs).toEqual([])
  })
})

describe('a script and a profile both', () => {
  const files = {
    ...fixtureScript('pass'),
    [LABEL]: stringify({
      version: 1,
      target: { base_url: 'http://127.0.0.1:1' },
      endpoints: [{ name: 'a', path: '/a' }],
      capacity: { production: { rps: 10 }, factor: 1 }
    })
  }
  it('the profile at its default path: the script runs, and a warning says the profile is not used', async () => {
    const run = await runAction({
      files,
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6, baseline: 'none' }
    })
    expect(run.code).toBe(0)
    expect(annotations(run.stdout, 'warning').join('\n')).toContain(
      'The script input runs perf/pass.js on its own: .github/perf-gate.yml is not used'
    )
  })

  it('the profile input given too: refused, naming both', async () => {
    const run = await runAction({
      files: { ...files, 'perf/profile.yml': files[LABEL] },
      inputs: {
        script: 'perf/pass.js',
        profile: 'perf/profile.yml',
        'k6-path': FAKE_K6,
        baseline: 'none'
      }
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toEqual([
      expect.stringMatching(
        /^::error::Input 'profile': and the script input are both given/
      )
    ])
  })
})

describe('results that are not the whole run', () => {
  it('results.json cut mid-line after k6 exited 0: the run fails, saying how many requests are missing', async () => {
    const fixtures = editedRun(path.join(FIXTURES, 'pass'), (text) =>
      text.slice(0, Math.floor(text.length / 2))
    )
    roots.push(fixtures)
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6, baseline: 'none' },
      env: { FAKE_K6_FIXTURES: fixtures }
    })
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(annotations(run.stdout).join('\n')).toMatch(
      /results\.json holds \d+ requests where k6's summary counts 307: the file was cut short/
    )
    // What was measured is still reported.
    expect(run.summary).toContain('p95')
  })

  const SHARDS = path.join(FIXTURES, 'v1.3.0', 'shards')
  const shardFiles = (
    edit: (i: number, file: string, bytes: Buffer) => Buffer = (_i, _f, b) => b,
    from: (i: number) => number = (i) => i
  ): Record<string, Buffer> => {
    const files: Record<string, Buffer> = {
      'perf/shop.js': fs.readFileSync(path.join(SHARDS, 'script.js'))
    }
    for (const i of [1, 2, 3]) {
      for (const file of ['results.json', 'summary.json']) {
        files[`shards/shard-${i}/${file}`] = edit(
          i,
          file,
          fs.readFileSync(path.join(SHARDS, `shard-${from(i)}`, file))
        )
      }
    }
    return files
  }
  const merge = (files: Record<string, Buffer>) =>
    runAction({
      files,
      inputs: {
        script: 'perf/shop.js',
        merge: 'true',
        'shards-dir': 'shards',
        'k6-version': '1.3.0',
        baseline: 'none'
      },
      event: PUSH_EVENT
    })

  it("a merge with a shard's results.json cut in half fails, naming the shard", async () => {
    const run = await merge(
      shardFiles((i, file, bytes) =>
        i === 2 && file === 'results.json'
          ? bytes.subarray(0, Math.floor(bytes.length / 2))
          : bytes
      )
    )
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toEqual([
      expect.stringMatching(
        /^::error::merge: shard 2\/3's results\.json holds \d+ requests where its summary counts 282: the file was cut short/
      )
    ])
  })

  it('two shard folders that hold the same shard fail the merge, naming both', async () => {
    const run = await merge(shardFiles(undefined, (i) => (i === 3 ? 1 : i)))
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toEqual([
      expect.stringMatching(
        /^::error::merge: shard 1\/3 and shard 3\/3 hold the same summary\.json, so they are one shard's files twice/
      )
    ])
  })
})

describe('a paired run whose script ignores BASE_URL', () => {
  let change: LoopbackServer
  let reference: LoopbackServer
  beforeAll(async () => {
    ;[change, reference] = await Promise.all([upService(), upService()])
  })
  afterAll(() => Promise.all([change.close(), reference.close()]))

  it('fails: the requests went elsewhere than either target', async () => {
    // The recorded run's script sent to http://127.0.0.1:18080 whatever
    // BASE_URL said: so do both replays.
    const recorded = 'v1.3.0/wrapper-semicolon/perf-gate-results'
    const run = await runAction({
      files: {
        'perf/load.js': fs.readFileSync(
          path.join(FIXTURES, 'v1.3.0', 'wrapper-semicolon', 'perf', 'load.js')
        )
      },
      inputs: {
        script: 'perf/load.js',
        'k6-path': FAKE_K6,
        'base-url': change.url,
        'reference-url': reference.url,
        baseline: 'none'
      },
      env: { FAKE_K6_FIXTURE: recorded, FAKE_K6_REFERENCE_FIXTURE: recorded }
    })
    expect(run.code).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    const errors = annotations(run.stdout).join('\n')
    expect(errors).toMatch(
      new RegExp(
        `of the change's [\\d,]+ requests went elsewhere than ${change.url.replace(/[.]/g, '\\.')}: the script must take its URL from BASE_URL`
      )
    )
  })
})

describe('hung: every read and network step ends', () => {
  const mkfifo = (file: string): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    execFileSync('mkfifo', [file])
  }

  it('a profile, a script or a data file that is a FIFO is named, never read', async () => {
    const workspace = path.join(tempDir('fifo-'), 'ws')
    mkfifo(path.join(workspace, LABEL))
    const started = Date.now()
    const profileRun = await runAction({
      files: {},
      inputs: { 'k6-path': FAKE_K6 },
      env: { GITHUB_WORKSPACE: workspace }
    })
    expect(annotations(profileRun.stdout)).toEqual([
      "::error::Input 'profile': '.github/perf-gate.yml' is a FIFO (named pipe), not a file: name the profile's YAML file, such as .github/perf-gate.yml."
    ])

    const scripts = path.join(tempDir('fifo-'), 'ws')
    mkfifo(path.join(scripts, 'perf', 'load.js'))
    const scriptRun = await runAction({
      inputs: { script: 'perf/load.js', 'k6-path': FAKE_K6 },
      env: { GITHUB_WORKSPACE: scripts }
    })
    expect(annotations(scriptRun.stdout)[0]).toMatch(
      /^::error::Input 'script': 'perf\/load\.js' is a FIFO \(named pipe\), not a file/
    )

    const { workspace: dataWs, run } = prepared(PRODUCTS)
    mkfifo(path.join(dataWs, '.github', 'data', 'products.csv'))
    expect(run).toThrow(
      /:\d+:\d+: data\.products\.file: 'data\/products\.csv' is a FIFO \(named pipe\), not a file/
    )
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('a data file above 50 MB is refused in one line, before k6 would load it', () => {
    const { workspace, run } = prepared(PRODUCTS)
    const file = path.join(workspace, '.github', 'data', 'products.csv')
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, 'id,name\n1,a\n')
    fs.truncateSync(file, 60e6)
    expect(run).toThrow(
      /data\.products\.file: data\/products\.csv is 60 MB, above the 50 MB perf-gate reads: k6 loads a data set whole at init/
    )
  })

  it('a release mirror that accepts connections and never answers: the install fails within its deadline', async () => {
    const hooks = globalThis as Record<string, unknown>
    hooks.TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS = 0
    hooks.TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS = 0
    const root = tempDir('hang-')
    process.env.RUNNER_TOOL_CACHE = path.join(root, 'cache')
    process.env.RUNNER_TEMP = path.join(root, 'temp')
    const mirror = await startReleaseMirror([], { hang: true })
    const { Deadline } = await import('../src/shared/deadline.js')
    const started = Date.now()
    try {
      await expect(
        installK6({
          versionSpec: '1.3.0',
          downloadUrl: mirror.url,
          platform: 'linux',
          arch: 'x64',
          deadline: new Deadline(2000)
        })
      ).rejects.toThrow(
        /^Could not download k6 v1\.3\.0 from http:\/\/127\.0\.0\.1:\d+\/v1\.3\.0\/k6-v1\.3\.0-linux-amd64\.tar\.gz: no answer within 2 s/
      )
    } finally {
      await mirror.close()
    }
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('leaked: nothing of the action reaches k6, and no secret reaches a log line', () => {
  it("k6 starts without the action's token, the runner's tokens or the workflow command files", async () => {
    const envLog = path.join(tempDir('env-'), 'env.log')
    const token = 'ghs_canaryActionToken01'
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'github-token': token,
        baseline: 'none'
      },
      env: {
        FAKE_K6_ENV_LOG: envLog,
        ACTIONS_RUNTIME_TOKEN: 'canary-runtime-token-1',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'canary-oidc-token-1',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/oidc',
        GITHUB_TOKEN: token,
        MY_COPY_OF_IT: token,
        SHOP_API_KEY: 'the-script-needs-this',
        REGION: 'eu-west-1'
      }
    })
    expect(run.code).toBe(0)
    const k6Env = JSON.parse(fs.readFileSync(envLog, 'utf8').trim()) as Record<
      string,
      string
    >
    for (const name of Object.keys(k6Env)) {
      expect(name).not.toMatch(/^(INPUT_|ACTIONS_)/)
    }
    expect(Object.values(k6Env).join('\n')).not.toContain(token)
    for (const name of [
      'GITHUB_TOKEN',
      'GITHUB_OUTPUT',
      'GITHUB_STEP_SUMMARY',
      'GITHUB_EVENT_PATH'
    ]) {
      if (name === 'GITHUB_EVENT_PATH') expect(k6Env[name]).toBeDefined()
      else expect(k6Env[name]).toBeUndefined()
    }
    // The script's own variables are there.
    expect(k6Env.SHOP_API_KEY).toBe('the-script-needs-this')
    expect(k6Env.REGION).toBe('eu-west-1')
  })

  it('-eNAME=… and -e=NAME=… in k6-args are masked before the command line is logged', async () => {
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'k6-args':
          '-eSVC_SECRET=canary-attached-0123 -e=API_KEY=canary-equals-4567 --env=DB_PASSWORD=canary-long-8901',
        baseline: 'none'
      }
    })
    expect(run.code).toBe(0)
    const lines = run.stdout.split('\n')
    const running = lines.findIndex((l) => l.startsWith('Running '))
    for (const canary of [
      'canary-attached-0123',
      'canary-equals-4567',
      'canary-long-8901'
    ]) {
      const mask = lines.indexOf(`::add-mask::${canary}`)
      expect(mask).toBeGreaterThanOrEqual(0)
      expect(mask).toBeLessThan(running)
    }
  })

  it('a k6-download-url with a user, a password and a query token: files fetched under its path, the query kept; no secret in a message', async () => {
    const hooks = globalThis as Record<string, unknown>
    hooks.TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS = 0
    hooks.TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS = 0
    const root = tempDir('mirror-')
    process.env.RUNNER_TOOL_CACHE = path.join(root, 'cache')
    process.env.RUNNER_TEMP = path.join(root, 'temp')
    process.env.GITHUB_PATH = path.join(root, 'path')
    fs.writeFileSync(process.env.GITHUB_PATH, '')
    process.env.FAKE_K6_VERSION = '1.3.0'
    const mirror = await startReleaseMirror([
      buildRelease('1.3.0', ['linux-amd64'])
    ])
    const url =
      mirror.url.replace('//', '//ci:canary-pass-7h2k@') +
      '/mirror?token=canary-query-9x1m'
    try {
      const k6 = await installK6({
        versionSpec: '1.3.0',
        downloadUrl: url,
        platform: 'linux',
        arch: 'x64'
      })
      expect(k6.version).toBe('1.3.0')
      expect(mirror.requests.map((r) => r.url)).toEqual([
        '/mirror/v1.3.0/k6-v1.3.0-linux-amd64.tar.gz?token=canary-query-9x1m',
        '/mirror/v1.3.0/k6-v1.3.0-checksums.txt?token=canary-query-9x1m'
      ])
      // A version the mirror lacks: the message names the file, not the secrets.
      let message = ''
      try {
        await installK6({
          versionSpec: '9.9.9',
          downloadUrl: url,
          platform: 'linux',
          arch: 'x64'
        })
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(
        /^Could not download k6 v9\.9\.9 from http:\/\/127\.0\.0\.1:\d+\/mirror\/v9\.9\.9\/k6-v9\.9\.9-linux-amd64\.tar\.gz\?token=\*\*\*: HTTP 404/
      )
      expect(message).not.toMatch(/canary/)
    } finally {
      await mirror.close()
    }
  })

  it('a data file that is a link to a file outside the workspace is refused, and nothing of it is printed', () => {
    const outside = path.join(tempDir('outside-'), 'secret.csv')
    fs.writeFileSync(outside, 'canary-outside-line,x\n1,2\n')
    const { workspace, run } = prepared(PRODUCTS)
    const link = path.join(workspace, '.github', 'data', 'products.csv')
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(outside, link)
    let message = ''
    try {
      run()
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(
      /data\.products\.file: 'data\/products\.csv' is a link to .*secret\.csv, outside the workspace/
    )
    expect(message).not.toContain('canary-outside-line')
  })
})

describe('lost or spoofed', () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())

  it('perf-gate-result.json cannot be written: the job summary, the outputs and the report still are', async () => {
    const run = await runAction({
      files: {
        ...fixtureScript('pass'),
        'perf-gate-results/perf-gate-result.json/keep': ''
      },
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6, baseline: 'none' }
    })
    expect(run.code).toBe(0)
    expect(annotations(run.stdout, 'warning').join('\n')).toMatch(
      /Could not write .*perf-gate-result\.json: .*is a directory, where perf-gate writes its file of that name/
    )
    expect(run.outputs.passed).toBe('true')
    expect(run.outputs['p95-ms']).not.toBe('')
    expect(run.summary).toContain('perf-gate passed')
    expect(
      fs.existsSync(
        path.join(run.workspace, 'perf-gate-results', 'perf-gate-report.md')
      )
    ).toBe(true)
  })

  it('results.json.gz as a directory where k6 writes: one line, before k6 starts', async () => {
    const run = await runAction({
      files: {
        ...fixtureScript('pass'),
        'perf-gate-results/results.json.gz/keep': ''
      },
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6, baseline: 'none' }
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toEqual([
      expect.stringMatching(
        /^::error::.*perf-gate-results\/results\.json\.gz is a directory, where perf-gate writes its file of that name: remove it, or give results-dir another folder\.$/
      )
    ])
  })

  it('a baseline file with one malformed and one impossible entry keeps the valid ones, and names the others', () => {
    const good = [entry(20), entry(21)]
    const text = JSON.stringify({
      schema: 'perf-gate-baseline',
      schemaVersion: 1,
      objective: 'load',
      entries: [
        good[0],
        { ...good[1], runId: 'bad-1', overall: { p95: -5 } },
        { ...good[1], runId: 'bad-2', overall: { rps: 1e308 } },
        { nonsense: true },
        good[1]
      ]
    })
    const file = parseBaselineFile(text, 'baselines/load.json')
    expect(file.entries.map((e) => e.runId)).toEqual(good.map((e) => e.runId))
    expect(file.dropped).toEqual([
      expect.stringMatching(/^entries\[1\] \(run bad-1\): overall\.p95: /),
      expect.stringMatching(/^entries\[2\] \(run bad-2\): overall\.rps: /),
      expect.stringMatching(/^entries\[3\]: /)
    ])
    // Written again, the valid entries (and the new one) stay.
    const next = parseBaselineFile(
      serialiseBaselineFile(appendEntry(file, entry(22))),
      'again'
    )
    expect(next.entries).toHaveLength(3)
    expect(next.dropped).toBeUndefined()
  })

  it('a comment by the same bot that quotes the marker mid-body is left alone; perf-gate posts its own', async () => {
    const marker = '<!-- perf-gate:comment quoted -->'
    api.comments.set(31, [
      {
        id: 1,
        body: `A note about perf-gate: its comments start with ${marker} and more.`,
        html_url: 'https://github.com/acme/shop/pull/31#issuecomment-1'
      }
    ])
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'github-token': 'ghs_test0123456789',
        'comment-key': 'quoted',
        baseline: 'none'
      },
      env: { GITHUB_API_URL: api.url, GITHUB_REF: 'refs/pull/31/merge' },
      event: pullRequestEvent(31)
    })
    expect(run.code).toBe(0)
    const comments = api.comments.get(31) ?? []
    expect(comments).toHaveLength(2)
    expect(comments[0].body).toContain('A note about perf-gate')
    expect(comments[1].body.startsWith(`${marker}\n`)).toBe(true)
  })

  it('a comment deleted between the listing and the edit: a new one is posted', async () => {
    const marker = '<!-- perf-gate:comment gone -->'
    api.comments.set(32, [
      {
        id: 2,
        body: `${marker}\nold report`,
        html_url: 'https://github.com/acme/shop/pull/32#issuecomment-2'
      }
    ])
    api.faults.push({
      method: 'PATCH',
      path: /\/issues\/comments\/2$/,
      status: 404,
      times: 1
    })
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'github-token': 'ghs_test0123456789',
        'comment-key': 'gone',
        baseline: 'none'
      },
      env: { GITHUB_API_URL: api.url, GITHUB_REF: 'refs/pull/32/merge' },
      event: pullRequestEvent(32)
    })
    expect(run.code).toBe(0)
    expect(annotations(run.stdout, 'warning')).toEqual([])
    const comments = api.comments.get(32) ?? []
    expect(comments).toHaveLength(2)
    expect(comments[1].body.startsWith(`${marker}\n`)).toBe(true)
    expect(run.outputs['comment-url']).toBe(comments[1].html_url)
  })
})

describe('unclear, made clear', () => {
  it('k6 killed by a signal (exit 137) is said as such', () => {
    const outcome = classifyOutcome(137, emptyStderr(), undefined, 'load.js')
    expect(outcome).toBe('killed')
    expect(
      reasonText({ kind: 'k6', outcome: 'killed', exitCode: 137 }, undefined)
    ).toBe(
      'k6 was killed by SIGKILL (exit code 137): usually the runner ran out of memory; lower the load, or use a larger runner'
    )
  })

  it('a load-factor input that leaves under one request a second is refused, naming the input', () => {
    const { workspace, resultsDir } = prepared({
      ...PRODUCTS,
      data: undefined,
      endpoints: [{ name: 'GET /api/status', path: '/api/status' }],
      objectives: { load: { rate: 20 } }
    })
    expect(() =>
      prepareRun({
        profilePath: path.join(workspace, LABEL),
        profileLabel: LABEL,
        workspace,
        resultsDir,
        context,
        objectiveInput: 'load',
        requireEnv: false,
        env: {},
        limits: { maxRps: 1000, maxVus: 1000 },
        factors: { load: 1e-9 }
      })
    ).toThrow(
      /input load-factor 1e-9 takes objective load's rate of 20 iterations\/s to 2e-8\/s: below one a second the plan is not the profile's; use 0\.05 or more/
    )
  })

  it("a service that is down fails before k6, naming the profile's health path", async () => {
    const run = await runAction({
      files: {
        [LABEL]: stringify({
          version: 1,
          target: { base_url: 'http://127.0.0.1:9', health: '/health' },
          endpoints: [{ name: 'a', path: '/a' }],
          capacity: { production: { rps: 10 }, factor: 1 },
          objectives: { smoke: { duration: '1s', vus: 1 } }
        })
      },
      inputs: { 'k6-path': FAKE_K6, baseline: 'none' },
      env: { FAKE_K6_FIXTURE: 'pass' }
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toEqual([
      expect.stringMatching(
        /^::error::The health check GET http:\/\/127\.0\.0\.1:9\/health \(target\.health in \.github\/perf-gate\.yml\) failed \(ECONNREFUSED\): start the service before perf-gate/
      )
    ])
  })
})
