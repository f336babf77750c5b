import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseBaselineFile } from '../src/baseline/entry.js'
import {
  addRuns,
  emptyHistory,
  historyRun,
  parseHistoryFile,
  serialiseHistoryFile
} from '../src/baseline/history.js'
import {
  annotations,
  exampleFiles,
  FAKE_K6,
  pullRequestEvent,
  PUSH_EVENT,
  ROOT,
  runAction,
  type ActionRun
} from './helpers/action.js'
import { loadService, NOISE_ROOT } from './helpers/corpus.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'
import { upService, type LoopbackServer } from './helpers/http.js'

/**
 * main's history through the action: the example profile's pushes record
 * every run in history/<objective>.json on the data branch; when a push
 * shows main at a new level, its job summary and a warning name the
 * change point, an issue is opened for it (change-point-issues), and pull
 * requests get a line saying main moved. k6 is the stand-in replaying
 * real runs of a service whose speed drifts 5% from run to run (k6-noise):
 * twenty unchanged runs as main's past, then runs of the service made 20%
 * slower. GitHub is loopback.
 */
const SERVICE = 'fast-lat20-drift5'

let api: GitHubApi
let service: LoopbackServer
beforeAll(async () => {
  ;[api, service] = await Promise.all([startGitHubApi(), upService()])
})
afterAll(() => Promise.all([api.close(), service.close()]))

function push(
  fixture: string,
  run: number,
  inputs: Record<string, string> = {}
): Promise<ActionRun> {
  return runAction({
    files: exampleFiles(
      fs.readFileSync(path.join(ROOT, 'examples', 'perf-gate.yml'))
    ),
    inputs: {
      'base-url': service.url,
      'k6-path': FAKE_K6,
      'k6-version': '1.3.0',
      'github-token': 'ghs_history',
      ...inputs
    },
    env: {
      GITHUB_API_URL: api.url,
      GITHUB_RUN_ID: String(run),
      GITHUB_SHA: `${run}`.padEnd(40, 'c'),
      FAKE_K6_FIXTURES: NOISE_ROOT,
      FAKE_K6_FIXTURE: `${SERVICE}/${fixture}`,
      FAKE_K6_VERSION: '1.3.0'
    },
    event: PUSH_EVENT
  })
}

const branchFile = (file: string): string =>
  api.branches.get('perf-gate-data')?.get(file) ?? ''

