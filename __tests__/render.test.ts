import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { JSDOM } from 'jsdom'
import MarkdownIt from 'markdown-it'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  parseBaselineFile,
  serialiseBaselineFile
} from '../src/baseline/entry.js'
import {
  editedRun,
  FAKE_K6,
  FIXTURES,
  fixtureScript,
  pullRequestEvent,
  PUSH_EVENT,
  runAction,
  type ActionRun
} from './helpers/action.js'
import { fasterHistory } from './helpers/entries.js'
import { startArtifactService } from './helpers/artifact-service.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'

/**
 * The pull request comment as GitHub shows it: markdown that parses into
 * the structure perf-gate meant (balanced <details>, tables with their
 * columns), mermaid charts that mermaid itself accepts, and a body under
 * GitHub's 65,536 characters even with 500 endpoints. Four comments a
 * reviewer meets (a pass, a regression, crossed thresholds, a broken
 * script) come from the bundled action on recorded k6 runs; with
 * RENDER_OUT set, their markdown is written there for
 * `node scripts/screenshot.mjs` to render in Chromium.
 */

const GITHUB_LIMIT = 65_536
const md = new MarkdownIt({ html: true, linkify: true })

let api: GitHubApi
const comments: Record<string, string> = {}
const made: string[] = []

const pr = pullRequestEvent(5)
const push = PUSH_EVENT

function run(
  fixture: string,
  event: { name: string; payload: object },
  env: Record<string, string> = {},
  key = fixture,
  inputs: Record<string, string> = {}
): Promise<ActionRun> {
  return runAction({
    files: fixtureScript(fixture),
    inputs: {
      script: `perf/${fixture}.js`,
      'k6-path': FAKE_K6,
      'github-token': 'ghs_render_token',
      'comment-key': key,
      ...inputs
    },
    env: {
      GITHUB_API_URL: api.url,
      ...(event === pr ? { GITHUB_REF: 'refs/pull/5/merge' } : {}),
      ...env
    },
    event
  })
}

/** The comment the last run posted under `key`. */
function commentOf(key: string): string {
  const body = (api.comments.get(5) ?? []).find((c) =>
    c.body.includes(`<!-- perf-gate:comment ${key} -->`)
  )?.body
  expect(body).toBeDefined()
  return body ?? ''
}

/**
 * A recorded run of 503 requests (k6-noise's first unchanged run), each
 * request (two endpoints) given one of 500 endpoint names: the only change to the real
 * file. Served to the fake k6 as the fixture `pass`.
 */
function manyEndpoints(): string {
  // The lines of one request share its time: one name per request.
  const endpoint = /"name":"GET \/api\/[^"]+"/
  const byTime = new Map<string, number>()
  const root = editedRun(
    path.join(FIXTURES, '..', 'k6-noise', 'fast-lat20-drift5', 'aa-01'),
    (text) =>
      text
        .split('\n')
        .map((line) => {
          const time = /"time":"([^"]+)"/.exec(line)?.[1]
          if (!time || !endpoint.test(line)) return line
          if (!byTime.has(time)) byTime.set(time, byTime.size)
          return line.replace(
            endpoint,
            `"name":"GET /api/items/${(byTime.get(time) ?? 0) % 500}/details"`
          )
        })
        .join('\n')
  )
  made.push(root)
  expect(byTime.size).toBeGreaterThanOrEqual(500)
  return root
}

beforeAll(async () => {
  api = await startGitHubApi()
  // A pass and a first baseline on main.
  expect((await run('pass', push)).code).toBe(0)
  const first = await run('pass', pr)
  expect(first.code).toBe(0)
  comments.pass = commentOf('pass')
  await run('pass', pr, {}, 'alone', { baseline: 'none' })
  comments['no baseline'] = commentOf('alone')
  // main's history made ten times as fast: the same run regresses.
  const branch = api.branches.get('perf-gate-data')!
  const file = 'baselines/script.json'
  const stored = parseBaselineFile(branch.get(file) ?? '', 'perf-gate-data')
  stored.entries = fasterHistory(stored.entries[0])
  branch.set(file, serialiseBaselineFile(stored))
  expect((await run('pass', pr, {}, 'regression')).code).toBe(1)
  comments.regression = commentOf('regression')
  expect((await run('fail', pr)).code).toBe(1)
  comments.thresholds = commentOf('fail')
  expect((await run('syntaxerr', pr)).code).toBe(1)
  comments.broken = commentOf('syntaxerr')
  const wide = await run(
    'pass',
    pr,
    { FAKE_K6_FIXTURES: manyEndpoints() },
    'endpoints-500'
  )
  expect(wide.outputs.verdict).toBeDefined()
  comments['500 endpoints'] = commentOf('endpoints-500')
  // Three shards of one run and the merge that judges them.
  const service = await startArtifactService()
  try {
    const script = {
      'perf/shop.js': fs.readFileSync(
        path.join(FIXTURES, 'v1.3.0', 'shards', 'script.js')
      )
    }
    const sharded = (inputs: Record<string, string>): Promise<ActionRun> =>
      runAction({
        files: script,
        inputs: {
          script: 'perf/shop.js',
          'k6-path': FAKE_K6,
          'github-token': 'ghs_render_token',
          'comment-key': 'sharded',
          ...inputs
        },
        env: {
          ...service.env,
          GITHUB_API_URL: api.url,
          GITHUB_REF: 'refs/pull/5/merge',
          FAKE_K6_FIXTURE: 'v1.3.0/shards'
        },
        event: pr
      })
    await Promise.all(['1/3', '2/3', '3/3'].map((shard) => sharded({ shard })))
    expect((await sharded({ merge: 'true' })).code).toBe(0)
    comments.sharded = commentOf('sharded')
  } finally {
    await service.close()
  }
  const out = process.env.RENDER_OUT
  if (out) {
    fs.mkdirSync(out, { recursive: true })
    for (const [name, body] of Object.entries(comments)) {
      fs.writeFileSync(path.join(out, `${name.replace(/ /g, '-')}.md`), body)
    }
  }
})

