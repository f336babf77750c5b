import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {
  annotations,
  FAKE_K6,
  FIXTURES as FIXTURES_DIR,
  fixtureScript,
  runAction,
  type ActionRun
} from './helpers/action.js'
import { startArtifactService } from './helpers/artifact-service.js'
import { buildRelease, startReleaseMirror } from './helpers/release-mirror.js'

/** Run a recorded fixture through the bundled action with the stand-in. */
function runFixture(
  name: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<ActionRun> {
  return runAction({
    files: fixtureScript(name),
    inputs: { script: `perf/${name}.js`, 'k6-path': FAKE_K6, ...inputs },
    env
  })
}

function errorLines(run: ActionRun): string[] {
  return annotations(run.stdout).filter((line) => line.startsWith('::error::'))
}

describe('a passing run', () => {
  let run: ActionRun
  let argv: string[][]
  beforeAll(async () => {
    const argvLog = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'argv-')),
      'argv.log'
    )
    run = await runFixture(
      'pass',
      {
        'k6-args': `--tag "team=shop api" --vus 2 --env 'GREETING=hello world'`
      },
      { FAKE_K6_ARGV_LOG: argvLog }
    )
    argv = fs
      .readFileSync(argvLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  })

  it('exits 0 and sets every output', () => {
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      passed: 'true',
      'exit-code': '0',
      'k6-version': '1.3.0',
      'p95-ms': '5.656',
      'p99-ms': '5.765',
      'error-rate': '0',
      rps: '49.769'
    })
    const results = path.join(run.workspace, 'perf-gate-results')
    expect(run.outputs['summary-path']).toBe(path.join(results, 'summary.json'))
    expect(run.outputs['results-path']).toBe(
      path.join(results, 'results.json.gz')
    )
    expect(fs.existsSync(path.join(results, 'k6.log'))).toBe(true)
  })

  it('runs k6 with an argument array: quotes kept, no shell', () => {
    const results = path.join(run.workspace, 'perf-gate-results')
    expect(argv).toEqual([
      ['version'],
      [
        'run',
        '--summary-export',
        path.join(results, 'summary.json'),
        '--out',
        `json=${path.join(results, 'results.json.gz')}`,
        '--tag',
        'team=shop api',
        '--vus',
        '2',
        '--env',
        'GREETING=hello world',
        path.join(run.workspace, 'perf', 'pass.js')
      ]
    ])
  })

  it('writes a job summary with the verdict, every threshold and the key figures', () => {
    expect(run.summary).toContain(
      '## ✅ perf-gate passed: all 13 thresholds held'
    )
    expect(run.summary).toContain(
      'k6 v1.3.0 · `perf/pass.js` · exit code 0 (passed)'
    )
    expect(run.summary).toContain(
      '| ✅ | `http_req_duration{name:GET /api/products/:id}` | `p(95)<300` | p(95) = 5.68 ms |'
    )
    expect(run.summary).toContain(
      '| ✅ | `http_req_failed` | `rate<0.01` | rate = 0.00% |'
    )
    expect(run.summary).toContain(
      '| ✅ | `orders_created` | `count>5` | count = 66 |'
    )
    expect(run.summary).toContain(
      '| ✅ | `http_reqs` | `rate>10` | rate = 49.7686/s |'
    )
    expect(run.summary).toContain(
      '| Latency p50 / p95 / p99 (`http_req_duration`) | 2.71 ms / 5.66 ms / 5.76 ms |'
    )
    expect(run.summary).toContain('| Requests | 307 (49.8/s) |')
    expect(run.summary).toContain('| Checks passed | 100.00% of 612 |')
    expect(run.summary).toContain(
      '| VUs | 3 active at most (sampled each second), 8 allocated |'
    )
    expect(run.summary).toContain('| Duration | 6.2s |')
  })

  it('adds per-endpoint figures from results.json and writes perf-gate-result.json', () => {
    expect(run.summary).toContain(
      '| GET /api/products/:id | 240 | 0.00% | 3.55 ms | 5.68 ms | 5.77 ms | 6.12 ms | 200×240 |'
    )
    const result = JSON.parse(
      fs.readFileSync(
        path.join(run.workspace, 'perf-gate-results', 'perf-gate-result.json'),
        'utf8'
      )
    )
    expect(result).toMatchObject({
      schema: 'perf-gate-result',
      schemaVersion: 2,
      passed: true,
      outcome: 'passed',
      http: { requests: 307, failures: 0 },
      input: { corruptLines: 0, truncatedLastLine: false }
    })
    expect(result.endpoints.map((e: { name: string }) => e.name)).toEqual([
      'GET /api/products/:id',
      'POST /api/orders',
      'http://127.0.0.1:18080/health'
    ])
    const buckets = result.series.buckets as { requests: number }[]
    expect(buckets.reduce((sum, b) => sum + b.requests, 0)).toBe(307)
  })

  it('keeps k6 output in a log group and from issuing workflow commands', () => {
    const group = run.stdout.indexOf('::group::k6 output')
    const stop = run.stdout.search(/::stop-commands::[0-9a-f-]{36}/)
    const banner = run.stdout.indexOf('execution: local')
    const end = run.stdout.indexOf('::endgroup::')
    expect(group).toBeGreaterThanOrEqual(0)
    expect(stop).toBeGreaterThan(group)
    expect(banner).toBeGreaterThan(stop)
    expect(end).toBeGreaterThan(banner)
  })
})

