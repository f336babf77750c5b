import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkK6Syntax } from './k6-syntax.js'

/**
 * Run a generated k6 script's JavaScript in Node with k6's modules
 * replaced by recorders: what its init code does, what setup() says, and
 * the requests and checks each iteration would make, exactly as written.
 * Not k6 (no load, no metrics): a check that the generated code says what
 * the profile said, quotes and line breaks included.
 */
export interface ShimRun {
  /** The error init or setup() threw, when one did. */
  initError?: string
  setupError?: string
  /** The requests setup() made (health checks). */
  setupRequests: { url: string; params: { tags?: { name?: string } } }[]
  requests: {
    method: string
    url: string
    body: unknown
    params: { tags?: { name?: string }; headers?: Record<string, string> }
  }[]
  checks: string[]
  /** The tags each check was given (its third argument), in order. */
  checkTags: (Record<string, string> | null)[]
  trends: string[]
  /** The tags of each value a Trend was given. */
  trendTags: (Record<string, string> | null)[]
  /** What a k6/browser page was asked to do, in order. */
  browser: string[]
}

const STUBS: Record<string, string> = {
  'k6-http.mjs': `
const record = (method, url, body, params) => {
  globalThis.__shim.requests.push({ method, url, body: body ?? null, params: params ?? {} })
  const response = globalThis.__shim.response
  return { status: 200, json: (field) => (field === undefined ? response : response[field]) }
}
export default {
  request: record,
  get: (url, params) => record('GET', url, null, params),
  post: (url, body, params) => record('POST', url, body, params)
}`,
  'k6.mjs': `
export function check(value, checks, tags) {
  for (const [name, fn] of Object.entries(checks)) { globalThis.__shim.checks.push(name); globalThis.__shim.checkTags.push(tags ?? null); fn(value) }
  return true
}
export function fail(message) { throw new Error(message) }
// k6's randomSeed: Math.random from here on is a sequence of the seed (mulberry32).
export function randomSeed(seed) {
  let a = seed >>> 0
  Math.random = () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
export function sleep() {}`,
  'k6-browser.mjs': `
const act = (action) => globalThis.__shim.browser.push(action)
export const browser = {
  async newPage() {
    act('newPage')
    return {
      async goto(url) { act('goto ' + url) },
      locator(selector) {
        return {
          async click() { act('click ' + selector) },
          async waitFor() { act('waitFor ' + selector) },
          async fill(value) { act('fill ' + selector + ' ' + value) },
          async textContent() { act('textContent ' + selector); return globalThis.__shim.text[selector] ?? '' }
        }
      },
      async close() { act('close') }
    }
  }
}`,
  'k6-data.mjs': `export class SharedArray { constructor(name, make) { return make() } }`,
  // k6/experimental/fs and csv: the file's rows as arrays of strings, as
  // k6's parser (Go's encoding/csv) gives them; CRLF or LF, quotes as RFC 4180.
  'k6-fs.mjs': `
import * as fs from 'node:fs'
import * as path from 'node:path'
export async function open(file) { return { path: path.resolve(globalThis.__shimDir, file) } }`,
  'k6-csv.mjs': `
import * as fs from 'node:fs'
function records(text) {
  const rows = []
  let row = [], field = '', quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ }
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' }
    else if (c === '\\n' || (c === '\\r' && text[i + 1] === '\\n')) {
      if (c === '\\r') i++
      row.push(field); field = ''
      if (row.length > 1 || row[0] !== '') rows.push(row)
      row = []
    } else field += c
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row) }
  return rows
}
export default {
  async parse(file, options) {
    const rows = records(fs.readFileSync(file.path, 'utf8'))
    return options && options.skipFirstLine ? rows.slice(1) : rows
  }
}`,
  'k6-metrics.mjs': `export class Trend { constructor(name) { globalThis.__shim.trends.push(name) } add(value, tags) { globalThis.__shim.trendTags.push(tags ?? null) } }`
}

