import { fileKind, findFile, megabytes } from '../shared/files.js'
import * as fs from 'node:fs'
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node
} from 'yaml'
import type { z } from 'zod'
import { BROWSER_METRICS, BUILT_IN_METRICS } from '../k6/metrics.js'
import {
  parseMetricKey,
  parseThresholdExpression,
  statisticName,
  SUPPORTED_AGGREGATIONS,
  ThresholdSyntaxError,
  type MetricType,
  type ThresholdExpression
} from '../k6/thresholds.js'
import { suggest } from '../shared/suggest.js'
import { capacityPlan, OBJECTIVE_FIELDS, planLoad, PlanError } from './plan.js'
import {
  OBJECTIVES,
  profileJsonSchema,
  profileSchema,
  type Profile
} from './schema.js'

/** A problem in the profile, placed at file:line:col. */
export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly keyPath: string,
    problem: string
  ) {
    super(
      `${file}:${line}:${column}: ${keyPath ? `${keyPath}: ` : ''}${problem}`
    )
    this.name = 'ProfileError'
  }
}

interface LoadedProfile {
  profile: Profile
  /** The file as the user names it (workspace-relative). */
  file: string
  /** Where a key of the profile is, for errors found later (data files). */
  locate: Locate
}

/** file:line:col of a key path: the key itself, or its value. */
type Locate = (keyPath: (string | number)[]) => {
  line: number
  col: number
}

/** Read, parse and validate a profile; every error names file:line:col. */
export function loadProfile(absolute: string, label: string): LoadedProfile {
  const text = decodeProfile(readProfileBytes(absolute, label), label)
  return { ...parseLocated(text, label), file: label }
}

/** A profile is a page of YAML; a larger file is not one. */
const PROFILE_LIMIT = 1e6

/** The profile's bytes: a regular file (a FIFO would block the read), small. */
function readProfileBytes(absolute: string, label: string): Buffer {
  const stats = fs.statSync(absolute)
  const kind = fileKind(stats)
  if (kind !== 'a file') {
    throw new ProfileError(
      label,
      1,
      1,
      '',
      `is ${kind}, not a file: name the profile's YAML file`
    )
  }
  if (stats.size > PROFILE_LIMIT) {
    throw new ProfileError(
      label,
      1,
      1,
      '',
      `is ${megabytes(stats.size)}: a profile is a YAML file of a few KB; is this the right file?`
    )
  }
  return fs.readFileSync(absolute)
}

/**
 * The profile's bytes as text: UTF-8 (a BOM dropped), or UTF-16 with its
 * BOM; a byte that is not UTF-8 is an error at its line and column, never
 * a silent U+FFFD.
 */
function decodeProfile(bytes: Buffer, file: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return bytes.subarray(2).toString('utf16le')
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2))
    swapped.swap16()
    return swapped.toString('utf16le')
  }
  const body =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
      ? bytes.subarray(3)
      : bytes
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch {
    // Find the first byte that is not UTF-8, to say where it is.
    let at = 0
    for (let end = 1; end <= body.length; end++) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(0, end))
        at = end
      } catch {
        if (end - at > 4) break
      }
    }
    const before = body.subarray(0, at).toString('utf8')
    const line = before.split('\n').length
    const col = before.length - before.lastIndexOf('\n')
    throw new ProfileError(
      file,
      line,
      col,
      '',
      `byte 0x${body[at].toString(16).padStart(2, '0')} is not UTF-8 (the file looks like Latin-1 or another encoding): save it as UTF-8`
    )
  }
}

/** Aliases a profile may use: plenty for sharing a block, no bomb. */
const MAX_ALIASES = 100

/**
 * Line endings YAML reads as LF or CRLF: a lone CR (a file saved with
 * classic Mac endings, or a stray \r pasted in) would be read as part of
 * a value or fail far from where it is.
 */
function checkLineEndings(text: string, file: string): void {
  const lone = /\r(?!\n)/.exec(text)
  if (!lone) return
  const before = text.slice(0, lone.index)
  const line = before.split(/\r\n|\n/).length
  const col = lone.index - Math.max(before.lastIndexOf('\n'), -1)
  throw new ProfileError(
    file,
    line,
    col,
    '',
    text.includes('\n')
      ? 'holds a carriage return (\\r) that ends no line: remove it (an editor that shows invisible characters finds it)'
      : 'has CR-only line endings (classic Mac): save it with LF or CRLF line endings'
  )
}

