import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { parseStringPromise } from 'xml2js'
import {
  parseBaselineFile,
  serialiseBaselineFile,
  type BaselineFile
} from '../src/baseline/entry.js'
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
import { fasterHistory } from './helpers/entries.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'

/**
 * The product end to end: the bundled action, the k6 stand-in replaying a
 * recorded run, and a loopback GitHub API that keeps state between runs.
 * A push to main writes the baseline; pull requests read it, compare, and
 * keep one comment up to date.
 */
let api: GitHubApi
beforeAll(async () => {
  api = await startGitHubApi()
})
afterAll(async () => {
  await api.close()
})

const HEAD = 'feedface'.padEnd(40, '0')
const MAIN = '0123456789abcdef0123456789abcdef01234567'
const FILE = 'baselines/script.json'

/** The pass fixture through the bundled action, on the given event. */
function runOn(
  event: { name: string; payload: object },
  inputs: Record<string, string>,
  env: Record<string, string>
): Promise<ActionRun> {
  return runAction({
    files: fixtureScript('pass'),
    inputs: {
      script: 'perf/pass.js',
      'k6-path': FAKE_K6,
      'github-token': 'ghs_e2e_token',
      ...inputs
    },
    env: { GITHUB_API_URL: api.url, ...env },
    event
  })
}