export function runWithShim(
  script: string,
  options: {
    env?: Record<string, string>
    /** Iterations, each drawing the next endpoint in turn. */
    iterations?: number
    /** Where `open()` reads from (the script's own folder). */
    dir?: string
    /** The JSON every request answers with. */
    response?: Record<string, unknown>
    /** The exported function each iteration runs, and its weight table. */
    exec?: { name: string; table?: string }
    /** What a browser page's elements say, by selector. */
    text?: Record<string, string>
  } = {}
): ShimRun {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'k6-shim-'))
  for (const [name, text] of Object.entries(STUBS)) {
    fs.writeFileSync(path.join(dir, name), text)
  }
  const rewritten = script
    .replace(/from 'k6\/http'/g, "from './k6-http.mjs'")
    .replace(/from 'k6'/g, "from './k6.mjs'")
    .replace(/from 'k6\/data'/g, "from './k6-data.mjs'")
    .replace(/from 'k6\/metrics'/g, "from './k6-metrics.mjs'")
    .replace(/from 'k6\/browser'/g, "from './k6-browser.mjs'")
    .replace(/from 'k6\/experimental\/fs'/g, "from './k6-fs.mjs'")
    .replace(/from 'k6\/experimental\/csv'/g, "from './k6-csv.mjs'")
  fs.writeFileSync(path.join(dir, 'shimmed-script.mjs'), rewritten)
  const runner = `
import * as fs from 'node:fs'
import * as path from 'node:path'
const dir = ${JSON.stringify(dir)}
globalThis.__shim = { requests: [], checks: [], checkTags: [], trends: [], trendTags: [], browser: [], text: ${JSON.stringify(options.text ?? {})}, response: ${JSON.stringify(options.response ?? {})} }
globalThis.__ENV = ${JSON.stringify(options.env ?? {})}
globalThis.__shimDir = dir
globalThis.__VU = 1
const realRandom = Math.random
globalThis.__ITER = 0
globalThis.open = (file) => fs.readFileSync(path.resolve(dir, file), 'utf8')
const out = { ...globalThis.__shim }
let mod
try { mod = await import('./shimmed-script.mjs') } catch (e) { out.initError = e.message }
if (mod) {
  try { mod.setup?.() } catch (e) { out.setupError = e.message }
  out.setupRequests = globalThis.__shim.requests.splice(0)
  globalThis.__shim.checks.length = 0
  globalThis.__shim.checkTags.length = 0
  const weights = ${JSON.stringify(options.iterations ?? 0)}
  for (let i = 0; i < weights; i++) {
    // Each draw lands in the next endpoint's share.
    const table = ${JSON.stringify(options.exec ? (options.exec.table ?? null) : 'CUMULATIVE')}
    const cumulative = table && new RegExp('const ' + table + ' = (\\\\[[^\\\\n]*\\\\])').exec(fs.readFileSync(path.join(dir, "shimmed-script.mjs"), "utf8"))[1]
    const shares = cumulative ? JSON.parse(cumulative) : [1]
    const k = i % shares.length
    const low = k === 0 ? 0 : shares[k - 1]
    // The first draw picks the endpoint; the rest are random, as in k6.
    let drawn = false
    Math.random = () => { if (drawn) return realRandom(); drawn = true; return (low + shares[k]) / 2 }
    globalThis.__ITER = i
    await mod[${JSON.stringify(options.exec?.name ?? 'default')}]()
  }
}
const { response: _response, text: _text, ...recorded } = globalThis.__shim
Object.assign(out, recorded)
process.stdout.write(JSON.stringify(out))
`
  fs.writeFileSync(path.join(dir, 'shim-runner.mjs'), runner)
  const output = execFileSync(process.execPath, ['shim-runner.mjs'], {
    cwd: dir,
    encoding: 'utf8'
  })
  return JSON.parse(output) as ShimRun
}

/** A generated script's options, as k6 would read them. */
export function scriptOptions(script: string): {
  scenarios: Record<string, Record<string, unknown>>
  thresholds: Record<string, unknown[]>
} {
  return JSON.parse(
    /export const options = (\{[\s\S]*?\n\});?\n/.exec(script)?.[1] ?? '{}'
  )
}

/**
 * Throws when k6's parser could reject the script: a statement without
 * its `;`, or a construct no recorded k6 run parsed (k6-syntax.ts).
 */
export function checkSyntax(script: string): void {
  checkK6Syntax(script)
}

/** What the example profile's endpoints answer: every field they check. */
export const EXAMPLE_RESPONSE = {
  order_id: 'o-1',
  status: 'confirmed',
  id: 1,
  name: 'n',
  price: 1
}