export function parseProfile(text: string, file: string): Profile {
  return parseLocated(text, file).profile
}

function parseLocated(
  text: string,
  file: string
): { profile: Profile; locate: Locate } {
  checkLineEndings(text, file)
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    const error = doc.errors[0]
    const pos = lineCounter.linePos(error.pos[0])
    throw new ProfileError(
      file,
      pos.line,
      pos.col,
      '',
      `YAML syntax error: ${error.message.split('\n')[0]}`
    )
  }
  const where = (
    keyPath: (string | number)[],
    key?: string
  ): { line: number; col: number } => {
    const node = nodeAt(doc, keyPath, key)
    const offset = node?.range?.[0] ?? 0
    return lineCounter.linePos(offset)
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {}
  } catch (error) {
    // yaml's guard against an alias bomb (aliases of aliases of …).
    const alias = text.search(/\*[A-Za-z0-9_-]+/)
    const pos = lineCounter.linePos(Math.max(0, alias))
    throw new ProfileError(
      file,
      pos.line,
      pos.col,
      '',
      `its anchors (&) and aliases (*) expand to too many values (${(error as Error).message}): write the values out, or use fewer aliases`
    )
  }
  const result = profileSchema.safeParse(data)
  if (!result.success) {
    // A misspelt key is usually also a missing one: name the misspelling.
    const issues = result.error.issues
    const issue =
      issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]
    const { keyPath, key, message } = describeIssue(issue, data)
    const pos = where(keyPath, key)
    throw new ProfileError(
      file,
      pos.line,
      pos.col,
      formatPath([...keyPath, ...(key ? [key] : [])]),
      message
    )
  }
  const profile = result.data
  /** The key at a path: its own position when it is a mapping's key. */
  const locate: Locate = (keyPath) => {
    const last = keyPath.at(-1)
    return typeof last === 'string'
      ? where(keyPath.slice(0, -1), last)
      : where(keyPath)
  }
  const fail = (keyPath: (string | number)[], problem: string): never => {
    const pos = locate(keyPath)
    throw new ProfileError(
      file,
      pos.line,
      pos.col,
      formatPath(keyPath),
      problem
    )
  }
  checkProfile(profile, data as Record<string, unknown>, fail)
  return { profile, locate }
}

type Fail = (keyPath: (string | number)[], problem: string) => never

/** What the schema cannot say: each check fails at the key it is about. */
function checkProfile(
  profile: Profile,
  data: Record<string, unknown>,
  fail: Fail
): void {
  checkScriptOrTarget(profile, data, fail)
  checkThresholds(profile, fail)
  checkEndpoints(profile, fail)
  checkPools(profile, fail)
  checkBrowser(profile, fail)
  checkRegressionEndpoints(profile, fail)
  if (profile.think_time && profile.think_time.min > profile.think_time.max) {
    fail(['think_time', 'min'], 'min is larger than max')
  }
  checkBaseUrl(profile, fail)
  checkObjectives(profile, fail)
  checkTriggers(profile, fail)
  checkCredentials(profile, fail)
  checkCapacity(profile, fail)
  const production = profile.capacity?.production
  if (
    production?.peak_rps !== undefined &&
    production.peak_rps < production.rps
  ) {
    fail(
      ['capacity', 'production', 'peak_rps'],
      `the peak (${production.peak_rps} req/s) is below the average (${production.rps} req/s): give the busiest rate production sees, or remove peak_rps`
    )
  }
}

/**
 * A tolerance for an endpoint that does not exist would silently apply
 * to nothing. (With an own script the names are the script's: unchecked.)
 */
function checkRegressionEndpoints(profile: Profile, fail: Fail): void {
  const endpointNames = (profile.endpoints ?? []).map((e) => e.name)
  if (endpointNames.length === 0 || profile.script) return
  for (const name of Object.keys(profile.regression?.endpoints ?? {})) {
    if (endpointNames.includes(name)) continue
    fail(
      ['regression', 'endpoints', name],
      `no endpoint named '${name}'` +
        (suggest(name, endpointNames) ||
          ` (the endpoints are: ${endpointNames.join(', ')})`)
    )
  }
}

