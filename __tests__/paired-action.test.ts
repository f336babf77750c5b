import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseBaselineFile } from '../src/baseline/entry.js'
import {
  annotations,
  exampleFiles,
  FAKE_K6,
  FIXTURES,
  pullRequestEvent,
  PUSH_EVENT,
  ROOT,
  runAction,
  type ActionRun
} from './helpers/action.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'
import { startServer, upService, type LoopbackServer } from './helpers/http.js'
import { checkTargetsAnswer } from '../src/pipeline/targets.js'

/**
 * input reference-url through the bundled action. No recorded k6 run was
 * made with the target tag (k6 is not on this machine), so the replayed
 * run has no pairs: the comparison says it could not judge, and why.
 */
const files = exampleFiles(
  fs.readFileSync(path.join(ROOT, 'examples', 'perf-gate.yml'))
)

describe('a paired run through the action', () => {
  it('hands k6 the reference, masks its password, and judges by pairs, not the baseline', async () => {
    const envLog = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'paired-')),
      'env.log'
    )
    // Both services up: perf-gate asks their health paths before k6.
    const [change, base] = await Promise.all([upService(), upService()])
    const reference = base.url.replace('//', '//ci:canary-ref-5b1e@')
    const run = await runAction({
      files,
      inputs: {
        objective: 'load',
        'k6-path': FAKE_K6,
        'base-url': change.url,
        'reference-url': reference,
        'github-token': 'ghs_test'
      },
      env: { FAKE_K6_FIXTURE: 'pass', FAKE_K6_ENV_LOG: envLog },
      event: PUSH_EVENT
    }).finally(() => Promise.all([change.close(), base.close()]))
    expect(run.code).toBe(0)
    // Not judged: no estimate to hand on.
    expect(run.outputs['paired-change']).toBe('')
    const k6Env = JSON.parse(fs.readFileSync(envLog, 'utf8').trim())
    expect(k6Env.REFERENCE_URL).toBe(reference)
    // Both health paths asked, the reference without its password.
    expect(change.requests.map((r) => r.url)).toEqual(['/health'])
    expect(base.requests.map((r) => r.url)).toEqual(['/health'])
    expect(base.requests[0].headers.authorization).toBeUndefined()
    // Masked: announced to the runner once, then never in the log.
    const lines = run.stdout.split('\n')
    expect(lines).toContain('::add-mask::canary-ref-5b1e')
    expect(
      lines.filter((l) => !l.startsWith('::add-mask::')).join('\n')
    ).not.toContain('canary-ref-5b1e')
    expect(run.summary).not.toContain('canary-ref-5b1e')
    expect(run.summary).toContain(
      '**Paired with the reference** (the same requests to both, at the same moments, the order alternating): not judged: results.json holds no request tagged with its target'
    )
    expect(run.stdout).toContain(
      'Paired run: results.json holds no request tagged target=change; the baseline store is not read or written.'
    )
    const script = fs.readFileSync(
      path.join(run.workspace, 'perf-gate-results', 'perf-gate-script.js'),
      'utf8'
    )
    expect(script).toContain('const REFERENCE_URL')
    expect(script).not.toContain('canary-ref-5b1e')
  })
})

/**
 * A script of the user's, paired: run twice at once, once per target. The
 * stand-in replays a real recorded run for each (k6-noise): the change
 * the service 20% slower, the reference an unchanged run; or the same
 * unchanged run twice, an A/A pair. Recorded at other moments, the two
 * are aligned on their first requests.
 */