afterAll(async () => {
  await api.close()
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})

/** Every ```mermaid block of a comment. */
function mermaidBlocks(markdown: string): string[] {
  return md
    .parse(markdown, {})
    .filter((t) => t.type === 'fence' && t.info.trim() === 'mermaid')
    .map((t) => t.content)
}

let mermaid: { parse(text: string): Promise<unknown> } | undefined
async function loadMermaid(): Promise<{
  parse(text: string): Promise<unknown>
}> {
  if (mermaid) return mermaid
  // mermaid's parser wants a DOM to load; it draws nothing here.
  const dom = new JSDOM('<!doctype html><html><body></body></html>')
  Object.assign(globalThis, {
    window: dom.window,
    document: dom.window.document
  })
  const loaded = (await import('mermaid')).default
  loaded.initialize({ startOnLoad: false })
  mermaid = loaded
  return loaded
}

const CASES = [
  'pass',
  'no baseline',
  'regression',
  'thresholds',
  'broken',
  '500 endpoints',
  'sharded'
]

describe('the pull request comment, rendered', () => {
  it.each(CASES)(
    '%s: its markdown keeps the structure perf-gate gave it',
    (name) => {
      const body = comments[name]
      const tokens = md.parse(body, {})
      const html = tokens
        .filter((t) => t.type === 'html_block' || t.type === 'html_inline')
        .map((t) => t.content)
        .join('\n')
      const count = (pattern: RegExp) => html.match(pattern)?.length ?? 0
      expect(count(/<details>/g)).toBe(count(/<\/details>/g))
      expect(count(/<summary>/g)).toBe(count(/<\/summary>/g))
      // One heading, the verdict, first; the rest folded away.
      const headings = tokens.filter((t) => t.type === 'heading_open')
      expect(headings[0]?.tag).toBe('h2')
      expect(body.split('\n')[2]).toMatch(/^## (✅|❌) /)
      // Each table's rows have the header's columns.
      const rendered = md.render(body)
      const doc = new JSDOM(rendered).window.document
      for (const table of doc.querySelectorAll('table')) {
        const columns = table.querySelectorAll('thead th').length
        for (const row of table.querySelectorAll('tbody tr')) {
          expect(row.querySelectorAll('td').length).toBe(columns)
        }
      }
      expect(body.length).toBeLessThan(GITHUB_LIMIT)
    }
  )

  it.each(CASES)('%s: mermaid accepts every chart', async (name) => {
    const blocks = mermaidBlocks(comments[name])
    if (name !== 'broken') expect(blocks.length).toBeGreaterThanOrEqual(2)
    const m = await loadMermaid()
    for (const block of blocks) {
      await expect(m.parse(block)).resolves.toMatchObject({
        diagramType: 'xychart'
      })
    }
  })

  it('a regression: the first line names the figure that decided, then one compact table and how to waive', () => {
    const lines = comments.regression.split('\n')
    expect(lines[2]).toMatch(
      /^## ❌ p95 latency \\\+\d+\.\d% \\\([\d.]+ µs → [\d.]+ ms\\\) against main's last 6 runs$/
    )
    const top = comments.regression.split('<details>')[0]
    expect(top.match(/^\| \| main \(6 runs\) \| This run \|/gm)).toHaveLength(1)
    expect(top).toContain('add the `perf-gate:accept-regression` label')
    // The regression is stated in the heading and its row; nowhere else
    // outside the folded sections.
    expect(top.match(/p95 latency/g)).toHaveLength(2)
  })

  it('a run compared with nothing still draws its charts, this run in red', () => {
    const body = comments['no baseline']
    expect(body).toContain('Not compared with a baseline: `baseline: none`.')
    const charts = mermaidBlocks(body)
    expect(charts).toHaveLength(2)
    for (const chart of charts) {
      expect(chart).toContain('"plotColorPalette": "#d73a49"')
      expect(chart).not.toMatch(/^ {2}bar /m)
      expect(chart).toMatch(/^ {2}line \[/m)
    }
  })

  it('500 endpoints: every one is listed, and the comment is whole', () => {
    const body = comments['500 endpoints']
    expect(body.length).toBeLessThan(GITHUB_LIMIT)
    expect(body).not.toContain('the report was cut to fit a comment')
    for (const n of [0, 250, 499]) {
      expect(body).toContain(`GET /api/items/${n}/details`)
    }
    process.stdout.write(
      `\nComment sizes: ${CASES.map((c) => `${c} ${comments[c].length.toLocaleString('en-US')}`).join(', ')} characters (GitHub's limit ${GITHUB_LIMIT.toLocaleString('en-US')})\n`
    )
  })
})
