import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { BranchStore } from '../src/baseline/branch-store.js'
import {
  appendEntry,
  BASELINE_SCHEMA_VERSION,
  emptyFile,
  parseBaselineFile,
  serialiseBaselineFile
} from '../src/baseline/entry.js'
import { Deadline } from '../src/shared/deadline.js'
import { githubClient } from '../src/shared/github.js'
import { commentMarker, upsertComment } from '../src/publish/comment.js'
import { entry } from './helpers/entries.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'

let api: GitHubApi
beforeEach(async () => {
  api = await startGitHubApi()
})
afterEach(async () => {
  await api.close()
})

const client = () => githubClient('ghs_test', api.url, new Deadline(60_000))
const target = { owner: 'acme', repo: 'shop' }

describe('the sticky pull request comment', () => {
  const post = (body: string, objective = 'smoke') =>
    upsertComment({
      client: client(),
      ...target,
      issueNumber: 7,
      key: `objective=${objective}`,
      body
    })

  it('is created by the first run and updated in place by the second', async () => {
    const first = await post('first report')
    expect(first.action).toBe('created')
    const second = await post('second report')
    expect(second.action).toBe('updated')
    expect(second.url).toBe(first.url)
    const comments = api.comments.get(7) ?? []
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain(commentMarker('objective=smoke'))
    expect(comments[0].body).toContain('second report')
    // The token went in the Authorization header, nowhere else.
    const calls = api.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)
    expect(calls.filter((c) => c.startsWith('POST'))).toHaveLength(1)
    expect(calls.filter((c) => c.startsWith('PATCH'))).toHaveLength(1)
    expect(api.requests[0].headers.authorization).toBe('token ghs_test')
  })

  it('finds its comment among 150 others by paging through all of them', async () => {
    const others = Array.from({ length: 150 }, (_, i) => ({
      id: i + 1,
      body: `review comment ${i}`,
      html_url: `https://github.com/acme/shop/pull/7#issuecomment-${i + 1}`
    }))
    others[140].body = `${commentMarker('objective=smoke')}\nold report`
    api.comments.set(7, others)
    const result = await post('new report')
    expect(result.action).toBe('updated')
    expect(api.comments.get(7)).toHaveLength(150)
    expect(api.comments.get(7)?.[140].body).toContain('new report')
    const pages = api.requests.filter(
      (r) => r.method === 'GET' && r.url.includes('/comments')
    )
    expect(
      pages.map((r) => new URL(r.url, api.url).searchParams.get('page'))
    ).toEqual([null, '2'])
  })

  it('keeps one comment per objective', async () => {
    await post('smoke report', 'smoke')
    await post('load report', 'load')
    await post('smoke again', 'smoke')
    expect(api.comments.get(7)).toHaveLength(2)
  })

  it('turns a 403 (a fork’s read-only token) into a warning', async () => {
    api.faults.push({
      method: 'POST',
      path: /comments$/,
      status: 403,
      times: 1,
      message: 'Resource not accessible by integration'
    })
    const result = await post('report')
    expect(result.action).toBe('skipped')
    expect(result.warning).toMatch(
      /HTTP 403.*read-only token.*job summary.*workflow_run/s
    )
  })
})

