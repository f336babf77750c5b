import { describe, expect, it } from '@jest/globals'
import MarkdownIt from 'markdown-it'
import * as path from 'node:path'
import { toEntry, type BaselineEntry } from '../src/baseline/entry.js'
import { compare } from '../src/judge/compare.js'
import { decideRegressions } from '../src/judge/regressions.js'
import { decideVerdict } from '../src/judge/verdict.js'
import type { K6Run } from '../src/k6/run.js'
import { code, MAX_NAME, text } from '../src/report/escape.js'
import { describeFinding } from '../src/report/findings.js'
import { renderJobSummary } from '../src/report/job-summary.js'
import { analyseRun, resultRecord } from '../src/results/analyse.js'
import { FIXTURES } from './helpers/action.js'

/**
 * Names are data. A report of a real run (the fail fixture) whose endpoint,
 * check and threshold names are hostile must render, as GitHub renders
 * markdown, with the structure perf-gate gave it and nothing the names
 * tried to add.
 */
const HOSTILE = [
  '</details></table><h1>owned</h1>',
  '<img src=x onerror=alert(1)>',
  'ping @octocat and @github/security',
  '[click me](https://evil.example/steal)',
  '`code` | pipe | ``double``',
  'line one\nline two\r\n- a list item',
  '<!-- comment --> <script>alert(1)</script>',
  '\u2028separator\u2029',
  'x'.repeat(100_000)
]

const md = new MarkdownIt({ html: true, linkify: true })

interface Rendered {
  /** Raw HTML that reached the output as HTML, not as text. */
  html: string[]
  /** Each link's target and the text it shows. */
  links: { href: string; shown: string }[]
  text: string
  /** Text outside code spans: where GitHub turns @name into a mention. */
  prose: string
}

function render(markdown: string): Rendered {
  const html: string[] = []
  const links: Rendered['links'] = []
  let plain = ''
  let prose = ''
  let open: Rendered['links'][number] | undefined
  const walk = (tokens: ReturnType<typeof md.parse>): void => {
    for (const t of tokens) {
      if (t.type === 'html_block' || t.type === 'html_inline')
        html.push(t.content.trim())
      if (t.type === 'link_open') {
        open = { href: String(t.attrGet('href') ?? ''), shown: '' }
        links.push(open)
      }
      if (t.type === 'link_close') open = undefined
      if (t.type === 'text') prose += `${t.content}\n`
      if (t.type === 'text' || t.type === 'code_inline') {
        plain += `${t.content}\n`
        if (open) open.shown += t.content
      }
      if (t.children) walk(t.children)
    }
  }
  walk(md.parse(markdown, {}))
  return { html, links, text: plain, prose }
}

async function hostileReport(): Promise<string> {
  const dir = path.join(FIXTURES, 'fail')
  const analysis = await analyseRun({
    summaryPath: path.join(dir, 'summary.json'),
    resultsPath: path.join(dir, 'results.json'),
    expectSummary: true
  })
  const stream = analysis.stream!
  stream.endpoints.forEach((e, i) => (e.name = HOSTILE[i % HOSTILE.length]))
  for (let i = stream.endpoints.length; i < HOSTILE.length; i++) {
    stream.endpoints.push({ ...stream.endpoints[0], name: HOSTILE[i] })
  }
  const summary = analysis.summary!
  summary.checks.forEach((c, i) => {
    c.path = `::${HOSTILE[(i + 3) % HOSTILE.length]}`
    c.fails = Math.max(c.fails, 1)
  })
  summary.thresholds.forEach(
    (t, i) =>
      (t.metric = `http_req_duration{name:${HOSTILE[i % HOSTILE.length]}}`)
  )
  const k6Run: K6Run = {
    argv: [],
    exitCode: 99,
    outcome: 'thresholds-crossed',
    summaryPath: '',
    resultsPath: '',
    logPath: '',
    wallTimeMs: 1000,
    stderr: {
      lines: 1,
      iterationErrors: 2,
      firstIterationErrors: [{ message: HOSTILE[0], count: 2 }],
      requestFailures: { [HOSTILE[1]]: 3 },
      errors: []
    }
  }
  const verdict = decideVerdict({
    run: k6Run,
    summary,
    failOnIterationErrors: true
  })
  const result = resultRecord(k6Run, '1.3.0', false, analysis, describeFinding)
  const entry = (runId: string): BaselineEntry =>
    toEntry(result, {
      commit: runId.padEnd(40, '0'),
      ref: 'refs/heads/main',
      runId,
      objective: 'load',
      fingerprint: 'fp',
      runner: { os: 'Linux', arch: 'X64' }
    })
  const history = ['1', '2', '3'].map(entry)
  const current = entry('4')
  const comparison = compare({ current, stored: history })
  return renderJobSummary({
    verdict,
    run: k6Run,
    summary,
    figures: analysis.figures,
    stream,
    findings: analysis.findings,
    k6Version: '1.3.0',
    scriptLabel: HOSTILE[0],
    comparison: {
      comparison,
      gate: decideRegressions(comparison, {
        failOnRegression: true,
        waiverLabel: HOSTILE[2],
        labels: []
      }),
      current,
      store: 'branch `perf-gate-data`'
    }
  })
}

describe('user strings in the comment and the job summary', () => {
  it('escape and cap: inert text, balanced code spans', () => {
    expect(text('<b>@x</b> [a](b) |')).toBe(
      '&lt;b&gt;@\u200bx&lt;/b&gt; \\[a\\]\\(b\\) \\|'
    )
    expect(text('x'.repeat(500))).toHaveLength(MAX_NAME)
    expect(code('a`b')).toBe('``a`b``')
    expect(code('`edge`')).toBe('`` `edge` ``')
    expect(code('a|b', { cell: true })).toBe('`a\\|b`')
  })

  it('keep the structure perf-gate gave the report, whatever the names', async () => {
    const markdown = await hostileReport()
    const { html, links, text: shown, prose } = render(markdown)
    // Only perf-gate's own tags reach the output as HTML, and they balance.
    // (what is left of each block without them holds no tag).
    const foreign = html.filter((block) =>
      block.replace(/<\/?(details|summary|sub)>/g, '').includes('<')
    )
    expect(foreign).toEqual([])
    const count = (pattern: RegExp) =>
      html.reduce((n, t) => n + (t.match(pattern)?.length ?? 0), 0)
    expect(count(/<details>/g)).toBe(count(/<\/details>/g))
    expect(count(/<details>/g)).toBeGreaterThan(0)
    // No link a name tried to dress up: a URL in a name shows as itself
    // (GitHub links bare URLs), never behind other words.
    const disguised = links.filter(
      (l) => l.href.includes('evil.example') && decodeURI(l.href) !== l.shown
    )
    expect(disguised).toEqual([])
    expect(prose).not.toMatch(/(^|\W)@octocat/)
    expect(prose).toContain('@\u200boctocat')
    // The names are still there, to read.
    expect(shown).toContain('<img src=x onerror=alert(1)>')
    // A 100 KB name is cut: the report stays small.
    expect(markdown.length).toBeLessThan(30_000)
    expect(shown).not.toContain('x'.repeat(MAX_NAME))
    // Table rows keep their columns: no name adds a cell.
    for (const line of markdown.split('\n').filter((l) => l.startsWith('| '))) {
      const cells = line.replace(/\\\|/g, '').split('|').length
      expect(cells).toBeGreaterThanOrEqual(4)
    }
  })
})
