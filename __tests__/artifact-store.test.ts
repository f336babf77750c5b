import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { entry } from './helpers/entries.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'

// @actions/github reads GITHUB_API_URL once, when it is first imported, and
// @actions/artifact downloads through it: so this file imports nothing from
// @actions until the loopback API is up and the variable points at it.
let api: GitHubApi
const saved = process.env.GITHUB_API_URL
beforeAll(async () => {
  api = await startGitHubApi()
  process.env.GITHUB_API_URL = api.url
})
afterAll(async () => {
  process.env.GITHUB_API_URL = saved
  await api.close()
})
const target = { owner: 'acme', repo: 'shop' }

describe('the artifact store', () => {
  it('finds the newest successful default-branch run with a baseline artifact and downloads it', async () => {
    const { appendEntry, emptyFile, serialiseBaselineFile } =
      await import('../src/baseline/entry.js')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-gate-artifact-'))
    const file = appendEntry(
      appendEntry(emptyFile('load'), entry(1), 30),
      entry(2),
      30
    )
    fs.writeFileSync(path.join(dir, 'load.json'), serialiseBaselineFile(file))
    execFileSync('zip', ['-q', 'a.zip', 'load.json'], { cwd: dir })
    const zip = fs.readFileSync(path.join(dir, 'a.zip'))
    api.runs.push(
      {
        id: 10,
        head_branch: 'main',
        artifacts: { 'perf-gate-results-baseline-load': zip }
      },
      { id: 11, head_branch: 'main', artifacts: {} },
      {
        id: 12,
        head_branch: 'feature',
        artifacts: { 'perf-gate-results-baseline-load': zip }
      }
    )
    const { ArtifactStore } = await import('../src/baseline/artifact-store.js')
    const { githubClient } = await import('../src/shared/github.js')
    const { Deadline } = await import('../src/shared/deadline.js')
    const client = () => githubClient('ghs_test', api.url, new Deadline(60_000))
    const store = new ArtifactStore({
      client: client(),
      token: 'ghs_test',
      ...target,
      defaultBranch: 'main',
      runId: '4242',
      workflowFile: 'acme/shop/.github/workflows/perf.yml',
      prefix: 'perf-gate-results-baseline',
      tempDir: dir,
      canUpload: false
    })
    const read = await store.read('load')
    expect(read.file.entries.map((e) => e.runId)).toEqual(['101', '102'])
    expect(read.source).toBe(
      'artifact perf-gate-results-baseline-load of run 10'
    )
    const paths = api.requests.map((r) => r.url.split('?')[0])
    expect(paths).toContain('/repos/acme/shop/actions/workflows/perf.yml/runs')
    // Run 11 (newest on main) had no such artifact: looked at, skipped.
    expect(paths).toContain('/repos/acme/shop/actions/runs/11/artifacts')
    expect(paths.some((p) => p.startsWith('/blob/10'))).toBe(true)
    expect(paths.some((p) => p.includes('/runs/12/'))).toBe(false)
  })
})