/** target.base_url: an http(s) URL, or a variable that holds one. */
function checkBaseUrl(profile: Profile, fail: Fail): void {
  const base = profile.target?.base_url.trim() ?? ''
  if (!profile.target || /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(base)) return
  let url: URL | undefined
  try {
    url = new URL(base)
  } catch {
    url = undefined
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    fail(
      ['target', 'base_url'],
      `'${base}' is not an http(s) URL: write it as https://staging.example.com, or name a variable as \${API_BASE_URL}`
    )
  }
}

/**
 * The capacity model: one way to find the factor, and a factor that
 * leaves something to test.
 */
function checkCapacity(profile: Profile, fail: Fail): void {
  const model = profile.capacity
  if (!model) return
  if (model.factor !== undefined) {
    for (const key of ['test', 'production_resources'] as const) {
      if (model[key]) {
        fail(
          ['capacity', key],
          `the factor is given, so ${key} would take no effect: remove factor to compute it from the resources, or remove ${key}`
        )
      }
    }
  } else if (!model.test || !model.production_resources) {
    fail(
      ['capacity', model.test ? 'test' : 'production_resources'],
      model.test
        ? 'production_resources is missing: the factor is production ÷ test resources; give both, or give factor'
        : model.production_resources
          ? 'test is missing: the factor is production ÷ test resources; give both, or give factor'
          : 'give factor (production ÷ test capacity), or both test and production_resources'
    )
  }
  try {
    capacityPlan(model)
  } catch (error) {
    if (error instanceof PlanError && error.keyPath) {
      fail(error.keyPath, error.message)
    }
    throw error
  }
}

/**
 * GitHub's workflow events: a trigger under any other name never matches,
 * and its objective would silently never run.
 */
const GITHUB_EVENTS = [
  'branch_protection_rule',
  'check_run',
  'check_suite',
  'create',
  'delete',
  'deployment',
  'deployment_status',
  'discussion',
  'discussion_comment',
  'fork',
  'gollum',
  'issue_comment',
  'issues',
  'label',
  'merge_group',
  'milestone',
  'page_build',
  'public',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_target',
  'push',
  'registry_package',
  'release',
  'repository_dispatch',
  'schedule',
  'status',
  'watch',
  'workflow_call',
  'workflow_dispatch',
  'workflow_run'
] as const

function checkTriggers(profile: Profile, fail: Fail): void {
  for (const event of Object.keys(profile.objectives?.triggers ?? {})) {
    if ((GITHUB_EVENTS as readonly string[]).includes(event)) continue
    fail(
      ['objectives', 'triggers', event],
      `'${event}' is not a GitHub workflow event, so this trigger would never match` +
        (suggest(event, GITHUB_EVENTS) ||
          ': use the event name of on: in the workflow, such as pull_request, push or schedule')
    )
  }
}

/** Header names that carry a credential. */
const CREDENTIAL_HEADER =
  /authorization|api[-_]?key|token|secret|cookie|password/i

/**
 * A credential is read from the environment when k6 runs: written in the
 * profile it would be in the repository, the generated script and its
 * artifact. A token URL must be a URL or a path under the base URL.
 */
