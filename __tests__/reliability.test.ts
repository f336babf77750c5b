import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it
} from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  annotations,
  FAKE_K6,
  fixtureScript,
  pullRequestEvent,
  PUSH_EVENT,
  runAction,
  type ActionRun
} from './helpers/action.js'
import { startArtifactService } from './helpers/artifact-service.js'
import { BOT, startGitHubApi, type GitHubApi } from './helpers/github-api.js'

/**
 * The faults a gate meets after k6 has run, each through the bundled action
 * against loopback peers: services that accept the connection and never
 * answer, transient errors, a comment that is not ours. The action must end
 * within its publish-timeout (plus start-up and k6's replay), with the
 * right verdict, and keep everything it could write.
 */
let api: GitHubApi
beforeAll(async () => {
  api = await startGitHubApi()
})
afterAll(async () => {
  await api.close()
})

const MAIN = '0123456789abcdef0123456789abcdef01234567'
const DEADLINE_S = 3
/** Node's start-up, k6's replay, the analysis and the process's exit. */
const MARGIN_MS = 7000
const table: string[] = [
  '| fault | verdict | time to finish | what was kept |',
  '|---|---|---|---|'
]
afterAll(() => {
  process.stdout.write(
    `\nFaults after k6 (publish-timeout ${DEADLINE_S} s):\n${table.join('\n')}\n`
  )
})

function kept(run: ActionRun): string {
  const dir = path.join(run.workspace, 'perf-gate-results')
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []
  return [
    run.outputs.verdict
      ? `outputs (verdict=${run.outputs.verdict})`
      : 'no outputs',
    run.summary.includes('## ') ? 'job summary' : 'no job summary',
    ...files.filter((f) =>
      /^(perf-gate-result|perf-gate-report|summary|results)\./.test(f)
    )
  ].join(', ')
}

function record(fault: string, run: ActionRun): void {
  table.push(
    `| ${fault} | ${run.outputs.verdict ?? '(none)'} (exit ${run.code}) | ${(run.elapsedMs / 1000).toFixed(1)} s | ${kept(run)} |`
  )
}

type Event = 'push' | 'pull_request'

function runOn(
  event: Event,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
  hooks: { onStart?: (child: ChildProcess) => void } = {}
): Promise<ActionRun> {
  const pr = event === 'pull_request'
  return runAction({
    files: fixtureScript('pass'),
    inputs: {
      script: 'perf/pass.js',
      'k6-path': FAKE_K6,
      'github-token': 'ghs_reliability',
      'publish-timeout': String(DEADLINE_S),
      'upload-artifacts': 'false',
      ...inputs
    },
    env: {
      GITHUB_API_URL: api.url,
      ...(pr
        ? {
            GITHUB_REF: 'refs/pull/9/merge',
            GITHUB_SHA: 'ffff'.padEnd(40, '0')
          }
        : {}),
      ...env
    },
    event: pr
      ? pullRequestEvent(9, {
          baseSha: MAIN,
          headSha: 'feedface'.padEnd(40, '0')
        })
      : PUSH_EVENT,
    onStart: hooks.onStart
  })
}

const warnings = (run: ActionRun): string =>
  annotations(run.stdout, 'warning').join('\n')