function push(
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<ActionRun> {
  return runOn(PUSH_EVENT, inputs, env)
}

function pullRequest(
  labels: string[] = [],
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<ActionRun> {
  // The pull request's labels now, as the API reports them.
  api.issueLabels.set(7, labels)
  return runOn(
    pullRequestEvent(7, { labels, baseSha: MAIN, headSha: HEAD }),
    inputs,
    {
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_SHA: 'ffff'.padEnd(40, '0'),
      ...env
    }
  )
}

const stored = (): BaselineFile =>
  parseBaselineFile(
    api.branches.get('perf-gate-data')?.get(FILE) ?? '',
    'perf-gate-data'
  )

describe('baselines and the pull request comment', () => {
  let first: ActionRun
  beforeAll(async () => {
    first = await push()
  })

  it('a passing push to main writes the first baseline entry', () => {
    expect(first.code).toBe(0)
    expect(first.outputs).toMatchObject({
      verdict: 'pass',
      regressions: '0',
      'baseline-sha': ''
    })
    const file = stored()
    expect(file.entries).toHaveLength(1)
    expect(file.entries[0]).toMatchObject({
      commit: MAIN,
      ref: 'refs/heads/main',
      runId: '4242',
      objective: 'script',
      runner: { os: 'Linux', arch: 'X64' }
    })
    expect(file.entries[0].overall.p95).toBeGreaterThan(0)
    // The run over time: buckets of a second or more, every one in place,
    // spanning the run.
    const series = file.entries[0].series
    expect(series.bucketSeconds).toBeGreaterThanOrEqual(1)
    expect(series.p95.length * series.bucketSeconds).toBeCloseTo(
      series.spanS ?? 0,
      0
    )
    expect(series.spanS).toBeCloseTo(file.entries[0].durationS ?? 0, 0)
    expect(first.summary).toContain(
      'No baseline yet for the `script` objective'
    )
    // The token never reaches a log or a file perf-gate wrote.
    expect(first.stdout.replace('::add-mask::ghs_e2e_token', '')).not.toContain(
      'ghs_e2e_token'
    )
    expect(api.branches.get('perf-gate-data')?.get(FILE)).not.toContain(
      'ghs_e2e'
    )
  })

  it('a pull request compares with it and creates the comment; the next run updates it', async () => {
    const pr = await pullRequest()
    expect(pr.code).toBe(0)
    expect(pr.outputs).toMatchObject({
      verdict: 'pass',
      regressions: '0',
      'baseline-sha': MAIN
    })
    expect(pr.outputs['comment-url']).toMatch(/\/pull\/7#issuecomment-\d+$/)
    const comments = api.comments.get(7) ?? []
    expect(comments).toHaveLength(1)
    const body = comments[0].body
    expect(body).toContain(
      '<!-- perf-gate:comment job=perf script=perf/pass.js objective=script -->'
    )
    expect(body).toMatch(/Baseline: `0123456` on `main`/)
    expect(body).toMatch(
      /\| p95 latency \| [\d.]+\sms \| [\d.]+\sms \| \+0\.0% \| ✅ ok \|/
    )
    // What the comparison could have seen, with one run of history.
    expect(body).toMatch(
      /With 1 run of history this gate fails p95 changes above \+\d+\.\d%/
    )
    // Charts with this run a line and the baseline bars, on a numeric axis.
    expect(body).toMatch(
      /```mermaid\n%%\{init: .*plotColorPalette.*\}%%\nxychart-beta\n {2}title "p95 latency \(ms\) over the run: red this run, grey the baseline"\n {2}x-axis "seconds" 0 --> [\d.]+\n/
    )
    expect(body).toContain(
      '[Workflow run](https://github.com/acme/shop/actions/runs/4242)'
    )
    // The job summary carries the same report.
    expect(pr.summary).toContain('How it was compared with the baseline')
    // Pull requests never write.
    expect(stored().entries).toHaveLength(1)

    // A waiver label that does not exist: nothing to waive, nothing said.
    const again = await pullRequest([], { 'waiver-label': 'perf:ok' })
    expect(again.code).toBe(0)
    expect(annotations(again.stdout, 'warning').join('\n')).not.toMatch(/label/)
    expect(api.comments.get(7)).toHaveLength(1)
    expect(again.outputs['comment-url']).toBe(pr.outputs['comment-url'])
  })

  describe('against a faster history', () => {
    beforeAll(() => {
      // Six earlier main runs, each ten times as fast as the recorded one
      // (p95 5.65 ms).
      const file = stored()
      file.entries = fasterHistory(file.entries[0])
      api.branches.get('perf-gate-data')!.set(FILE, serialiseBaselineFile(file))
    })

    it('fails the check on the regression, and says why', async () => {
      const pr = await pullRequest()
      expect(pr.code).toBe(1)
      expect(pr.outputs.verdict).toBe('regression')
      expect(Number(pr.outputs.regressions)).toBeGreaterThanOrEqual(1)
      expect(pr.outputs['baseline-sha']).toBe('6'.repeat(40))
      const failure = annotations(pr.stdout).find((l) =>
        l.includes('perf-gate failed')
      )
      expect(failure).toMatch(
        /regressions? against the baseline: p95 latency .* \(\+\d+\.\d%\): beyond the \+\d+\.\d% \([\d.]+ (ms|µs)\) a change must exceed to fail with 6 runs of history \(p [<=] [\d.]+\)/
      )
      const body = api.comments.get(7)?.[0].body ?? ''
      // Stated once in full: the heading names the change, the row its
      // cut-off and p; no list repeats them.
      expect(body.split('\n')[2]).toMatch(
        /^## ❌ p95 latency \\\+\d+\.\d% \\\([\d.]+ µs → [\d.]+ ms\\\) against main's last 6 runs$/
      )
      expect(body).toMatch(
        /^\| p95 latency \| 568\sµs \| 5\.66\sms \| \+\d+\.\d% \| ❌ regression, beyond \+\d+\.\d% \|$/m
      )
      expect(body.match(/\+16\.3%/g)).toHaveLength(1) // what the gate could see
      // Waivable: one line says how.
      expect(body).toContain(
        '> 🏷️ If this change is meant to be slower, add the `perf-gate:accept-regression` label to the pull request and re-run the job.'
      )
      expect(body).not.toMatch(/^- ❌/m)
      expect(body).toContain('mean of the last 6 runs')
      // perf-gate-junit.xml: the regression is a failed case of its own.
      const xml = await parseStringPromise(
        fs.readFileSync(pr.outputs['junit-path'], 'utf8')
      )
      const compared = xml.testsuites.testsuite.find(
        (s: { $: { name: string } }) =>
          s.$.name.endsWith(': compared with the baseline')
      )
      const failed = compared.testcase.filter(
        (c: { failure?: unknown }) => c.failure
      )
      expect(failed.map((c: { $: { name: string } }) => c.$.name)).toEqual([
        'p95 latency'
      ])
      expect(failed[0].failure[0].$).toEqual({
        type: 'regression',
        message: expect.stringMatching(
          /^p95 latency .* \(\+\d+\.\d%\): beyond the \+16\.3% \(92 µs\) a change must exceed to fail with 6 runs of history \(p < 0\.0001\)$/
        )
      })
    })

    it('the waiver label turns it into a warning the comment records', async () => {
      const pr = await pullRequest(['perf-gate:accept-regression'])
      expect(pr.code).toBe(0)
      expect(pr.outputs.verdict).toBe('waived')
      expect(annotations(pr.stdout, 'warning').join('\n')).toMatch(
        /waived by the perf-gate:accept-regression label/
      )
      expect(api.comments.get(7)?.[0].body).toContain(
        '> 🏷️ Waived by the `perf-gate:accept-regression` label: reported, not failed.'
      )
    })

    it('a waiver label added before a re-run (the event payload is the old one) is read from the API', async () => {
      api.issueLabels.set(7, ['perf-gate:accept-regression'])
      const rerun = await runOn(
        pullRequestEvent(7, { labels: [], baseSha: MAIN, headSha: HEAD }),
        {},
        { GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'ffff'.padEnd(40, '0') }
      )
      expect(rerun.code).toBe(0)
      expect(rerun.outputs.verdict).toBe('waived')
      api.issueLabels.set(7, [])
    })

    it('fail-on-regression: false reports without failing', async () => {
      const pr = await pullRequest([], { 'fail-on-regression': 'false' })
      expect(pr.code).toBe(0)
      expect(pr.outputs.verdict).toBe('warn')
    })

    describe('comment-on-pr', () => {
      /** This key's comments on the pull request, and the writes to them. */
      const commentsOf = (key: string) =>
        (api.comments.get(7) ?? []).filter((c) =>
          c.body.includes(`<!-- perf-gate:comment ${key} -->`)
        )
      const patches = () =>
        api.requests.filter((r) => r.method === 'PATCH').length

      it('on-change: posted, left alone while nothing beyond the noise changed, updated when the verdict did', async () => {
        const inputs = { 'comment-on-pr': 'on-change', 'comment-key': 'oc' }
        const first = await pullRequest([], inputs)
        expect(first.outputs.verdict).toBe('regression')
        expect(commentsOf('oc')).toHaveLength(1)
        const body = commentsOf('oc')[0].body

        const before = patches()
        const same = await pullRequest([], inputs)
        expect(same.outputs['comment-url']).toBe(first.outputs['comment-url'])
        expect(patches()).toBe(before)
        expect(commentsOf('oc')[0].body).toBe(body)
        expect(same.stdout).toContain('Pull request comment left as it was')

        const changed = await pullRequest([], {
          ...inputs,
          'fail-on-regression': 'false'
        })
        expect(changed.outputs.verdict).toBe('warn')
        expect(patches()).toBe(before + 1)
        expect(commentsOf('oc')).toHaveLength(1)
        expect(commentsOf('oc')[0].body).not.toBe(body)
      })

      it('on-failure: nothing for a passing run; posted when it fails; then kept up to date', async () => {
        const inputs = { 'comment-on-pr': 'on-failure', 'comment-key': 'of' }
        const passing = await pullRequest([], {
          ...inputs,
          'fail-on-regression': 'false'
        })
        expect(passing.code).toBe(0)
        expect(passing.outputs['comment-url']).toBe('')
        expect(commentsOf('of')).toHaveLength(0)

        const failing = await pullRequest([], inputs)
        expect(failing.code).toBe(1)
        expect(commentsOf('of')).toHaveLength(1)
        expect(commentsOf('of')[0].body).toContain('## ❌ p95 latency')

        // Fixed (here: no longer gated): the comment says so, not the old failure.
        await pullRequest([], { ...inputs, 'fail-on-regression': 'false' })
        expect(commentsOf('of')).toHaveLength(1)
        expect(commentsOf('of')[0].body).toContain('✅ perf-gate passed')
      })

      it.each([['never'], ['false']])(
        '%s: no comment, and no comment API call',
        async (policy) => {
          const before = api.requests.filter((r) =>
            r.url.includes('/comments')
          ).length
          const run = await pullRequest([], {
            'comment-on-pr': policy,
            'comment-key': `no-${policy}`
          })
          expect(run.outputs['comment-url']).toBe('')
          expect(
            api.requests.filter((r) => r.url.includes('/comments')).length
          ).toBe(before)
        }
      )

      it('rejects a policy it does not know, naming the choices', async () => {
        const run = await pullRequest([], { 'comment-on-pr': 'sometimes' })
        expect(run.code).toBe(1)
        expect(annotations(run.stdout).join('\n')).toContain(
          "Input 'comment-on-pr': 'sometimes' is not one of 'always', 'on-change', 'on-failure', 'never' (true and false still mean always and never)."
        )
      })
    })

    it('a missing waiver label is named when a regression fails, and only then', async () => {
      const missing =
        /could be waived with the label 'perf:ok', but it does not exist in acme\/shop.*gh label create/
      const failing = await pullRequest([], { 'waiver-label': 'perf:ok' })
      expect(failing.outputs.verdict).toBe('regression')
      expect(annotations(failing.stdout, 'warning').join('\n')).toMatch(missing)
      // Nothing to waive when regressions do not fail the check.
      const reported = await pullRequest([], {
        'waiver-label': 'perf:ok',
        'fail-on-regression': 'false'
      })
      expect(reported.outputs.verdict).toBe('warn')
      expect(annotations(reported.stdout, 'warning').join('\n')).not.toMatch(
        /waiver|waived with the label/
      )
    })
  })

  it('a 403 on the comment is a warning; the summary and verdict stand', async () => {
    api.faults.push({ method: 'GET', path: /comments$/, status: 403, times: 1 })
    const pr = await pullRequest([], { 'fail-on-regression': 'false' })
    expect(pr.code).toBe(0)
    expect(pr.outputs['comment-url']).toBe('')
    expect(annotations(pr.stdout, 'warning').join('\n')).toMatch(
      /could not comment on pull request #7 \(HTTP 403\)/
    )
    expect(pr.summary).toContain('How it was compared with the baseline')
  })

  it('a corrupt baseline is ignored with a warning, never a crash', async () => {
    api.branches
      .get('perf-gate-data')!
      .set(FILE, '{"schema":"perf-gate-baseline"')
    const pr = await pullRequest()
    expect(pr.code).toBe(0)
    expect(annotations(pr.stdout, 'warning').join('\n')).toMatch(
      /Baseline ignored: perf-gate-data:baselines\/script\.json: is not JSON/
    )
    expect(pr.summary).toContain('No baseline yet')
  })

  it('baseline: none compares with nothing and calls no API for it', async () => {
    const before = api.requests.length
    const pr = await pullRequest([], {
      baseline: 'none',
      'comment-on-pr': 'false'
    })
    expect(pr.code).toBe(0)
    expect(pr.outputs).toMatchObject({
      verdict: 'pass',
      'baseline-sha': '',
      'comment-url': ''
    })
    expect(pr.summary).toContain(
      'Not compared with a baseline: `baseline: none`.'
    )
    expect(api.requests.length).toBe(before)
  })

  it('rejects an unknown baseline value before running anything', async () => {
    const pr = await push({ baseline: 'git' })
    expect(pr.code).toBe(1)
    expect(annotations(pr.stdout).join('\n')).toContain(
      "Input 'baseline': 'git' is not one of 'branch', 'artifact', 'none'."
    )
  })

  it('baseline: artifact carries the history from run to run through artifacts', async () => {
    const service = await startArtifactService()
    try {
      const main = await push(
        { baseline: 'artifact', 'upload-artifacts': 'false' },
        {
          ...service.env,
          GITHUB_WORKFLOW_REF:
            'acme/shop/.github/workflows/perf.yml@refs/heads/main'
        }
      )
      expect(main.code).toBe(0)
      const uploaded = service.artifacts.find(
        (a) => a.name === 'perf-gate-results-baseline-script'
      )
      expect(uploaded?.finalized).toBe(true)
      // That run, as GitHub would list it afterwards.
      api.runs.push({
        id: 4242,
        head_branch: 'main',
        artifacts: { 'perf-gate-results-baseline-script': uploaded!.blob }
      })
      const pr = await pullRequest(
        [],
        { baseline: 'artifact', 'upload-artifacts': 'false' },
        {
          GITHUB_RUN_ID: '5000',
          GITHUB_WORKFLOW_REF:
            'acme/shop/.github/workflows/perf.yml@refs/pull/7/merge'
        }
      )
      expect(pr.code).toBe(0)
      expect(pr.outputs['baseline-sha']).toBe(MAIN)
      expect(pr.summary).toMatch(
        /Baseline: `0123456` on `main`.*workflow artifacts/
      )
      const paths = api.requests.map((r) => r.url.split('?')[0])
      expect(paths).toContain(
        '/repos/acme/shop/actions/workflows/perf.yml/runs'
      )
      expect(paths).toContain('/repos/acme/shop/actions/runs/4242/artifacts')
    } finally {
      await service.close()
    }
  })
})

describe('two perf-gate steps on one pull request', () => {
  const pull_request = {
    number: 31,
    labels: [],
    base: { ref: 'main', sha: MAIN, repo: { full_name: 'acme/shop' } },
    head: { sha: HEAD, repo: { full_name: 'acme/shop' } }
  }
  /** One step of the job `perf`, running one recorded script. */
  const step = (name: string, inputs: Record<string, string> = {}) =>
    runAction({
      files: fixtureScript(name),
      inputs: {
        script: `perf/${name}.js`,
        'k6-path': FAKE_K6,
        'github-token': 'ghs_e2e_token',
        baseline: 'none',
        'upload-artifacts': 'false',
        ...inputs
      },
      env: {
        GITHUB_API_URL: api.url,
        GITHUB_JOB: 'perf',
        GITHUB_REF: 'refs/pull/31/merge'
      },
      event: {
        name: 'pull_request',
        payload: { repository: { default_branch: 'main' }, pull_request }
      }
    })
  const bodies = () => (api.comments.get(31) ?? []).map((c) => c.body)

  it('each keeps its own comment, keyed by the job and its script', async () => {
    const a = await step('pass')
    const b = await step('fail')
    expect([a.code, b.code]).toEqual([0, 1])
    expect(bodies()).toHaveLength(2)
    expect(bodies()[0]).toContain(
      '<!-- perf-gate:comment job=perf script=perf/pass.js objective=script -->'
    )
    expect(bodies()[0]).toContain('perf-gate passed')
    expect(bodies()[1]).toContain(
      '<!-- perf-gate:comment job=perf script=perf/fail.js objective=script -->'
    )
    expect(bodies()[1]).toContain('perf-gate failed')
    // The first step again: its comment is updated, the other left alone.
    const again = await step('pass')
    expect(again.code).toBe(0)
    expect(bodies()).toHaveLength(2)
    expect(bodies()[1]).toContain('perf-gate failed')
  })

  it('a matrix sets comment-key: one comment per key, the same script', async () => {
    await step('pass', { 'comment-key': 'k6-1.3.0' })
    await step('pass', { 'comment-key': 'k6-latest' })
    const keyed = bodies().filter((b) => /perf-gate:comment k6-/.test(b))
    expect(keyed).toHaveLength(2)
    expect(keyed[0]).toContain('<!-- perf-gate:comment k6-1.3.0 -->')
    expect(keyed[1]).toContain('<!-- perf-gate:comment k6-latest -->')
  })
})