describe("main's history: change points where people look", () => {
  const runs: ActionRun[] = []
  beforeAll(async () => {
    // The first push creates the data branch: its entries name the plan's
    // fingerprint of each objective.
    runs.push(await push('aa-01', 6001))
    // Twenty of main's earlier runs, real unchanged runs of the service,
    // as the history holds them (a day apart, before this push).
    const corpus = await loadService(SERVICE)
    const past = corpus
      .filter((r) => r.kind === 'aa' && r.number >= 2 && r.number <= 21)
      .sort((a, b) => a.number - b.number)
      .map((r, i) => ({
        ...historyRun(r.entry),
        commit: `${i + 10}`.padEnd(40, 'b'),
        runId: String(5000 + i),
        runUrl: `https://github.com/acme/shop/actions/runs/${5000 + i}`,
        date: new Date(Date.UTC(2026, 9, 1 + i)).toISOString()
      }))
    for (const objective of ['load', 'smoke']) {
      const fingerprint = parseBaselineFile(
        branchFile(`baselines/${objective}.json`),
        objective
      ).entries[0].fingerprint
      const first = parseHistoryFile(
        branchFile(`history/${objective}.json`),
        objective
      ).series[0].runs
      api.branches
        .get('perf-gate-data')!
        .set(
          `history/${objective}.json`,
          serialiseHistoryFile(
            addRuns(emptyHistory(objective), fingerprint, [...past, ...first])
          )
        )
    }
    // Then main gets 20% slower, push after push.
    for (const [i, n] of ['01', '02', '03'].entries()) {
      runs.push(
        await push(`slow20-${n}`, 6002 + i, { 'change-point-issues': 'true' })
      )
    }
  }, 180_000)

  it('every push records its run in the compact history, beside the last entries', () => {
    for (const run of runs) expect(run.code).toBe(0)
    const load = parseHistoryFile(branchFile('history/load.json'), 'load')
    expect(load.series).toHaveLength(1)
    expect(load.series[0].runs).toHaveLength(24)
    expect(load.series[0].runs.at(-1)?.runId).toBe('6004')
    expect(
      parseBaselineFile(branchFile('baselines/load.json'), 'load').entries
    ).toHaveLength(4)
  })

  it('stays quiet while main is level, and names the step once it shows', () => {
    for (const run of runs.slice(0, 3)) {
      expect(run.summary).not.toMatch(/found with this run/)
      expect(run.summary).toMatch(
        /No change point in the last \d+ runs of this load shape on `main`/
      )
      expect(annotations(run.stdout, 'warning').join('\n')).not.toContain(
        'Change point'
      )
    }
    const summary = runs[3].summary
    expect(summary).toMatch(
      /\*\*📈 A change point in `main`'s history, found with this run\*\*/
    )
    // The first run at the new level and the last before, linked.
    expect(summary).toContain(
      `[\`${'6002'.padEnd(7, 'c')}\`](https://github.com/acme/shop/commit/${'6002'.padEnd(40, 'c')})`
    )
    expect(summary).toContain(`[\`${'6001'.padEnd(7, 'c')}\`]`)
    const row = summary
      .split('\n')
      .find((line) => line.includes('| p95 latency |') && line.includes('→'))!
    const [before, after, change] =
      /\| ([\d.]+)\sms\s→\s([\d.]+)\sms \| \+([\d.]+)% \(95% interval \+([\d.]+)% to \+([\d.]+)%\) \| p/
        .exec(row)!
        .slice(1)
        .map(Number)
    expect(after / before - 1).toBeCloseTo(change / 100, 2)
    expect(change).toBeGreaterThan(12)
    const warnings = annotations(runs[3].stdout, 'warning').join('\n')
    expect(warnings).toMatch(
      /Change point in main's history at 6002ccc \(after 6001ccc\): p95 latency/
    )
  })

  it('remembers what it reported, and opens one issue per change point', async () => {
    const load = parseHistoryFile(branchFile('history/load.json'), 'load')
    expect(load.series[0].reported?.map((r) => r.runId)).toEqual(['6002'])
    const issues = [...api.issues.values()]
    expect(issues.length).toBeGreaterThanOrEqual(1)
    const issue = issues.find((i) => i.title.includes('(load)'))!
    expect(issue.title).toMatch(
      /^perf-gate: main's p95 latency \+[\d.]+% at 6002ccc \(load\)$/
    )
    expect(issue.labels).toEqual(['perf-gate:change-point'])
    expect(issue.body).toContain('| p95 latency |')
    // A later push at the same level reports nothing new.
    const later = await push('slow20-04', 6005, {
      'change-point-issues': 'true'
    })
    expect(later.code).toBe(0)
    expect(annotations(later.stdout, 'warning').join('\n')).not.toContain(
      'Change point'
    )
    expect(api.issues.size).toBe(issues.length)
    // Had the history lost what it reported, the issue is updated, not doubled.
    const forgotten = parseHistoryFile(branchFile('history/load.json'), 'load')
    delete forgotten.series[0].reported
    api.branches
      .get('perf-gate-data')!
      .set('history/load.json', serialiseHistoryFile(forgotten))
    issue.body = issue.body.replace(/\| p95 latency \|/g, '| edited |')
    const again = await push('slow20-05', 6006, {
      'change-point-issues': 'true'
    })
    expect(again.code).toBe(0)
    expect(api.issues.size).toBe(issues.length)
    expect(issue.body).toContain('| p95 latency |')
  }, 60_000)

  it('writes a self-contained history page beside the baselines and into the run', () => {
    const page = branchFile('history/load.html')
    expect(page).toMatch(/^<!doctype html>/)
    expect(page).not.toMatch(/<script|https?:\/\/(?!github\.com\/acme)/)
    expect(page).toContain('<svg')
    expect(page).toContain('class="change"')
    expect(page).toContain(
      'href="https://github.com/acme/shop/actions/runs/5000"'
    )
    const local = path.join(
      runs[3].workspace,
      'perf-gate-results',
      'perf-gate-history.html'
    )
    expect(fs.readFileSync(local, 'utf8')).toContain('class="change"')
    expect(runs[3].summary).toContain(
      '📈 [History of main](https://github.com/acme/shop/blob/perf-gate-data/history/load.html)'
    )
  })

  it('a pull request after the step gets one line: main moved, not the pull request', async () => {
    const pr = await runAction({
      files: exampleFiles(
        fs.readFileSync(path.join(ROOT, 'examples', 'perf-gate.yml'))
      ),
      inputs: {
        'base-url': service.url,
        'k6-path': FAKE_K6,
        'k6-version': '1.3.0',
        'github-token': 'ghs_history'
      },
      env: {
        GITHUB_API_URL: api.url,
        GITHUB_REF: 'refs/pull/77/merge',
        FAKE_K6_FIXTURES: NOISE_ROOT,
        FAKE_K6_FIXTURE: `${SERVICE}/slow20-06`,
        FAKE_K6_VERSION: '1.3.0'
      },
      event: pullRequestEvent(77)
    })
    expect(pr.code).toBe(0)
    const comment = api.comments.get(77)?.[0].body ?? ''
    // RENDER_OUT=dir: the reports and the page, for scripts/screenshot.mjs.
    if (process.env.RENDER_OUT) {
      const out = process.env.RENDER_OUT
      fs.mkdirSync(out, { recursive: true })
      fs.writeFileSync(path.join(out, 'history-pull-request.md'), comment)
      fs.writeFileSync(
        path.join(out, 'history-push-summary.md'),
        runs[3].summary
      )
      fs.writeFileSync(
        path.join(out, 'history-page.html'),
        branchFile('history/load.html')
      )
    }
    expect(comment).toMatch(
      /ℹ️ `main` itself moved lately: its p95 latency rose [\d.]+% at \[`6002ccc`\]/
    )
    // The pull request records nothing.
    expect(
      parseHistoryFile(branchFile('history/smoke.json'), 'smoke').series[0].runs
        .length
    ).toBe(26)
  }, 30_000)

  it('a history the API will not give is a warning: the baseline is still written', async () => {
    const before = parseBaselineFile(branchFile('baselines/load.json'), 'load')
      .entries.length
    api.faults.push({
      method: 'GET',
      path: /contents\/history(\/|%2F)/,
      status: 500,
      times: 20,
      message: 'Server Error'
    })
    const run = await push('aa-07', 7100)
    api.faults.length = 0
    expect(run.code).toBe(0)
    expect(
      parseBaselineFile(branchFile('baselines/load.json'), 'load').entries
        .length
    ).toBe(before + 1)
    expect(annotations(run.stdout, 'warning')).toContain(
      '::warning::History not read: could not read perf-gate-data:history/load.json: Server Error.'
    )
    expect(annotations(run.stdout)).toEqual([])
  }, 30_000)
})