describe('failing runs', () => {
  it('fail: names every crossed threshold, one annotation each, placed in the script', async () => {
    const run = await runFixture('fail')
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ passed: 'false', 'exit-code': '99' })
    const failed = errorLines(run)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toContain('perf-gate failed: 5 thresholds crossed:')
    expect(failed[0]).toContain('http_req_duration p(95)<20 (p(95)=58.7 ms)')
    expect(failed[0]).toContain('http_req_duration{name:GET /slow} p(95)<30')
    expect(failed[0]).toContain('http_req_failed rate<0.05 (rate=9.52%)')
    expect(failed[0]).toContain('checks rate>0.95 (rate=80.95%)')
    expect(failed[0]).toContain('http_req_duration p(99)<5 (p(99)=59.8 ms)')
    const placed = annotations(run.stdout).filter((l) =>
      l.startsWith('::error title=perf-gate: threshold crossed')
    )
    expect(placed).toHaveLength(5)
    // perf/fail.js line 7: `http_req_duration: ['p(95)<20', 'p(99)<5'],`
    expect(placed).toContainEqual(
      '::error title=perf-gate: threshold crossed,file=perf/fail.js,line=7,col=26::http_req_duration p(95)<20 (p(95)=58.7 ms)'
    )
    expect(placed).toContainEqual(
      '::error title=perf-gate: threshold crossed,file=perf/fail.js,line=7,col=38::http_req_duration p(99)<5 (p(99)=59.8 ms)'
    )
    expect(run.summary).toContain(
      '## ❌ perf-gate failed: 5 thresholds crossed'
    )
    // k6 did not export p(99); results.json gives it.
    expect(run.summary).toContain(
      '| ❌ | `http_req_duration` | `p(99)<5` | p(99) = 59.8 ms † |'
    )
    expect(run.outputs['p99-ms']).toBe('59.807')
  })

  it('down: the error rate threshold and the refused connections', async () => {
    const run = await runFixture('down')
    expect(run.code).toBe(1)
    expect(run.outputs['error-rate']).toBe('1')
    expect(errorLines(run)[0]).toContain(
      'perf-gate failed: 1 threshold crossed: http_req_failed rate<0.01 (rate=100.00%)'
    )
    expect(run.summary).toContain('| connection refused | 40 |')
    // The log shows the first failures, k6.log keeps them all.
    const log = fs.readFileSync(
      path.join(run.workspace, 'perf-gate-results', 'k6.log'),
      'utf8'
    )
    expect(log.match(/Request Failed/g)).toHaveLength(40)
  })

  it('abort: says the test was stopped early by abortOnFail', async () => {
    const run = await runFixture('abort')
    expect(run.code).toBe(1)
    expect(errorLines(run)[0]).toContain(
      'http_req_duration p(95)<10 (p(95)=59.0 ms)'
    )
    expect(errorLines(run)[0]).toContain(
      'k6 stopped the test early because of an abortOnFail threshold'
    )
  })

  it('syntaxerr: a clear script error with its position', async () => {
    const run = await runFixture('syntaxerr')
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      passed: 'false',
      'exit-code': '255',
      'summary-path': ''
    })
    expect(errorLines(run)).toEqual([
      '::error::perf-gate failed: the script failed (exit code 255): syntaxerr.js:3:0 Expected "}" but found "export"'
    ])
  })

  it("badthreshold: k6 rejected the options, with k6's reason", async () => {
    const run = await runFixture('badthreshold')
    expect(run.code).toBe(1)
    expect(errorLines(run)[0]).toBe(
      `::error::perf-gate failed: k6 rejected the test options (exit code 104): failed parsing threshold expression's "p95<500" left hand side; reason: failed parsing method from expression`
    )
  })

  it('scripterr: exceptions inside iterations fail the gate by default', async () => {
    const run = await runFixture('scripterr')
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ passed: 'false', 'exit-code': '0' })
    expect(errorLines(run)[0]).toBe(
      '::error::perf-gate failed: 1 exception thrown inside iterations (k6 exits 0 on these); first: ReferenceError: undefinedFunctionCall is not defined'
    )
    expect(run.summary).toContain(
      '- `ReferenceError: undefinedFunctionCall is not defined` at `scripterr.js:3:51` ×1'
    )
  })

  it('scripterr with fail-on-iteration-errors: false passes with a warning', async () => {
    const run = await runFixture('scripterr', {
      'fail-on-iteration-errors': 'false'
    })
    expect(run.code).toBe(0)
    expect(run.outputs.passed).toBe('true')
    expect(annotations(run.stdout, 'warning').join('\n')).toContain(
      '1 exception thrown inside iterations'
    )
  })

  it('handle: a script with handleSummary() still gates on summary-export', async () => {
    const run = await runFixture('handle')
    expect(run.code).toBe(0)
    expect(run.summary).toContain('all 2 thresholds held')
    expect(run.summary).toContain('| ok | 102 | 12 |')
  })
})

