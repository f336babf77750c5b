import * as fs from 'node:fs'
import * as path from 'node:path'
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
import {
  parseThresholdExpression,
  ThresholdSyntaxError
} from '../k6/thresholds.js'
import { isInside } from '../shared/paths.js'
import { OBJECTIVE_FIELDS, seconds } from './plan.js'
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

export interface LoadedProfile {
  profile: Profile
  /** The file as the user names it (workspace-relative). */
  file: string
}

/** Read, parse and validate a profile; every error names file:line:col. */
export function loadProfile(absolute: string, label: string): LoadedProfile {
  const text = fs.readFileSync(absolute, 'utf8')
  return { profile: parseProfile(text, label), file: label }
}

export function parseProfile(text: string, file: string): Profile {
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
  const data = doc.toJS() ?? {}
  const result = profileSchema.safeParse(data)
  if (!result.success) {
    const issue = result.error.issues[0]
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
  // k6's grammar, before k6 starts: a typo here would only show as exit 104.
  for (const [metric, expressions] of Object.entries(
    profile.thresholds?.k6 ?? {}
  )) {
    expressions.forEach((expression, i) => {
      checkExpression(
        expression,
        () => where(['thresholds', 'k6', metric, i]),
        file,
        `thresholds.k6.${metric}[${i}]`
      )
    })
  }
  profile.endpoints?.forEach((endpoint, e) => {
    endpoint.thresholds?.k6?.forEach((expression, i) => {
      checkExpression(
        expression,
        () => where(['endpoints', e, 'thresholds', 'k6', i]),
        file,
        `endpoints[${e}].thresholds.k6[${i}]`
      )
    })
    if (endpoint.data && !profile.data?.[endpoint.data]) {
      const pos = where(['endpoints', e, 'data'])
      throw new ProfileError(
        file,
        pos.line,
        pos.col,
        `endpoints[${e}].data`,
        `no data set named '${endpoint.data}'` +
          suggest(endpoint.data, Object.keys(profile.data ?? {}))
      )
    }
  })
  // A tolerance for an endpoint that does not exist would silently apply
  // to nothing. (With an own script the names are the script's: unchecked.)
  const endpointNames = (profile.endpoints ?? []).map((e) => e.name)
  if (endpointNames.length > 0 && !profile.script) {
    for (const name of Object.keys(profile.regression?.endpoints ?? {})) {
      if (endpointNames.includes(name)) continue
      const pos = where(['regression', 'endpoints'], name)
      throw new ProfileError(
        file,
        pos.line,
        pos.col,
        `regression.endpoints.${name}`,
        `no endpoint named '${name}'` +
          (suggest(name, endpointNames) ||
            ` (the endpoints are: ${endpointNames.join(', ')})`)
      )
    }
  }
  if (profile.think_time && profile.think_time.min > profile.think_time.max) {
    const pos = where(['think_time', 'min'])
    throw new ProfileError(
      file,
      pos.line,
      pos.col,
      'think_time',
      'min is larger than max'
    )
  }
  checkObjectives(profile, (keyPath, problem) => {
    const pos = where(keyPath.slice(0, -1), String(keyPath.at(-1)))
    throw new ProfileError(
      file,
      pos.line,
      pos.col,
      formatPath(keyPath),
      problem
    )
  })
  return profile
}

/**
 * Every field of an objective takes effect, or is an error here: a field
 * the objective does not read, two fields that say the same thing, a
 * duration of nothing.
 */
function checkObjectives(
  profile: Profile,
  fail: (keyPath: (string | number)[], problem: string) => never
): void {
  for (const objective of OBJECTIVES) {
    const override = profile.objectives?.[objective]
    if (!override) continue
    const allowed = OBJECTIVE_FIELDS[objective]
    for (const field of Object.keys(override)) {
      if (allowed.includes(field)) continue
      fail(
        ['objectives', objective, field],
        objective === 'smoke'
          ? `smoke runs a constant number of VUs for a while: set vus and duration (${field} is for rate-based objectives)`
          : `${objective} holds one rate: set rate or share, duration and vus (stages are for load, stress, spike and capacity)`
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
    if (override.duration !== undefined && !(seconds(override.duration) > 0)) {
      fail(
        ['objectives', objective, 'duration'],
        `a duration of ${override.duration} runs nothing: give one such as 30s or 5m`
      )
    }
  }
}

function checkExpression(
  expression: string,
  at: () => { line: number; col: number },
  file: string,
  keyPath: string
): void {
  try {
    parseThresholdExpression(expression)
  } catch (error) {
    if (!(error instanceof ThresholdSyntaxError)) throw error
    const pos = at()
    throw new ProfileError(file, pos.line, pos.col, keyPath, error.message)
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  data: unknown
): { keyPath: (string | number)[]; key?: string; message: string } {
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
  if (issue.code === 'invalid_union' && keyPath[0] === 'auth') {
    const typePath = keyPath.at(-1) === 'type' ? keyPath : [...keyPath, 'type']
    const got = valueAt(data, typePath)
    {
      const types = ['none', 'bearer', 'api-key', 'oauth2-client-credentials']
      return {
        keyPath: typePath,
        message:
          `expected one of ${types.join(', ')}, got ${describeValue(got)}` +
          (typeof got === 'string' ? suggest(got, types) : '')
      }
    }
  }
  return {
    keyPath,
    message: `${issue.message.replace(/^Invalid input: /, '')}`
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

export function suggest(word: string, options: readonly string[]): string {
  let best: string | undefined
  let bestDistance = Infinity
  for (const option of options) {
    const d = distance(word.toLowerCase(), option.toLowerCase())
    if (d < bestDistance) {
      best = option
      bestDistance = d
    }
  }
  return best !== undefined &&
    bestDistance <= Math.max(2, Math.floor(word.length / 3))
    ? `; did you mean '${best}'?`
    : ''
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
      previous = current
    }
  }
  return row[b.length]
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
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
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
  profileDir: string,
  workspace: string
): { path?: string; problem?: string } {
  const resolved = path.resolve(profileDir, relative)
  if (!isInside(resolved, workspace)) {
    return {
      problem: `'${relative}' resolves to ${resolved}, outside the workspace`
    }
  }
  if (!fs.existsSync(resolved))
    return { problem: `'${relative}' does not exist (looked for ${resolved})` }
  return { path: resolved }
}