function checkCredentials(profile: Profile, fail: Fail): void {
  profile.endpoints?.forEach((endpoint, e) => {
    for (const [name, value] of Object.entries(endpoint.headers ?? {})) {
      if (!CREDENTIAL_HEADER.test(name) || /\$\{env\./.test(value)) continue
      fail(
        ['endpoints', e, 'headers', name],
        `a credential written in the profile lands in the repository and the generated script: read it from the environment, as \${env.API_TOKEN}, or use auth:`
      )
    }
  })
  const auth = profile.auth
  if (
    auth.type === 'oauth2-client-credentials' &&
    !/^(https?:\/\/|\/)/.test(auth.token_url)
  ) {
    fail(
      ['auth', 'token_url'],
      `'${auth.token_url}' is neither a URL nor a path: write https://auth.example.com/token, or /oauth/token under the base URL`
    )
  }
}

/**
 * A generated script needs a target and endpoints; a team's own script
 * brings its own options, so what would shape a generated one is refused
 * rather than silently ignored.
 */
function checkScriptOrTarget(
  profile: Profile,
  raw: Record<string, unknown>,
  fail: Fail
): void {
  if (profile.script) {
    for (const key of [
      'target',
      'auth',
      'data',
      'think_time',
      'endpoints',
      'pools',
      'browser',
      'capacity'
    ]) {
      if (key in raw) {
        fail(
          [key],
          `takes no effect with script: ${profile.script} runs with its own options (scenarios, URL, requests); remove ${key}, or remove script to have perf-gate generate the script`
        )
      }
    }
    for (const objective of OBJECTIVES) {
      if (profile.objectives?.[objective]) {
        fail(
          ['objectives', objective],
          `takes no effect with script: the script's own scenarios run (objectives.triggers still chooses the objective's name); remove it`
        )
      }
    }
    return
  }
  if (!profile.target) {
    fail(
      [],
      'is missing target: give target.base_url (the service under test), or script to run your own'
    )
  }
  if (!profile.endpoints?.length) {
    fail(
      [],
      'has no endpoints to generate a script from: add endpoints (a browser: journey runs beside them), or script to run your own'
    )
  }
}

/**
 * The thresholds: k6's grammar, a metric that exists (k6 fails with exit
 * 104 on one it does not know), an aggregation its type supports.
 */
function checkThresholds(profile: Profile, fail: Fail): void {
  // The generated script's metrics: k6's own and the follow-ups' Trends.
  // A team's own script may define more: only k6's are known then.
  const types: Record<string, MetricType> = { ...BUILT_IN_METRICS }
  for (const e of profile.endpoints ?? []) {
    if (e.follow) types[e.follow.metric] = 'trend'
  }
  const check = (
    key: string,
    expression: string,
    keyPath: (string | number)[]
  ): void => checkThreshold(key, expression, keyPath, { profile, types, fail })
  for (const [key, expressions] of Object.entries(
    profile.thresholds?.k6 ?? {}
  )) {
    expressions.forEach((expression, i) =>
      check(key, expression, ['thresholds', 'k6', key, i])
    )
  }
  profile.endpoints?.forEach((endpoint, e) => {
    endpoint.thresholds?.k6?.forEach((expression, i) =>
      check('http_req_duration', expression, [
        'endpoints',
        e,
        'thresholds',
        'k6',
        i
      ])
    )
  })
  if (profile.browser) {
    Object.assign(types, BROWSER_METRICS)
    for (const [key, expressions] of Object.entries(
      profile.browser.thresholds ?? {}
    )) {
      expressions.forEach((expression, i) =>
        check(key, expression, ['browser', 'thresholds', key, i])
      )
    }
  }
  profile.pools?.forEach((pool, p) => {
    pool.thresholds?.k6?.forEach((expression, i) =>
      check('http_req_duration', expression, [
        'pools',
        p,
        'thresholds',
        'k6',
        i
      ])
    )
  })
}

/**
 * One threshold: k6's grammar, a metric of the generated script, and an
 * aggregation its type has.
 */
function checkThreshold(
  key: string,
  expression: string,
  keyPath: (string | number)[],
  of: { profile: Profile; types: Record<string, MetricType>; fail: Fail }
): void {
  const { profile, types, fail } = of
  let parsed: ThresholdExpression
  try {
    parsed = parseThresholdExpression(expression)
  } catch (error) {
    if (!(error instanceof ThresholdSyntaxError)) throw error
    return fail(keyPath, error.message)
  }
  let metric: string
  try {
    metric = parseMetricKey(key).metric
  } catch (error) {
    return fail(keyPath.slice(0, -1), (error as Error).message)
  }
  const type = types[metric]
  if (!type) {
    if (profile.script) return
    return fail(
      keyPath.slice(0, -1),
      `no metric named '${metric}' in the generated script` +
        (suggest(metric, Object.keys(types)) ||
          " (k6 would stop with exit code 104): use one of k6's metrics, such as http_req_duration, or a follow-up's metric")
    )
  }
  if (!SUPPORTED_AGGREGATIONS[type].includes(parsed.aggregation)) {
    fail(
      keyPath,
      `'${expression}' reads ${statisticName(parsed)} of ${metric}, a ${type} metric, which has none: ` +
        `a ${type} supports ${SUPPORTED_AGGREGATIONS[type].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`
    )
  }
}

/**
 * The pools: one name each, endpoints that exist, a share or a rate (the
 * shares splitting the objective's load, so adding up to 1), and every
 * endpoint in a pool (one outside them all would never be sent).
 */
function checkPools(profile: Profile, fail: Fail): void {
  const pools = profile.pools
  if (!pools) return
  const names = (profile.endpoints ?? []).map((e) => e.name)
  const seen = new Map<string, number>()
  let shares = 0
  pools.forEach((pool, p) => {
    const first = seen.get(pool.name)
    if (first !== undefined) {
      fail(
        ['pools', p, 'name'],
        `'${pool.name}' is also the name of pools[${first}]: each pool is its own k6 scenario; give each its own name`
      )
    }
    seen.set(pool.name, p)
    pool.endpoints.forEach((name, i) => {
      if (!names.includes(name)) {
        fail(
          ['pools', p, 'endpoints', i],
          `no endpoint is named '${name}'` +
            (suggest(name, names) ||
              `: use a name of endpoints (${names.join(', ')})`)
        )
      }
      if (pool.endpoints.indexOf(name) !== i) {
        fail(
          ['pools', p, 'endpoints', i],
          `'${name}' is listed twice: the endpoints' weights share the pool's iterations`
        )
      }
    })
    if ((pool.share === undefined) === (pool.rate === undefined)) {
      fail(
        ['pools', p],
        pool.share === undefined
          ? "needs share (its part of the objective's load) or rate (iterations/s of its own)"
          : "has both share and rate: give one (share follows the objective's shape, rate holds its own)"
      )
    }
    shares += pool.share ?? 0
  })
  const sharing = pools.filter((p) => p.share !== undefined)
  if (sharing.length > 0 && Math.abs(shares - 1) > 1e-6) {
    fail(
      ['pools', pools.indexOf(sharing[0]), 'share'],
      `the pools' shares add up to ${Number(shares.toFixed(6))}: they split the objective's load, so they must add up to 1 (a pool with rate: runs on top of them)`
    )
  }
  profile.endpoints?.forEach((endpoint, e) => {
    if (!pools.some((p) => p.endpoints.includes(endpoint.name))) {
      fail(
        ['endpoints', e, 'name'],
        `'${endpoint.name}' is in no pool, so it would never be sent: add it to a pool's endpoints, or remove it`
      )
    }
  })
}

/**
 * The browser journey: one name per page (its checks and its row in the
 * report), and paths whose templates the browser can fill (no data rows).
 */
function checkBrowser(profile: Profile, fail: Fail): void {
  const journey = profile.browser
  if (journey && journey.vus > journey.iterations) {
    fail(
      ['browser', 'vus'],
      `${journey.vus} VUs for ${journey.iterations} iterations: k6 shares the iterations among the VUs, so give at least as many iterations as VUs`
    )
  }
  const seen = new Map<string, number>()
  profile.browser?.pages.forEach((page, p) => {
    const first = seen.get(page.name)
    if (first !== undefined) {
      fail(
        ['browser', 'pages', p, 'name'],
        `'${page.name}' is also the name of pages[${first}]: give each page its own name (its checks and its row in the report carry it)`
      )
    }
    seen.set(page.name, p)
    for (const match of page.path.matchAll(/\$\{([^}]*)\}/g)) {
      const name = match[1].trim()
      if (!/^(__VU|__ITER|random:[^|]+(\|[^|]+)*)$/.test(name)) {
        fail(
          ['browser', 'pages', p, 'path'],
          `\${${name}} cannot be filled in a browser page's path: use \${__VU}, \${__ITER} or \${random:a|b|c}`
        )
      }
    }
    if (
      (page.path.match(/\$\{/g)?.length ?? 0) !==
      (page.path.match(/\$\{[^}]*\}/g)?.length ?? 0)
    ) {
      fail(
        ['browser', 'pages', p, 'path'],
        "a '${' is not closed: end it with '}'"
      )
    }
  })
}