describe('a paired run of a script of its own', () => {
  let api: GitHubApi
  // The two targets perf-gate asks before any load (k6 is the stand-in).
  let change: LoopbackServer
  let base: LoopbackServer
  beforeAll(async () => {
    api = await startGitHubApi()
    change = await startServer((_, res) => {
      res.end('change')
    })
    base = await startServer((_, res) => {
      res.writeHead(401)
      res.end()
    })
  })
  afterAll(async () => {
    await Promise.all([api.close(), change.close(), base.close()])
  })
  const referenceUrl = (): string =>
    base.url.replace('http://', 'http://ci:canary-own-7c2d@')
  const NOISE = path.join(FIXTURES, '..', 'k6-noise')
  const SCRIPT =
    'export default function () { http.get(`${__ENV.BASE_URL}/api/products/1`) }\n'

  function pairedRun(
    changeFixture: string,
    referenceFixture: string,
    event: { name: string; payload: object },
    logs: { env: string; argv: string },
    reference = referenceUrl()
  ): Promise<ActionRun> {
    return runAction({
      files: { 'perf/load.js': SCRIPT },
      inputs: {
        script: 'perf/load.js',
        'k6-path': FAKE_K6,
        'base-url': change.url,
        'reference-url': reference,
        'github-token': 'ghs_paired_token'
      },
      env: {
        GITHUB_API_URL: api.url,
        FAKE_K6_FIXTURES: NOISE,
        // The corpus's k6 (its folders keep no `k6 version` of their own).
        FAKE_K6_VERSION: '1.3.0',
        FAKE_K6_FIXTURE: `fast-lat20-drift5/${changeFixture}`,
        FAKE_K6_REFERENCE_FIXTURE: referenceFixture.startsWith('../')
          ? referenceFixture
          : `fast-lat20-drift5/${referenceFixture}`,
        FAKE_K6_ENV_LOG: logs.env,
        FAKE_K6_ARGV_LOG: logs.argv,
        ...(event === PUSH_EVENT
          ? {}
          : {
              GITHUB_REF: 'refs/pull/9/merge',
              GITHUB_SHA: 'eeee'.padEnd(40, '0')
            })
      },
      event
    })
  }
  const logs = (): { env: string; argv: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paired-own-'))
    return { env: path.join(dir, 'env.log'), argv: path.join(dir, 'argv.log') }
  }

  let aa: ActionRun
  let aaLogs: { env: string; argv: string }
  let slower: ActionRun
  beforeAll(async () => {
    aaLogs = logs()
    aa = await pairedRun('aa-01', 'aa-01', PUSH_EVENT, aaLogs)
    slower = await pairedRun(
      'slow20-01',
      'aa-01',
      pullRequestEvent(9, { baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40) }),
      logs()
    )
  })

  it("starts k6 twice, each with its target's URL and tag, the reference quiet", () => {
    expect(aa.code).toBe(0)
    const argv = fs
      .readFileSync(aaLogs.argv, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[])
      .filter((a) => a[0] === 'run')
    expect(argv).toHaveLength(2)
    const tags = argv.map((a) => a[a.indexOf('--tag') + 1]).sort()
    expect(tags).toEqual(['target=change', 'target=reference'])
    const envs = fs
      .readFileSync(aaLogs.env, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
    const byTarget = Object.fromEntries(
      envs.map((e) => [e.PERF_GATE_TARGET, e])
    )
    expect(byTarget.change.BASE_URL).toBe(change.url)
    expect(byTarget.reference.BASE_URL).toBe(referenceUrl())
    // Both were asked before the load, without the reference's password.
    expect(change.requests.length).toBeGreaterThan(0)
    expect(base.requests.length).toBeGreaterThan(0)
    expect(base.requests[0].headers.authorization).toBeUndefined()
    // The change's HTML report only: the reference serves no dashboard.
    expect(byTarget.change.K6_WEB_DASHBOARD).toBe('true')
    expect(byTarget.reference.K6_WEB_DASHBOARD).toBeUndefined()
    // One k6 output on the step's log; the reference's in its own k6.log.
    expect(aa.stdout.split('█ THRESHOLDS').length - 1).toBe(1)
    const dir = path.join(aa.workspace, 'perf-gate-results', 'reference')
    for (const file of ['summary.json', 'results.json.gz', 'k6.log'])
      expect(fs.existsSync(path.join(dir, file))).toBe(true)
    expect(fs.readFileSync(path.join(dir, 'k6.log'), 'utf8')).toContain(
      '█ THRESHOLDS'
    )
  })

  it("keeps the reference's password out of the log, the files and the data branch", () => {
    const logged = aa.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    expect(logged).not.toContain('canary-own-7c2d')
    const results = path.join(aa.workspace, 'perf-gate-results')
    const files = fs.readdirSync(results, { recursive: true }) as string[]
    for (const file of files) {
      const full = path.join(results, file)
      if (fs.statSync(full).isFile())
        expect(fs.readFileSync(full, 'utf8')).not.toContain('canary-own-7c2d')
    }
    for (const text of api.branches.get('perf-gate-data')?.values() ?? [])
      expect(text).not.toContain('canary-own-7c2d')
  })

  it("an A/A pair: no change, and the change's figures are the baseline kept", () => {
    expect(aa.outputs.verdict).toBe('pass')
    expect(aa.outputs['paired-change']).toBe('0')
    expect(aa.summary).toContain(
      '**Paired with the reference** (the script run twice at once, once per target; their first requests at the same moment, lined up): latency +0.0%'
    )
    expect(aa.summary).toContain('✅ no regression')
    const file = parseBaselineFile(
      api.branches.get('perf-gate-data')?.get('baselines/script.json') ?? '',
      'perf-gate-data'
    )
    expect(file.entries).toHaveLength(1)
    // The change's own run (503 requests), not both targets' together.
    expect(file.entries[0].overall.requests).toBe(503)
  })

  it('the change 20% slower: a paired regression fails the check, beside the baseline comparison', () => {
    expect(slower.code).toBe(1)
    expect(slower.outputs.verdict).toBe('regression')
    // The estimate and what the run could detect, for the workflow's next steps.
    expect(Number(slower.outputs['paired-change'])).toBeGreaterThan(0.1)
    expect(Number(slower.outputs['paired-detectable'])).toBeGreaterThan(0)
    expect(Number(slower.outputs['paired-detectable'])).toBeLessThan(0.1)
    // Recorded 21 s apart, the two runs are lined up on their first requests.
    expect(slower.summary).toMatch(
      /\*\*Paired with the reference\*\* \(the script run twice at once, once per target; their first requests 2\d\.\d s apart \(the reference’s first\), lined up\): latency \+1\d\.\d% .*❌ slower beyond the noise/
    )
    // Compared with the stored run of main as well: the change's figures.
    expect(slower.summary).toContain('Baseline: `0123456` on `main`')
    expect(slower.summary).toMatch(
      /\| p95 latency \| [\d.]+\sms \| [\d.]+\sms \| \+\d+\.\d% \|/
    )
    const comment = api.comments.get(9)?.[0]?.body ?? ''
    expect(comment).toContain('**Paired with the reference**')
    // RENDER_OUT=dir: the comment, for scripts/screenshot.mjs to look at.
    if (process.env.RENDER_OUT) {
      fs.mkdirSync(process.env.RENDER_OUT, { recursive: true })
      fs.writeFileSync(
        path.join(process.env.RENDER_OUT, 'paired-own-script.md'),
        comment
      )
    }
  })

  it('a reference that does not answer fails the run before k6 starts, naming the input', async () => {
    const closed = await startServer(() => undefined)
    await closed.close()
    const l = logs()
    const run = await pairedRun('aa-01', 'aa-01', PUSH_EVENT, l, closed.url)
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toContainEqual(
      `::error::Input 'reference-url': ${closed.url} does not answer (ECONNREFUSED): start it before perf-gate and wait until it is up (examples/workflows/paired.yml waits for both health checks).`
    )
    expect(
      fs.existsSync(l.argv) ? fs.readFileSync(l.argv, 'utf8') : ''
    ).not.toContain('"run"')
  })

  it('a reference whose every request failed is not judged: failures are no latency', async () => {
    // A real k6 run against a port with nothing on it (connection refused).
    const run = await pairedRun('aa-01', '../k6/down', PUSH_EVENT, logs())
    expect(run.summary).toMatch(
      /\*\*Paired with the reference\*\* \(.*\): not judged: no request to the reference succeeded: is it up, and does the script send to it\?\. Errors: change 0\.00% of 503, reference 100\.00% of \d+\./
    )
    expect(run.outputs.verdict).not.toBe('regression')
  })
})

describe('generate-only of a paired plan', () => {
  it('asks for the reference in config.example.env and USAGE.md', async () => {
    const run = await runAction({
      files,
      inputs: {
        'generate-only': 'true',
        objective: 'load',
        'reference-url': 'http://127.0.0.1:3001'
      },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(0)
    const dir = path.join(run.workspace, 'perf-gate-results')
    expect(
      fs.readFileSync(path.join(dir, 'config.example.env'), 'utf8').split('\n')
    ).toContain('REFERENCE_URL=')
    expect(fs.readFileSync(path.join(dir, 'USAGE.md'), 'utf8')).toContain(
      '`REFERENCE_URL` is the reference every request also goes to'
    )
  })
})

describe('asking both targets before the load', () => {
  it('a target that accepts and never answers is down once the timeout passes', async () => {
    const hanging = await startServer(() => new Promise<void>(() => undefined))
    await expect(
      checkTargetsAnswer(
        [{ input: 'BASE_URL', url: hanging.url, env: true }],
        300
      )
    ).rejects.toThrow(
      `BASE_URL in the step's environment: ${hanging.url} does not answer (no answer within 0.3 s)`
    )
    await hanging.close()
  })
})
