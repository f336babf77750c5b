// Render perf-gate comments as GitHub shows them and take a screenshot of
// each, to look at before calling a report done:
//
//   RENDER_OUT=/tmp/render npm test -- __tests__/render.test.ts
//   node scripts/screenshot.mjs /tmp/render [--open]
//
// Each <name>.md becomes <name>.html and <name>.png beside it: markdown-it
// (CommonMark + GFM tables, raw HTML as GitHub allows it), mermaid for the
// ```mermaid blocks, a stylesheet close to GitHub's, in headless Chromium
// (Debian's `chromium`). --open unfolds every <details>.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import MarkdownIt from 'markdown-it'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const [dir, flag] = process.argv.slice(2)
if (!dir) {
  console.error(
    'usage: node scripts/screenshot.mjs <dir of .md files> [--open]'
  )
  process.exit(2)
}
const open = flag === '--open'
const mermaid = path.join(
  root,
  'node_modules',
  'mermaid',
  'dist',
  'mermaid.min.js'
)
const md = new MarkdownIt({ html: true, linkify: true })
const fence = md.renderer.rules.fence
md.renderer.rules.fence = (tokens, i, options, env, self) =>
  tokens[i].info.trim() === 'mermaid'
    ? `<pre class="mermaid">${md.utils.escapeHtml(tokens[i].content)}</pre>`
    : fence(tokens, i, options, env, self)

const style = `
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  color: #1f2328; max-width: 880px; margin: 16px auto; padding: 16px 24px;
  border: 1px solid #d1d9e0; border-radius: 6px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3, h4 { margin-top: 24px; }
table { border-collapse: collapse; margin: 8px 0 16px; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
blockquote { color: #59636e; border-left: .25em solid #d1d9e0; margin: 0; padding: 0 1em; }
details { margin: 8px 0; } summary { cursor: pointer; }
pre.mermaid { background: none; }
sub { color: #59636e; }
`

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.md'))) {
  const body = md.render(fs.readFileSync(path.join(dir, file), 'utf8'))
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${style}</style>
<script src="file://${mermaid}"></script></head><body>${
    open ? body.replace(/<details>/g, '<details open>') : body
  }<script>mermaid.initialize({ startOnLoad: true })</script></body></html>`
  const page = path.join(dir, file.replace(/\.md$/, '.html'))
  fs.writeFileSync(page, html)
  const png = page.replace(/\.html$/, open ? '.open.png' : '.png')
  execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--allow-file-access-from-files',
      '--virtual-time-budget=5000',
      `--window-size=960,${open ? 3200 : 1100}`,
      `--screenshot=${png}`,
      `file://${page}`
    ],
    { stdio: 'ignore' }
  )
  console.log(png)
}