/**
 * The endpoints: one name each (k6's name tag groups by it), templates
 * that close and name variables perf-gate knows, and data sets that exist.
 */
function checkEndpoints(profile: Profile, fail: Fail): void {
  const seen = new Map<string, number>()
  profile.endpoints?.forEach((endpoint, e) => {
    const first = seen.get(endpoint.name)
    if (first !== undefined) {
      fail(
        ['endpoints', e, 'name'],
        `'${endpoint.name}' is also the name of endpoints[${first}]: k6 would count both as one endpoint; give each its own name`
      )
    }
    seen.set(endpoint.name, e)
    if (endpoint.data && !profile.data?.[endpoint.data]) {
      fail(
        ['endpoints', e, 'data'],
        `no data set named '${endpoint.data}'` +
          suggest(endpoint.data, Object.keys(profile.data ?? {}))
      )
    }
    for (const [keyPath, text, where] of templatedFields(endpoint, e)) {
      const problem = templateProblem(text, where, endpoint.data)
      if (problem) fail(keyPath, problem)
    }
  })
}

/** Every templated string of an endpoint, with where it is. */
function templatedFields(
  endpoint: NonNullable<Profile['endpoints']>[number],
  e: number
): [(string | number)[], string, TemplatePlace][] {
  const out: [(string | number)[], string, TemplatePlace][] = [
    [['endpoints', e, 'path'], endpoint.path, 'path']
  ]
  for (const [name, value] of Object.entries(endpoint.headers ?? {})) {
    out.push([['endpoints', e, 'headers', name], value, 'header'])
  }
  const walk = (value: unknown, at: (string | number)[]): void => {
    if (typeof value === 'string') out.push([at, value, 'body'])
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...at, i]))
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, [...at, k])
    }
  }
  walk(endpoint.body, ['endpoints', e, 'body'])
  if (endpoint.follow) {
    out.push([
      ['endpoints', e, 'follow', 'path'],
      endpoint.follow.path,
      'follow'
    ])
  }
  return out
}