describe('cancellation', () => {
  it('forwards SIGINT to k6, keeps its summary and reports the run as cancelled', async () => {
    let sent = false
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6 },
      env: { FAKE_K6_WAIT_FOR_SIGNAL: '1' },
      onStdout: (_text, child) => {
        if (!sent && /running \(01\.0s\)/.test(_text)) {
          sent = true
          child.kill('SIGINT')
        }
      }
    })
    expect(sent).toBe(true)
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      'perf-gate: received SIGINT; asking k6 to stop and write its summary'
    )
    expect(run.outputs).toMatchObject({ passed: 'false', 'exit-code': '105' })
    expect(fs.existsSync(run.outputs['summary-path'])).toBe(true)
    expect(errorLines(run)[0]).toContain('the run was cancelled (SIGINT)')
    expect(run.summary).toContain('exit code 105 (cancelled)')
    // The figures k6 wrote on its way out are still reported.
    expect(run.summary).toContain('| Requests | 307 (49.8/s) |')
  })
})

describe('artifacts', () => {
  it('uploads results.json.gz, summary.json, k6.log, perf-gate-result.json and the report; the bytes arrive intact', async () => {
    const service = await startArtifactService()
    try {
      const run = await runFixture(
        'pass',
        { 'artifact-name': 'perf-pass' },
        service.env
      )
      expect(run.code).toBe(0)
      expect(service.artifacts).toHaveLength(1)
      const [artifact] = service.artifacts
      expect(artifact).toMatchObject({ name: 'perf-pass', finalized: true })
      const unzipped = fs.mkdtempSync(path.join(os.tmpdir(), 'artifact-'))
      fs.writeFileSync(path.join(unzipped, 'a.zip'), artifact.blob)
      execFileSync('unzip', ['-q', 'a.zip', '-d', 'out'], { cwd: unzipped })
      const results = path.join(run.workspace, 'perf-gate-results')
      const files = [
        'k6.log',
        'perf-gate-junit.xml',
        'perf-gate-report.md',
        'perf-gate-result.json',
        'results.json.gz',
        'summary.json'
      ]
      expect(fs.readdirSync(path.join(unzipped, 'out')).sort()).toEqual(files)
      // k6 gzips what it writes: the samples of the recorded run, whole.
      expect(
        zlib.gunzipSync(
          fs.readFileSync(path.join(unzipped, 'out', 'results.json.gz'))
        )
      ).toEqual(
        fs.readFileSync(path.join(FIXTURES_DIR, 'pass', 'results.json'))
      )
      for (const file of files) {
        expect(fs.readFileSync(path.join(unzipped, 'out', file))).toEqual(
          fs.readFileSync(path.join(results, file))
        )
      }
      expect(run.summary).toContain(
        `📦 Results: artifact [\`perf-pass\`](https://github.com/acme/shop/actions/runs/4242/artifacts/${artifact.id}), with 🧪 JUnit \`perf-gate-junit.xml\``
      )
    } finally {
      await service.close()
    }
  })

  it('an upload failure is a warning and does not change the verdict', async () => {
    const service = await startArtifactService({ createStatus: 409 })
    try {
      const run = await runFixture('pass', {}, service.env)
      expect(run.code).toBe(0)
      expect(run.outputs.passed).toBe('true')
      const warnings = annotations(run.stdout, 'warning').join('\n')
      expect(warnings).toContain(
        "Could not upload the results artifact 'perf-gate-results'"
      )
      expect(warnings).toContain('give each job its own artifact-name')
      // Where a reader finds them: the workspace's folder, not a runner path.
      expect(run.summary).toContain(
        'Results were not uploaded; they are in `perf-gate-results`'
      )
    } finally {
      await service.close()
    }
  })

  it('outside a runner it says where the files are and goes on', async () => {
    const run = await runFixture('fail')
    expect(run.stdout).toContain(
      'Not on a GitHub runner (no ACTIONS_RUNTIME_TOKEN): results were not uploaded.'
    )
    expect(run.code).toBe(1)
  })
})

