import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse } from 'yaml'
import { parseBaselineFile } from '../src/baseline/entry.js'
import {
  annotations,
  editedRun,
  exampleFiles,
  FAKE_K6,
  pullRequestEvent,
  PUSH_EVENT,
  ROOT,
  runAction,
  type ActionRun
} from './helpers/action.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'
import { upService, type LoopbackServer } from './helpers/http.js'

/**
 * What a team gets that copies the README: the example profile as
 * .github/perf-gate.yml, the README's workflow (one perf-gate step, its
 * inputs and permissions as written there), a few pushes to main, then
 * pull requests. k6 is the stand-in replaying real runs of one service
 * (__tests__/fixtures/k6-noise: unchanged runs of a service whose speed
 * drifts 5% from run to run); the service, the GitHub API and the data
 * branch are loopback.
 */
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
const workflow = parse(
  /## A workflow to copy\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]
) as {
  on: Record<string, unknown>
  permissions: Record<string, string>
  jobs: Record<
    string,
    { steps: { uses?: string; with?: Record<string, string> }[] }
  >
}
const step = Object.values(workflow.jobs)[0].steps.find((s) =>
  s.uses?.startsWith('org/perf-gate')
)!

const NOISE = path.join(ROOT, '__tests__', 'fixtures', 'k6-noise')
const SERVICE = 'fast-lat20-drift5'

let api: GitHubApi
let service: LoopbackServer
beforeAll(async () => {
  ;[api, service] = await Promise.all([startGitHubApi(), upService()])
})
afterAll(() => Promise.all([api.close(), service.close()]))

/** The README's step, against the loopback service, on `event`. */
function run(
  event: { name: string; payload: object },
  fixture: string,
  env: Record<string, string> = {},
  fixtures = NOISE
): Promise<ActionRun> {
  return runAction({
    files: exampleFiles(
      fs.readFileSync(path.join(ROOT, 'examples', 'perf-gate.yml'))
    ),
    inputs: {
      ...step.with,
      // The one input that names this machine: where the service listens.
      'base-url': service.url,
      'k6-path': FAKE_K6,
      'github-token': 'ghs_readme_workflow'
    },
    env: {
      GITHUB_API_URL: api.url,
      FAKE_K6_FIXTURES: fixtures,
      FAKE_K6_FIXTURE: fixture,
      FAKE_K6_VERSION: '1.3.0',
      ...env
    },
    event
  })
}

const stored = (objective: string) =>
  parseBaselineFile(
    api.branches.get('perf-gate-data')?.get(`baselines/${objective}.json`) ??
      '',
    objective
  )