export type TemplatePlace = 'path' | 'header' | 'body' | 'follow'

/**
 * What is wrong with a template, or undefined. Variables: ${data.field}
 * (with a data set), ${__VU}, ${__ITER}, ${random:a|b}, ${env.NAME} and, in a
 * follow-up, ${response.field}.
 */
function templateProblem(
  text: string,
  where: TemplatePlace,
  dataSet: string | undefined
): string | undefined {
  const open = text.indexOf('${')
  for (let at = open; at >= 0; at = text.indexOf('${', at + 2)) {
    const close = text.indexOf('}', at + 2)
    if (close < 0) {
      return `an unclosed \${ at character ${at + 1}: close it, as in \${data.id}`
    }
    const name = text.slice(at + 2, close).trim()
    if (/^(__VU|__ITER)$/.test(name)) continue
    if (/^env\.[A-Za-z_]\w*$/.test(name)) continue
    if (/^random:.+$/.test(name)) continue
    if (/^data\.[A-Za-z_][\w]*$/.test(name)) {
      if (!dataSet) {
        return `\${${name}} reads a data set, but this endpoint names none: add data: <a data set's name>`
      }
      continue
    }
    if (/^response\.[A-Za-z_][\w.]*$/.test(name) && where === 'follow') continue
    return (
      `unknown template variable \${${name}}: use \${data.field}, \${__VU}, \${__ITER}, \${random:a|b}, \${env.NAME}` +
      (where === 'follow' ? ' or ${response.field}' : '')
    )
  }
  return undefined
}

/**
 * Every field of an objective takes effect, or is an error here: a field
 * the objective does not read, two fields that say the same thing, a
 * duration of nothing.
 */
function checkObjectives(profile: Profile, fail: Fail): void {
  for (const objective of OBJECTIVES) {
    const override = profile.objectives?.[objective]
    if (!override) continue
    const allowed = OBJECTIVE_FIELDS[objective]
    for (const field of Object.keys(override)) {
      if (allowed.includes(field)) continue
      fail(
        ['objectives', objective, field],
        objective === 'smoke'
          ? `smoke runs a small steady rate for a while: set rate and duration (or vus for a number of VUs; ${field} is for the other objectives)`
          : `${objective} holds one rate: set rate or share, duration and vus (stages are for load, stress, spike and capacity)`
      )
    }
    if (
      objective === 'smoke' &&
      override.rate !== undefined &&
      override.vus !== undefined
    ) {
      fail(
        ['objectives', 'smoke', 'vus'],
        'give rate (iterations/s, the plan then knows how many requests it sends) or vus (as fast as they go), not both'
      )
    }
    if (override.rate !== undefined && override.share !== undefined) {
      fail(
        ['objectives', objective, 'share'],
        'give rate (iterations/s) or share (of the capacity target), not both'
      )
    }
    if (override.stages) {
      for (const field of ['duration', 'rate', 'share'] as const) {
        if (override[field] !== undefined) {
          fail(
            ['objectives', objective, field],
            `stages set the whole ramp (each stage's duration and target): remove ${field}, or remove stages`
          )
        }
      }
    }
    // Planned now, whichever objective this run picks: an override that
    // cannot run is wrong today, not on the night it is chosen.
    try {
      planLoad(profile, { objective, reason: '' })
    } catch (error) {
      if (error instanceof PlanError && error.keyPath) {
        fail(error.keyPath, error.message)
      }
      throw error
    }
  }
  checkOnly(profile, fail)
}