describe('installing k6 in the action', () => {
  it('installs from k6-download-url through the tool cache and runs it', async () => {
    const mirror = await startReleaseMirror([
      buildRelease('1.3.0', ['linux-amd64', 'linux-arm64'])
    ])
    try {
      const run = await runAction({
        files: fixtureScript('pass'),
        inputs: {
          script: 'perf/pass.js',
          'k6-version': 'v1.3.0',
          'k6-download-url': mirror.url
        },
        env: { FAKE_K6_VERSION: '1.3.0' }
      })
      expect(run.stdout).toContain(
        `Acquiring k6 v1.3.0 from ${mirror.url}/v1.3.0/k6-v1.3.0-linux-`
      )
      expect(run.code).toBe(0)
      expect(run.outputs['k6-version']).toBe('1.3.0')
    } finally {
      await mirror.close()
    }
  })

  it('masks the token and never prints it', async () => {
    const token = 'ghs_0123456789abcdefSECRET'
    const run = await runFixture('pass', { 'github-token': token })
    expect(run.stdout).toContain(`::add-mask::${token}`)
    expect(run.stdout.split(`::add-mask::${token}`).join('')).not.toContain(
      token
    )
    expect(run.summary).not.toContain(token)
  })
})

describe('bad input: one clear line and a failed run', () => {
  it.each([
    [
      'a missing script',
      { script: 'perf/nope.js' },
      /^::error::Input 'script': 'perf\/nope\.js' does not exist \(looked for .*perf\/nope\.js\): the path is relative to working-directory\.$/
    ],
    [
      'k6-version: banana',
      { 'k6-version': 'banana', 'k6-path': '' },
      /^::error::Input 'k6-version': 'banana' is not a k6 version\. Use 'latest' or a release such as '1\.3\.0'\.$/
    ],
    [
      'a k6-path that is not executable',
      { 'k6-path': 'perf/pass.js' },
      /^::error::Input 'k6-path': .*perf\/pass\.js is not executable\./
    ],
    [
      'k6-args with an unbalanced quote',
      { 'k6-args': `--tag "team=shop` },
      /^::error::Input 'k6-args': the double quote at column 7 is never closed\. Close the quote/
    ],
    [
      'results-dir outside the workspace',
      { 'results-dir': '../../elsewhere' },
      /^::error::Input 'results-dir': '\.\.\/\.\.\/elsewhere' resolves to .*, which is outside the workspace/
    ],
    [
      'upload-artifacts: maybe',
      { 'upload-artifacts': 'maybe' },
      /^::error::Input 'upload-artifacts': 'maybe' is not a boolean: use true or false\.$/
    ],
    [
      'load-factor for a script of its own',
      { 'load-factor': '0.1' },
      /^::error::Input 'load-factor': scales a profile's generated plan, and this run is a script of its own \(the script input\): scale the script's options, or run from a profile\.$/
    ]
  ])('%s', async (_name, inputs, message) => {
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: { script: 'perf/pass.js', 'k6-path': FAKE_K6, ...inputs }
    })
    expect(run.code).toBe(1)
    const errors = errorLines(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
    expect(run.outputs.passed).toBe('false')
  })
})