describe('the branch store', () => {
  const store = () =>
    new BranchStore({
      client: client(),
      ...target,
      branch: 'perf-gate-data',
      commit: 'abcdef0123',
      runId: '4242',
      retryDelayMs: 0
    })
  const stored = () =>
    parseBaselineFile(
      api.branches.get('perf-gate-data')?.get('baselines/load.json') ?? '',
      'test'
    )

  it('creates the data branch on the first write, then appends', async () => {
    expect((await store().read('load')).file.entries).toEqual([])
    const first = await store().append('load', entry(1), 30)
    expect(first).toMatchObject({ written: true, attempts: 2 })
    expect(api.branches.get('perf-gate-data')?.get('README.md')).toBeDefined()
    await store().append('load', entry(2), 30)
    expect(stored().entries.map((e) => e.runId)).toEqual(['101', '102'])
    const read = await store().read('load')
    expect(read.file.entries).toHaveLength(2)
  })

  it('retries a 409 conflict and keeps the other writer’s entry', async () => {
    await store().append('load', entry(1), 30)
    api.requests.length = 0
    // Another run writes between our read and our write, once.
    let raced = false
    api.beforeWrite = (file) => {
      if (raced) return
      raced = true
      const branch = api.branches.get('perf-gate-data')!
      const data = parseBaselineFile(branch.get(file)!, 'test')
      branch.set(file, serialiseBaselineFile(appendEntry(data, entry(2), 30)))
    }
    const result = await store().append('load', entry(3), 30)
    expect(result).toMatchObject({ written: true, attempts: 2 })
    expect(stored().entries.map((e) => e.runId)).toEqual(['101', '102', '103'])
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(2)
  })

  it('a 422 that is not about the sha is reported as GitHub worded it, not as a race', async () => {
    await store().append('load', entry(0), 30)
    api.faults.push({
      method: 'PUT',
      path: /\/contents\//,
      status: 422,
      times: 1,
      message: 'Invalid request. content is too large.'
    })
    const result = await store().append('load', entry(1), 30)
    expect(result.written).toBe(false)
    expect(result.attempts).toBe(1)
    expect(result.warning).toMatch(
      /^could not write perf-gate-data:baselines\/load\.json: .*content is too large/
    )
    expect(result.warning).not.toMatch(/kept changing/)
  })

  it('loses no entry when ten writers race', async () => {
    await store().append('load', entry(0), 30)
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        new BranchStore({
          client: client(),
          ...target,
          branch: 'perf-gate-data',
          commit: 'abc',
          runId: String(i),
          retryDelayMs: 1
        }).append('load', entry(i + 1), 30)
      )
    )
    const written = results.filter((r) => r.written).length
    const entries = stored().entries.length
    // Each writer either landed or said it gave up: never a silent loss.
    expect(entries).toBe(1 + written)
    expect(written).toBeGreaterThanOrEqual(5)
  })

  it('keeps the last N entries per fingerprint', async () => {
    let file = emptyFile('load')
    for (let i = 0; i < 35; i++) file = appendEntry(file, entry(i), 30)
    file = appendEntry(file, entry(40, { fingerprint: 'fp2' }), 30)
    expect(file.entries.filter((e) => e.fingerprint === 'fp1')).toHaveLength(30)
    expect(file.entries[0].runId).toBe('105')
    expect(file.entries.filter((e) => e.fingerprint === 'fp2')).toHaveLength(1)
    // A re-run replaces its own entry.
    file = appendEntry(file, entry(34, { overall: { p95: 1 } }), 30)
    expect(file.entries.filter((e) => e.runId === '134')).toHaveLength(1)
  })

  it('ignores a corrupt file with a warning, and the next write replaces it', async () => {
    api.branches.set(
      'perf-gate-data',
      new Map([
        ['baselines/load.json', '{"schema": "perf-gate-baseline", "entr']
      ])
    )
    const read = await store().read('load')
    expect(read.file.entries).toEqual([])
    expect(read.warning).toMatch(
      /perf-gate-data:baselines\/load\.json: is not JSON.*ignored/
    )
    const write = await store().append('load', entry(1), 30)
    expect(write.written).toBe(true)
    expect(stored().entries).toHaveLength(1)
  })

  it('never overwrites a file from a newer perf-gate', async () => {
    const newer = JSON.stringify({
      ...emptyFile('load'),
      schemaVersion: BASELINE_SCHEMA_VERSION + 1
    })
    api.branches.set(
      'perf-gate-data',
      new Map([['baselines/load.json', newer]])
    )
    const read = await store().read('load')
    expect(read.readOnly).toBe(true)
    expect(read.warning).toMatch(
      /newer perf-gate \(baseline schema v2; this one reads v1\).*Upgrade perf-gate/
    )
    const write = await store().append('load', entry(1), 30)
    expect(write.written).toBe(false)
    expect(api.branches.get('perf-gate-data')?.get('baselines/load.json')).toBe(
      newer
    )
  })

  it('says which permission is missing on 403', async () => {
    api.faults.push({ method: 'PUT', path: /contents/, status: 403, times: 5 })
    api.branches.set('perf-gate-data', new Map())
    const write = await store().append('load', entry(1), 30)
    expect(write.written).toBe(false)
    expect(write.warning).toMatch(/contents: write/)
  })
})

describe('an API that hangs', () => {
  it('costs the job the client’s time budget, not the job timeout', async () => {
    const { startServer } = await import('./helpers/http.js')
    const silent = await startServer(() => {
      /* never answers */
    })
    try {
      const store = new BranchStore({
        client: githubClient('ghs_test', silent.url, new Deadline(300)),
        ...target,
        branch: 'perf-gate-data',
        commit: 'abc',
        runId: '1'
      })
      // Without the budget this would wait for the test's own timeout.
      await expect(store.read('load')).rejects.toThrow(
        /could not read perf-gate-data:baselines\/load\.json: the GitHub API did not answer within the deadline/
      )
    } finally {
      await silent.close()
    }
  })
})