/**
 * `objectives.only`: each objective it lists can run (planned now, not on
 * the night it is picked), and no trigger of the profile picks another.
 */
function checkOnly(profile: Profile, fail: Fail): void {
  const only = profile.objectives?.only
  if (!only) return
  only.forEach((objective, i) => {
    try {
      planLoad(profile, { objective, reason: '' })
    } catch (error) {
      if (!(error instanceof PlanError)) throw error
      fail(error.keyPath ?? ['objectives', 'only', i], error.message)
    }
  })
  for (const [event, objective] of Object.entries(
    profile.objectives?.triggers ?? {}
  )) {
    if (!only.includes(objective)) {
      fail(
        ['objectives', 'triggers', event],
        `picks ${objective}, which objectives.only leaves out (${only.join(', ')}): add it there, or pick one of them`
      )
    }
  }
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): IssueText {
  const keyPath = issue.path.filter(
    (p): p is string | number => typeof p !== 'symbol'
  )
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]
    const allowed = allowedKeys(keyPath, data)
    return {
      keyPath,
      key,
      message: `unknown key '${key}'${suggest(key, allowed)}${allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}`
    }
  }
  if (issue.code === 'invalid_type') {
    const got = valueAt(data, keyPath)
    return {
      keyPath,
      message:
        got === undefined
          ? `is required (expected ${issue.expected})`
          : `expected ${issue.expected}, got ${describeValue(got)}`
    }
  }
  if (issue.code === 'invalid_value') {
    const got = valueAt(data, keyPath)
    const options = issue.values.map((v) => String(v))
    return {
      keyPath,
      message:
        `expected one of ${options.join(', ')}, got ${describeValue(got)}` +
        (typeof got === 'string' ? suggest(got, options) : '')
    }
  }
  if (issue.code === 'invalid_union') {
    const union = describeUnionIssue(issue, keyPath, data)
    if (union) return union
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const got = valueAt(data, keyPath)
    const small = issue.code === 'too_small'
    const bound = Number(small ? issue.minimum : issue.maximum)
    const inclusive = issue.inclusive !== false
    const what =
      issue.origin === 'array'
        ? `must have at ${small ? 'least' : 'most'} ${bound} item${bound === 1 ? '' : 's'}`
        : issue.origin === 'string'
          ? `must be at ${small ? 'least' : 'most'} ${bound} character${bound === 1 ? '' : 's'} long`
          : `must be ${small ? (inclusive ? 'at least' : 'above') : inclusive ? 'at most' : 'below'} ${bound}`
    return { keyPath, message: `${what}, got ${describeValue(got)}` }
  }
  return {
    keyPath,
    message: `${issue.message.replace(/^Invalid input: /, '')}`
  }
}

type IssueText = { keyPath: (string | number)[]; key?: string; message: string }

/**
 * A value that is none of a union's members: auth's type, a browser
 * step's kind, or the members' expected types.
 */