describe("the README's workflow, as a new team runs it", () => {
  it('grants exactly what the action writes with: the data branch and the comment', () => {
    expect(workflow.permissions).toEqual({
      contents: 'write',
      'pull-requests': 'write'
    })
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push'])
    expect(step.with?.script).toBeUndefined()
  })

  const pushes: ActionRun[] = []
  beforeAll(async () => {
    for (const n of ['01', '02', '03', '04', '05']) {
      pushes.push(
        await run(PUSH_EVENT, `${SERVICE}/aa-${n}`, {
          GITHUB_RUN_ID: `50${n}`,
          GITHUB_SHA: `${n}`.padEnd(40, 'a')
        })
      )
    }
  }, 120_000)

  it('a push to main runs load, then records smoke for pull requests', () => {
    for (const push of pushes) expect(push.code).toBe(0)
    expect(pushes[0].outputs.objective).toBe('load')
    expect(pushes[0].stdout).toContain(
      'Recording the smoke objective too: pull requests run it'
    )
    expect(stored('load').entries).toHaveLength(5)
    expect(stored('smoke').entries).toHaveLength(5)
    // Both reports in the job summary, the step's own first.
    const summary = pushes[4].summary
    expect(summary.indexOf('load')).toBeLessThan(summary.lastIndexOf('smoke'))
  })

  it('an unchanged pull request is compared with main and passes', async () => {
    const pr = await run(pullRequestEvent(41), `${SERVICE}/aa-06`, {
      GITHUB_REF: 'refs/pull/41/merge'
    })
    expect(pr.code).toBe(0)
    expect(pr.outputs.objective).toBe('smoke')
    expect(pr.outputs.verdict).toBe('pass')
    const comment = api.comments.get(41)?.[0].body ?? ''
    expect(comment).toMatch(/no regression against main's last 5 runs/)
    expect(comment).toMatch(/\| \| main \(5 runs\) \| This run \|/)
    expect(comment).not.toContain('compared with nothing')
  })

  it('a pull request that makes one endpoint twice as slow fails, naming it', async () => {
    // The real run aa-07, with GET /api/status's latencies doubled: the
    // endpoint has 100 requests, too few for its p95, enough for its median.
    const slowed = editedRun(
      path.join(NOISE, SERVICE, 'aa-07'),
      (text) =>
        text.replace(
          /("metric":"http_req_duration","type":"Point","data":\{"time":"[^"]+","value":)([\d.]+)(,"tags":\{[^}]*"name":"GET \/api\/status")/g,
          (_m, head: string, value: string, tail: string) =>
            `${head}${Number(value) * 2}${tail}`
        ),
      'slow-status'
    )
    try {
      const pr = await run(
        pullRequestEvent(42),
        'slow-status',
        { GITHUB_REF: 'refs/pull/42/merge', FAKE_K6_VERSION: '1.3.0' },
        slowed
      )
      expect(pr.code).toBe(1)
      expect(pr.outputs.verdict).toBe('regression')
      expect(annotations(pr.stdout).join('\n')).toMatch(
        /GET \/api\/status: p50 latency [\d.]+ ms → [\d.]+ ms \(\+\d+(\.\d)?%\)/
      )
      const comment = api.comments.get(42)?.[0].body ?? ''
      expect(comment.split('\n')[2]).toMatch(/GET \/api\/status/)
      // RENDER_OUT=dir: the comments, for scripts/screenshot.mjs to render.
      if (process.env.RENDER_OUT) {
        fs.mkdirSync(process.env.RENDER_OUT, { recursive: true })
        fs.writeFileSync(
          path.join(process.env.RENDER_OUT, 'everyday-regression.md'),
          comment
        )
        fs.writeFileSync(
          path.join(process.env.RENDER_OUT, 'everyday-pass.md'),
          api.comments.get(41)?.[0].body ?? ''
        )
        fs.writeFileSync(
          path.join(process.env.RENDER_OUT, 'everyday-push-summary.md'),
          pushes[4].summary
        )
      }
    } finally {
      fs.rmSync(slowed, { recursive: true, force: true })
    }
  })

  it('the charts span the run and average to its rate', () => {
    const summary = pushes[4].summary
    const results = JSON.parse(
      fs.readFileSync(
        path.join(NOISE, SERVICE, 'aa-05', 'summary.json'),
        'utf8'
      )
    ) as { metrics: { http_reqs: { count: number; rate: number } } }
    const duration =
      results.metrics.http_reqs.count / results.metrics.http_reqs.rate
    const throughput =
      /title "Throughput \(requests\/s\) over the run[^"]*"\n\s+x-axis "seconds" 0 --> ([\d.]+)\n[^\n]*\n(?:\s+line \[[^\]]*\]\n)?\s+line \[([^\]]*)\]/.exec(
        summary
      )
    expect(throughput).not.toBeNull()
    const end = Number(throughput![1])
    expect(Math.abs(end - duration) / duration).toBeLessThan(0.05)
    const points = throughput![2].split(', ').map(Number)
    const mean = points.reduce((a, b) => a + b, 0) / points.length
    const rate = results.metrics.http_reqs.rate
    expect(Math.abs(mean - rate) / rate).toBeLessThan(0.05)
  })
})
