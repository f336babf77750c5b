import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ROOT } from './helpers/action.js'

/**
 * The docs a newcomer walks: a README that fits one screen, docs pages
 * whose every link leads somewhere in the repository, and one account of
 * the statistics in the CHANGELOG and the docs.
 */
const read = (file: string): string =>
  fs.readFileSync(path.join(ROOT, file), 'utf8')
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`)
]

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to -. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

function anchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]))
  )
}

describe('the docs a newcomer can walk', () => {
  it('the README gets a team to a gated pull request in one screen', () => {
    const readme = read('README.md')
    const lines = readme.split('\n').length
    process.stdout.write(`README: ${lines} lines\n`)
    expect(lines).toBeLessThanOrEqual(80)
    // What it does, the picture of the comment, the workflow, the two commands.
    const image = /!\[[^\]]+\]\(([^)]+\.png)\)/.exec(readme)
    expect(image).not.toBeNull()
    expect(fs.statSync(path.join(ROOT, image![1])).size).toBeGreaterThan(10_000)
    expect(readme).toMatch(/## A workflow to copy\n[\s\S]*?```yaml\n/)
    expect(readme).toContain('npm run demo')
    expect(readme).toContain('npm test')
    // Every docs page is reachable from it.
    for (const page of DOCS.filter((d) => d.startsWith('docs/'))) {
      const name = path.basename(page)
      const linked =
        readme.includes(`(${page})`) ||
        DOCS.some((d) => d !== page && read(d).includes(`(${name})`))
      expect([page, linked]).toEqual([page, true])
    }
  })

  it.each(DOCS)(
    '%s: every relative link leads to a file of the repository, and every anchor to a heading',
    (doc) => {
      const text = read(doc)
      const dir = path.dirname(path.join(ROOT, doc))
      const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1])
      for (const link of links) {
        if (/^[a-z]+:/i.test(link)) continue
        const [file, anchor] = link.split('#')
        const target = file ? path.resolve(dir, file) : path.join(ROOT, doc)
        expect([link, path.relative(ROOT, target).startsWith('..')]).toEqual([
          link,
          false
        ])
        expect([link, fs.existsSync(target)]).toEqual([link, true])
        if (anchor && target.endsWith('.md')) {
          const headings = anchors(fs.readFileSync(target, 'utf8'))
          expect([link, headings.has(anchor)]).toEqual([link, true])
        }
      }
    }
  )

  it('no doc points at a file outside the repository', () => {
    for (const doc of [...DOCS, 'action.yml']) {
      expect([
        doc,
        /\.\.\/shared|DESIGN\.md|STYLE\.md/.test(read(doc))
      ]).toEqual([doc, false])
    }
  })

  it('the CHANGELOG and the docs describe the same regression method', () => {
    const method = [/Student t/, /log scale/, /arcsine/]
    const stale = /Mann.Whitney|z-score/i
    for (const doc of ['CHANGELOG.md', 'docs/baselines.md']) {
      const text = read(doc)
      for (const words of method) {
        expect([doc, words.test(text)]).toEqual([doc, true])
      }
      expect([doc, stale.test(text)]).toEqual([doc, false])
    }
  })
})