describe('a network step that never answers costs the job the publish-timeout, once', () => {
  beforeAll(async () => {
    // A history to compare with.
    const first = await runOn('push', { 'publish-timeout': '60' })
    expect(first.code).toBe(0)
  })

  afterEach(() => {
    api.faults.length = 0
  })

  it('the artifact service', async () => {
    const service = await startArtifactService({ hang: true })
    try {
      const run = await runOn(
        'pull_request',
        { 'upload-artifacts': 'true' },
        service.env
      )
      record('artifact service accepts, never answers', run)
      expect(run.code).toBe(0)
      expect(run.outputs).toMatchObject({ verdict: 'pass', passed: 'true' })
      expect(run.elapsedMs).toBeLessThan(DEADLINE_S * 1000 + MARGIN_MS)
      expect(warnings(run)).toMatch(
        /The results artifact 'perf-gate-results' was not uploaded: the artifact service did not finish within the 3 s publish-timeout/
      )
      expect(run.summary).toContain('How it was compared with the baseline')
    } finally {
      await service.close()
    }
  })

  it('the baseline read', async () => {
    api.faults.push({
      method: 'GET',
      path: /\/contents\//,
      status: 'hang',
      times: 99
    })
    const run = await runOn('pull_request', { 'comment-on-pr': 'false' })
    record('baseline read hangs', run)
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'baseline-sha': '' })
    expect(run.elapsedMs).toBeLessThan(DEADLINE_S * 1000 + MARGIN_MS)
    expect(warnings(run)).toMatch(
      /Could not read the baseline from branch `perf-gate-data`: .*within the 3 s .*Not compared/
    )
    expect(run.summary).toMatch(
      /Not compared with a baseline: the baseline could not be read/
    )
  })

  it('the baseline write', async () => {
    api.faults.push({
      method: 'PUT',
      path: /\/contents\//,
      status: 'hang',
      times: 99
    })
    const writes = api.writes
    const run = await runOn('push')
    record('baseline write hangs', run)
    expect(run.code).toBe(0)
    expect(run.outputs.verdict).toBe('pass')
    expect(run.elapsedMs).toBeLessThan(DEADLINE_S * 1000 + MARGIN_MS)
    expect(warnings(run)).toMatch(
      /Baseline not updated: .*(within the 3 s|deadline)/
    )
    expect(api.writes).toBe(writes)
  })

  it('the comment', async () => {
    api.faults.push({
      method: 'GET',
      path: /\/comments$/,
      status: 'hang',
      times: 99
    })
    const run = await runOn('pull_request')
    record('comment hangs', run)
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'comment-url': '' })
    expect(run.elapsedMs).toBeLessThan(DEADLINE_S * 1000 + MARGIN_MS)
    expect(warnings(run)).toMatch(
      /could not comment on pull request #9: .*deadline/
    )
  })

  it('every GitHub API call at once: one deadline, not one per step', async () => {
    api.faults.push({ method: 'GET', path: /./, status: 'hang', times: 99 })
    api.faults.push({ method: 'PUT', path: /./, status: 'hang', times: 99 })
    api.faults.push({ method: 'POST', path: /./, status: 'hang', times: 99 })
    const run = await runOn('pull_request')
    record('every GitHub API call hangs', run)
    expect(run.code).toBe(0)
    expect(run.outputs.verdict).toBe('pass')
    expect(run.elapsedMs).toBeLessThan(DEADLINE_S * 1000 + MARGIN_MS)
  })

  it('a job killed while uploading keeps its verdict, outputs, job summary and result file', async () => {
    let child: ChildProcess | undefined
    const service = await startArtifactService({
      hang: true,
      onRequest: () => setTimeout(() => child?.kill('SIGKILL'), 200)
    })
    try {
      const run = await runOn(
        'pull_request',
        {
          'upload-artifacts': 'true',
          'publish-timeout': '600',
          'comment-on-pr': 'false'
        },
        service.env,
        { onStart: (c) => (child = c) }
      )
      record('job killed during the upload (SIGKILL)', run)
      expect(run.code).toBeNull() // killed
      expect(run.outputs).toMatchObject({ verdict: 'pass', passed: 'true' })
      expect(run.outputs['p95-ms']).toMatch(/^\d/)
      expect(run.summary).toContain('perf-gate passed')
      expect(run.summary).toContain('How it was compared with the baseline')
      expect(
        fs.existsSync(
          path.join(run.workspace, 'perf-gate-results', 'perf-gate-result.json')
        )
      ).toBe(true)
    } finally {
      await service.close()
    }
  })
})

describe('transient failures are retried within the deadline', () => {
  it('one 502 on the baseline read', async () => {
    api.faults.push({
      method: 'GET',
      path: /\/contents\//,
      status: 502,
      times: 1
    })
    const run = await runOn('pull_request', {
      'comment-on-pr': 'false',
      'publish-timeout': '60'
    })
    record('one 502 on the baseline read', run)
    expect(run.outputs['baseline-sha']).toBe(MAIN)
    expect(api.faults[0].times).toBe(0)
    api.faults.length = 0
  })

  it('429 with Retry-After is waited out, as asked', async () => {
    api.faults.push({
      method: 'GET',
      path: /\/contents\//,
      status: 429,
      times: 1,
      headers: { 'retry-after': '2' }
    })
    const started = Date.now()
    const run = await runOn('pull_request', {
      'comment-on-pr': 'false',
      'publish-timeout': '60'
    })
    record('429 with Retry-After: 2', run)
    expect(run.outputs['baseline-sha']).toBe(MAIN)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    api.faults.length = 0
  })

  it('a Retry-After beyond the deadline is not waited for', async () => {
    api.faults.push({
      method: 'GET',
      path: /\/contents\//,
      status: 429,
      times: 1,
      headers: { 'retry-after': '3600' }
    })
    const run = await runOn('pull_request', { 'comment-on-pr': 'false' })
    record('429 with Retry-After: 3600', run)
    expect(run.elapsedMs).toBeLessThan(DEADLINE_S * 1000 + MARGIN_MS)
    expect(warnings(run)).toMatch(/Could not read the baseline .*429/)
    api.faults.length = 0
  })
})

describe('who may write the report', () => {
  it('a comment by someone else carrying the marker is left alone; ours is created', async () => {
    api.comments.set(9, [
      {
        id: 1,
        user: { login: 'mallory' },
        // The marker this step writes, exactly.
        body: '<!-- perf-gate:comment job=perf script=perf/pass.js objective=script -->\n✅ all fine, merge it',
        html_url: 'https://github.com/acme/shop/pull/9#issuecomment-1'
      }
    ])
    const run = await runOn('pull_request', { 'publish-timeout': '60' })
    const comments = api.comments.get(9) ?? []
    expect(comments).toHaveLength(2)
    expect(comments[0].body).toContain('merge it')
    expect(comments[1].user?.login).toBe(BOT)
    expect(run.outputs['comment-url']).toBe(comments[1].html_url)
    // The next run updates ours, not theirs.
    const again = await runOn('pull_request', { 'publish-timeout': '60' })
    expect(api.comments.get(9)).toHaveLength(2)
    expect(again.outputs['comment-url']).toBe(comments[1].html_url)
  })
})