function describeUnionIssue(
  issue: z.core.$ZodIssueInvalidUnion,
  keyPath: (string | number)[],
  data: unknown
): IssueText | undefined {
  if (keyPath[0] === 'auth') {
    const typePath = keyPath.at(-1) === 'type' ? keyPath : [...keyPath, 'type']
    const got = valueAt(data, typePath)
    const types = ['none', 'bearer', 'api-key', 'oauth2-client-credentials']
    return {
      keyPath: typePath,
      message:
        `expected one of ${types.join(', ')}, got ${describeValue(got)}` +
        (typeof got === 'string' ? suggest(got, types) : '')
    }
  }
  if (keyPath[0] === 'browser' && keyPath.at(-2) === 'steps') {
    const got = valueAt(data, keyPath)
    const keys =
      got && typeof got === 'object' ? Object.keys(got as object) : []
    const steps = ['click', 'wait_for', 'fill', 'expect_text']
    return {
      keyPath,
      message:
        `a step is one of ${steps.join(', ')}, with its value (click: '#buy', fill: { selector, value }, expect_text: { selector, equals }); got ${keys.length ? keys.map((k) => `'${k}'`).join(', ') : describeValue(got)}` +
        (keys.length === 1 ? suggest(keys[0], steps) : '')
    }
  }
  // Each member's expected type: "expected string, number or boolean".
  const expected = [
    ...new Set(
      issue.errors
        .flat()
        .filter((i) => i.code === 'invalid_type')
        .map((i) => (i as { expected: string }).expected)
    )
  ]
  if (expected.length === 0) return undefined
  const list =
    expected.length === 1
      ? expected[0]
      : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}`
  return {
    keyPath,
    message: `expected ${list}, got ${describeValue(valueAt(data, keyPath))}`
  }
}

/** The node for a key (the key itself when `key` is given). */
function nodeAt(
  doc: Document,
  keyPath: (string | number)[],
  key?: string
): Node | undefined {
  // The deepest node that exists: a missing key is reported on its parent.
  let node: unknown = doc.contents
  for (const part of keyPath) {
    let next: unknown
    if (isMap(node)) {
      next = node.items.find(
        (pair) => isScalar(pair.key) && pair.key.value === part
      )?.value
    } else if (isSeq(node)) {
      next = node.items[Number(part)]
    }
    if (next === undefined || next === null) break
    node = next
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key)
    if (pair) return pair.key as Node
  }
  return (node as Node | undefined) ?? (doc.contents as Node | undefined)
}

/** Keys the JSON Schema allows at a path, for "did you mean". */
function allowedKeys(keyPath: (string | number)[], data: unknown): string[] {
  let node = profileJsonSchema() as Record<string, unknown>
  const defs = (node.$defs ?? {}) as Record<string, Record<string, unknown>>
  const resolve = (n: Record<string, unknown>): Record<string, unknown> =>
    typeof n.$ref === 'string'
      ? (defs[n.$ref.split('/').pop() as string] ?? n)
      : n
  for (let i = 0; i < keyPath.length; i++) {
    node = resolve(node)
    const part = keyPath[i]
    const props = node.properties as
      Record<string, Record<string, unknown>> | undefined
    if (typeof part === 'number' && node.items)
      node = node.items as Record<string, unknown>
    else if (props?.[String(part)]) node = props[String(part)]
    else if (
      node.additionalProperties &&
      typeof node.additionalProperties === 'object'
    ) {
      node = node.additionalProperties as Record<string, unknown>
    } else return []
    node = resolve(node)
    // A union (auth): the member whose `type` matches the data.
    const members = (node.oneOf ?? node.anyOf) as
      Record<string, unknown>[] | undefined
    if (members) {
      const type = valueAt(data, [...keyPath.slice(0, i + 1), 'type'])
      node =
        members.map(resolve).find((m) => {
          const t = (
            m.properties as Record<string, { const?: unknown }> | undefined
          )?.type
          return t?.const === type
        }) ?? members[0]
    }
  }
  node = resolve(node)
  return Object.keys((node.properties as Record<string, unknown>) ?? {}).filter(
    (k) => k !== '$schema'
  )
}

function valueAt(data: unknown, keyPath: (string | number)[]): unknown {
  let value = data
  for (const part of keyPath) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[part]
  }
  return value
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value))
    return value.length === 0 ? 'an empty list' : 'a list'
  if (typeof value === 'object') return 'a mapping'
  // YAML's .inf and .nan are numbers that JSON cannot say.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value)
      ? '.nan (not a number)'
      : `${value > 0 ? '' : '-'}.inf (infinite)`
  }
  return `${typeof value} ${JSON.stringify(value)}`
}

function formatPath(keyPath: (string | number)[]): string {
  return keyPath.reduce<string>(
    (out, part) =>
      typeof part === 'number'
        ? `${out}[${part}]`
        : out
          ? `${out}.${part}`
          : part,
    ''
  )
}

/** Resolve a profile path inside the workspace, or say why not. */
export function resolveProfilePath(
  relative: string,
  base: string,
  workspace: string,
  /** What `relative` is relative to, in words for the message. */
  baseName = "the profile's folder"
): { path?: string; problem?: string } {
  const found = findFile(relative, base, workspace, baseName)
  return 'path' in found ? { path: found.path } : { problem: found.problem }
}
