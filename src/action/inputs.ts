import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { InputError } from '../shared/errors.js'
import { splitArgs } from '../k6/args.js'
import { suggest } from '../shared/suggest.js'
import { OBJECTIVES } from '../profile/schema.js'
import { isInside } from '../shared/paths.js'
import { findFile } from '../shared/files.js'

export const DEFAULT_DOWNLOAD_URL =
  'https://github.com/grafana/k6/releases/download'

/** Everything the action was asked to do, validated, with absolute paths. */
export interface Inputs {
  /** Absolute path of the k6 script, when `script` was given. */
  script?: string
  /** `latest` or a bare semantic version such as `1.3.0`. */
  k6Version: string
  /** Absolute path of a k6 binary to use instead of installing one. */
  k6Path?: string
  k6DownloadUrl: string
  k6Args: string[]
  workspace: string
  workingDirectory: string
  resultsDir: string
  uploadArtifacts: boolean
  /** k6's web dashboard exported as a self-contained HTML report. */
  htmlReport: boolean
  /** perf-gate-junit.xml: a test case per threshold and judged regression. */
  junit: boolean
  artifactName: string
  githubToken: string
  failOnIterationErrors: boolean
  /** Absolute path of the profile, when the file exists. */
  profile?: string
  /** The profile as the user named it. */
  profileLabel: string
  /** The profile input was given (not the default path). */
  profileGiven?: boolean
  baseUrl?: string
  /** Paired A/B: the reference the change is measured against. */
  referenceUrl?: string
  objective?: string
  generateOnly: boolean
  baseline: BaselineInputs
  failOnRegression: boolean
  /** Latency changes smaller than this (ms) never count as regressions. */
  regressionFloorMs?: number
  /** Run-to-run variation assumed until the history measures it. */
  regressionNoise?: number
  waiverLabel: string
  /** When the pull request comment is posted or updated. */
  commentOnPr: CommentPolicy
  /** Set: this step's comment key; else one made of the job and the script. */
  commentKey?: string
  /** The network steps after k6 together: baseline, artifact, comment. */
  publishTimeoutMs: number
  /** The most a profile's plan may send: iterations/s and VUs at its peak. */
  maxRps: number
  maxVus: number
  /** The longest a profile's plan may run, in seconds. */
  maxDurationS: number
  /** Scale a profile's plan: every rate and VU count, every duration. */
  loadFactor?: number
  durationFactor?: number
  /** `2/3` (or `2` with a profile's `shards:`): run one execution segment. */
  shard?: string
  /** When the shards start together: an instant, or after the run started. */
  startAt?: StartAt
  /** Merge this workflow run's shard artifacts instead of running k6. */
  merge: boolean
  /** Merge the shard files in this folder instead (a k6-operator run's). */
  shardsDir?: string
  /**
   * Without a threshold of the script's on http_req_failed, a run fails
   * when more than this share of requests failed; undefined: off.
   */
  errorGuard?: number
}

export type StartAt =
  | { at: Date }
  /** Seconds after this workflow run (attempt) started, read from the API. */
  | { afterRunStartS: number }

const COMMENT_POLICIES = ['always', 'on-change', 'on-failure', 'never'] as const
export type CommentPolicy = (typeof COMMENT_POLICIES)[number]

export interface BaselineInputs {
  store: 'branch' | 'artifact' | 'none'
  branch: string
  keep: number
  update: 'auto' | 'always' | 'never'
}

export const DEFAULT_PROFILE = '.github/perf-gate.yml'

/** Flags perf-gate sets itself; a second copy in `k6-args` would fight it. */
const RESERVED_K6_FLAGS = ['--summary-export']

const VERSION = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/
// Characters the artifact service rejects in a name.
const BAD_ARTIFACT_CHARS = /["':<>|*?\\/\r\n]/

/** Read and validate every input. Each error names the input it is about. */
export function getInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd())

  const githubToken = core.getInput('github-token')
  if (githubToken) core.setSecret(githubToken)

  const workingDirectory = resolveInside(
    'working-directory',
    core.getInput('working-directory') || '.',
    workspace,
    workspace
  )
  if (!isDirectory(workingDirectory)) {
    throw new InputError(
      'working-directory',
      `${workingDirectory} is not a directory: name a directory inside the workspace (the default is the workspace itself).`
    )
  }
  const resultsDir = resolveInside(
    'results-dir',
    core.getInput('results-dir') || 'perf-gate-results',
    workingDirectory,
    workspace
  )
  if (fs.existsSync(resultsDir) && !isDirectory(resultsDir)) {
    throw new InputError(
      'results-dir',
      `${resultsDir} is a file, not a directory: name a directory (it is created when missing).`
    )
  }

  return {
    script: readScript(workingDirectory, workspace),
    k6Version: parseVersion(core.getInput('k6-version') || 'latest'),
    k6Path: readK6Path(workingDirectory),
    k6DownloadUrl: parseUrl(
      'k6-download-url',
      core.getInput('k6-download-url') || DEFAULT_DOWNLOAD_URL
    ),
    k6Args: parseK6Args(core.getInput('k6-args'), workingDirectory, workspace),
    workspace,
    workingDirectory,
    resultsDir,
    uploadArtifacts: parseBoolean('upload-artifacts', true),
    htmlReport: parseBoolean('html-report', true),
    junit: parseBoolean('junit', true),
    artifactName: parseArtifactName(
      core.getInput('artifact-name') || 'perf-gate-results'
    ),
    githubToken,
    failOnIterationErrors: parseBoolean('fail-on-iteration-errors', true),
    ...readProfile(workspace),
    baseUrl: readBaseUrl(),
    referenceUrl: readReferenceUrl(),
    objective: parseObjective(),
    generateOnly: parseBoolean('generate-only', false),
    baseline: {
      store: parseChoice('baseline', ['branch', 'artifact', 'none'], 'branch'),
      branch: parseBranch(core.getInput('baseline-branch') || 'perf-gate-data'),
      keep: parseCount('baseline-keep', 30),
      update: parseChoice(
        'update-baseline',
        ['auto', 'always', 'never'],
        'auto'
      )
    },
    failOnRegression: parseBoolean('fail-on-regression', true),
    regressionFloorMs: parseNumber('regression-floor-ms', 0, 60_000),
    regressionNoise: parseShare('regression-noise'),
    waiverLabel:
      core.getInput('waiver-label').trim() || 'perf-gate:accept-regression',
    commentOnPr: parseCommentPolicy(),
    commentKey: parseCommentKey(),
    publishTimeoutMs: parseTimeout('publish-timeout', 180),
    errorGuard: parseGuard('error-guard', 0.1),
    maxRps: parseCount('max-rps', 1000, 1_000_000),
    maxVus: parseCount('max-vus', 1000, 1_000_000),
    maxDurationS: parseMaxDuration('max-duration', 6 * 3600),
    loadFactor: parseFactor('load-factor', '0.1 for a tenth of the load'),
    durationFactor: parseFactor('duration-factor', '2 to run twice as long'),
    ...readSharding(
      workingDirectory,
      workspace,
      parseVersion(core.getInput('k6-version') || 'latest')
    )
  }
}

function readSharding(
  workingDirectory: string,
  workspace: string,
  k6Version: string
): Pick<Inputs, 'shard' | 'startAt' | 'merge' | 'shardsDir'> {
  const shard = core.getInput('shard').trim() || undefined
  const merge = parseBoolean('merge', false)
  const dirInput = core.getInput('shards-dir').trim()
  let shardsDir: string | undefined
  if (dirInput) {
    if (!merge) {
      throw new InputError(
        'shards-dir',
        'only applies to a merge: set merge: true in the step that judges the shards.'
      )
    }
    shardsDir = resolveInside(
      'shards-dir',
      dirInput,
      workingDirectory,
      workspace
    )
    if (!isDirectory(shardsDir)) {
      throw new InputError(
        'shards-dir',
        `${dirInput} is not a directory: copy the runners' files there first (USAGE.md of generate-only says how).`
      )
    }
    if (k6Version === 'latest') {
      throw new InputError(
        'k6-version',
        "is latest, and shards-dir's files do not say which k6 wrote them: name the version the runners ran (their image's tag), such as 1.3.0."
      )
    }
  }
  const startAt = parseStartAt(core.getInput('start-at').trim())
  if (merge && shard) {
    throw new InputError(
      'merge',
      `is true in a step that is also shard ${shard}: run the shards in a matrix job, and merge in a job that needs it.`
    )
  }
  if (merge && parseBoolean('generate-only', false)) {
    throw new InputError(
      'merge',
      'cannot be combined with generate-only: a merge reads the shards of a run that happened.'
    )
  }
  if (startAt && !shard) {
    throw new InputError(
      'start-at',
      'only applies to a shard (input shard): a run on one machine starts when it is ready.'
    )
  }
  return { shard, startAt, merge, shardsDir }
}

/** The most a shard waits for its common start. */
const MAX_START_WAIT_S = 3600

/** An ISO 8601 instant with its zone, or `+2m`: after the run started. */
function parseStartAt(value: string): StartAt | undefined {
  if (value === '') return undefined
  const relative = /^\+(\d+(?:\.\d+)?)(s|m)?$/.exec(value)
  if (relative) {
    const seconds = Number(relative[1]) * (relative[2] === 'm' ? 60 : 1)
    if (seconds <= MAX_START_WAIT_S) return { afterRunStartS: seconds }
  }
  const absolute =
    /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)
      ? new Date(value)
      : undefined
  if (absolute && Number.isFinite(absolute.getTime())) return { at: absolute }
  throw new InputError(
    'start-at',
    `'${value}' is not a start: give an instant with its zone (2026-12-01T10:00:00Z), or +2m for two minutes after this workflow run started (at most +60m).`
  )
}

function parseChoice<T extends string>(
  name: string,
  choices: readonly T[],
  defaultValue: T
): T {
  const value = core.getInput(name).trim()
  if (value === '') return defaultValue
  if ((choices as readonly string[]).includes(value)) return value as T
  throw new InputError(
    name,
    `'${value}' is not one of ${choices.map((c) => `'${c}'`).join(', ')}.`
  )
}

/** `always`, `on-change`, `on-failure`, `never`; `true`/`false` as before. */
function parseCommentPolicy(): CommentPolicy {
  const value = core.getInput('comment-on-pr').trim()
  if (/^(true|True|TRUE)$/.test(value)) return 'always'
  if (/^(false|False|FALSE)$/.test(value)) return 'never'
  if (value === '') return 'always'
  if ((COMMENT_POLICIES as readonly string[]).includes(value)) {
    return value as CommentPolicy
  }
  throw new InputError(
    'comment-on-pr',
    `'${value}' is not one of ${COMMENT_POLICIES.map((c) => `'${c}'`).join(', ')} (true and false still mean always and never).`
  )
}

function parseCount(name: string, defaultValue: number, max = 1000): number {
  const value = core.getInput(name).trim()
  if (value === '') return defaultValue
  const n = Number(value.replace(/_/g, ''))
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new InputError(
      name,
      `'${value}' is not a whole number from 1 to ${max.toLocaleString('en-US')}.`
    )
  }
  return n
}

/** An optional number from `min` to `max`, or undefined when not given. */
function parseNumber(
  name: string,
  min: number,
  max: number
): number | undefined {
  const value = core.getInput(name).trim()
  if (value === '') return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new InputError(
      name,
      `'${value}' is not a number from ${min} to ${max}.`
    )
  }
  return n
}

/** A scale factor: above 0, at most 100; undefined when not given. */
function parseFactor(name: string, example: string): number | undefined {
  const value = core.getInput(name).trim()
  if (value === '') return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 100) {
    throw new InputError(
      name,
      `'${value}' is not a factor: give a number above 0 and at most 100 (${example}).`
    )
  }
  return n
}

/** Seconds, bare or as a duration (`90s`, `3m`), from 1 s to 1 h, in ms. */
function parseTimeout(name: string, defaultSeconds: number): number {
  const value = core.getInput(name).trim()
  if (value === '') return defaultSeconds * 1000
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(value)
  const seconds = match
    ? Number(match[1]) * (match[2] === 'm' ? 60 : 1)
    : Number.NaN
  if (!(seconds >= 1 && seconds <= 3600)) {
    throw new InputError(
      name,
      `'${value}' is not a time from 1 s to 1 h: write seconds (180) or a duration (90s, 3m).`
    )
  }
  return seconds * 1000
}

/** A duration (`90m`, `6h`, or seconds), from 1 s to 72 h, in seconds. */
function parseMaxDuration(name: string, defaultSeconds: number): number {
  const value = core.getInput(name).trim()
  if (value === '') return defaultSeconds
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value)
  const seconds = match
    ? Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] ?? 's'] ?? 1)
    : Number.NaN
  if (!(seconds >= 1 && seconds <= 72 * 3600)) {
    throw new InputError(
      name,
      `'${value}' is not a duration from 1 s to 72 h: write 90m, 6h, or seconds (5400).`
    )
  }
  return seconds
}

/** A share, or `off`. */
function parseGuard(name: string, defaultValue: number): number | undefined {
  const value = core.getInput(name).trim()
  if (value === '') return defaultValue
  if (/^(off|false|none)$/i.test(value)) return undefined
  return parseShare(name, value)
}

/** What each share input means, for its message. */
const SHARE_MEANING: Record<string, string> = {
  'regression-noise': 'the run-to-run variation of your runners',
  'error-guard':
    "the share of failed requests above which a run fails; 'off' turns the guard off"
}

/** A share such as `0.08` or `8%`, above 0 and at most 1. */
function parseShare(name: string, given?: string): number | undefined {
  const value = given ?? core.getInput(name).trim()
  if (value === '') return undefined
  const percent = value.endsWith('%')
  const n = Number(percent ? value.slice(0, -1) : value) / (percent ? 100 : 1)
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    throw new InputError(
      name,
      `'${value}' is not a share above 0 and at most 1: write it as 0.08 or 8% (${SHARE_MEANING[name] ?? name}).`
    )
  }
  return n
}

/** A branch name git accepts (the common subset of git check-ref-format). */
function parseBranch(value: string): string {
  const branch = value.trim()
  if (
    !/^[A-Za-z0-9._/-]+$/.test(branch) ||
    /(^[/.-])|([/.]$)|\.\.|\/\/|\.lock$/.test(branch)
  ) {
    throw new InputError(
      'baseline-branch',
      `'${value}' is not a usable branch name: use letters, digits, '.', '_', '-' and '/', such as perf-gate-data.`
    )
  }
  return branch
}

function readProfile(workspace: string): {
  profile?: string
  profileLabel: string
  profileGiven?: boolean
} {
  const given = core.getInput('profile').trim()
  const label = given || DEFAULT_PROFILE
  const profile = resolveInside('profile', label, workspace, workspace)
  let exists = false
  try {
    fs.lstatSync(profile)
    exists = true
  } catch {
    // not there
  }
  if (exists) {
    const found = findFile(
      label,
      workspace,
      workspace,
      'the workspace',
      "the profile's YAML file, such as .github/perf-gate.yml"
    )
    if ('problem' in found) throw new InputError('profile', `${found.problem}.`)
    return {
      profile: found.path,
      profileLabel: label,
      // action.yml's default arrives as if given: only another path is.
      ...(given && given !== DEFAULT_PROFILE ? { profileGiven: true } : {})
    }
  }
  if (given && given !== DEFAULT_PROFILE) {
    throw new InputError(
      'profile',
      `file not found: ${given} (looked for ${profile}): give a path relative to the workspace.`
    )
  }
  return { profileLabel: label }
}

function readReferenceUrl(): string | undefined {
  const value = core.getInput('reference-url').trim()
  if (!value) return undefined
  const url = parseUrl('reference-url', value)
  if (core.getInput('shard').trim() || parseBoolean('merge', false)) {
    throw new InputError(
      'reference-url',
      'pairs a run on one runner (both targets under the same load at the same moments): leave out shard and merge.'
    )
  }
  return url
}

function readBaseUrl(): string | undefined {
  const value = core.getInput('base-url').trim()
  return value ? parseUrl('base-url', value) : undefined
}

function readScript(
  workingDirectory: string,
  workspace: string
): string | undefined {
  const given = core.getInput('script')
  if (!given) return undefined
  const found = findFile(
    given,
    workingDirectory,
    workspace,
    'working-directory',
    'the script file, such as perf/load.js'
  )
  if ('problem' in found) throw new InputError('script', `${found.problem}.`)
  return found.path
}

function readK6Path(workingDirectory: string): string | undefined {
  const given = core.getInput('k6-path')
  if (!given) return undefined
  const k6Path = path.resolve(workingDirectory, given)
  try {
    fs.accessSync(k6Path, fs.constants.X_OK)
  } catch {
    const why = fs.existsSync(k6Path) ? 'is not executable' : 'does not exist'
    throw new InputError(
      'k6-path',
      `${k6Path} ${why}. Point it at a k6 binary, or remove it to let perf-gate install k6.`
    )
  }
  if (!fs.statSync(k6Path).isFile()) {
    throw new InputError(
      'k6-path',
      `${k6Path} is a directory: point it at the k6 binary in it, or remove it to let perf-gate install k6.`
    )
  }
  return k6Path
}

/** Accept `latest`, `1.3.0` and `v1.3.0`; return `latest` or `1.3.0`. */
export function parseVersion(value: string): string {
  const trimmed = value.trim()
  if (trimmed === 'latest') return trimmed
  const match = VERSION.exec(trimmed)
  if (!match) {
    throw new InputError(
      'k6-version',
      `'${value}' is not a k6 version. Use 'latest' or a release such as '1.3.0'.`
    )
  }
  return match[1]
}

/** k6 outputs that write a file: it must stay in the workspace, as ours do. */
const FILE_OUTPUTS = /^(json|csv|web-dashboard)=/

export function parseK6Args(
  value: string,
  workingDirectory = process.cwd(),
  workspace = workingDirectory
): string[] {
  let args: string[]
  try {
    args = splitArgs(value)
  } catch (error) {
    throw new InputError(
      'k6-args',
      `${(error as Error).message}. Close the quote, or escape it with a backslash.`
    )
  }
  args.forEach((arg, i) => {
    const flag = arg.split('=')[0]
    if (RESERVED_K6_FLAGS.includes(flag)) {
      throw new InputError(
        'k6-args',
        `${flag} is set by perf-gate (see the summary-path output); remove it.`
      )
    }
    // --out json=FILE (or -o, --out=…): a file k6 writes.
    const out =
      arg === '--out' || arg === '-o'
        ? args[i + 1]
        : /^(--out|-o)=/.test(arg)
          ? arg.slice(arg.indexOf('=') + 1)
          : undefined
    if (out && FILE_OUTPUTS.test(out)) {
      const file = out.slice(out.indexOf('=') + 1).split(',')[0]
      const resolved = path.resolve(workingDirectory, file)
      if (!isInside(resolved, workspace)) {
        throw new InputError(
          'k6-args',
          `--out ${out} writes ${resolved}, outside the workspace ${workspace}: results written there are lost with the runner. Write inside the workspace.`
        )
      }
    }
  })
  return args
}

/**
 * The objective input: one of the seven. Without a profile it names the
 * kind of run for the baseline and the comment; a free word would start a
 * history of its own by accident.
 */
function parseObjective(): string | undefined {
  const value = core.getInput('objective').trim()
  if (!value) return undefined
  if (!(OBJECTIVES as readonly string[]).includes(value)) {
    throw new InputError(
      'objective',
      `'${value}' is not an objective: use one of ${OBJECTIVES.join(', ')}` +
        suggest(value, OBJECTIVES) +
        ' (to keep separate baselines or comments, give each step its own artifact-name and comment-key).'
    )
  }
  return value
}

/**
 * The comment key goes into an HTML comment in the pull request comment:
 * printable, short, and never `--` (which would end it).
 */
function parseCommentKey(): string | undefined {
  const value = core.getInput('comment-key').trim()
  if (!value) return undefined
  if (
    value.length > 100 ||
    !/^[\x20-\x7e]+$/.test(value) ||
    /--|>/.test(value)
  ) {
    throw new InputError(
      'comment-key',
      `'${value}' cannot key a comment: use up to 100 printable ASCII characters without '--' or '>', such as k6-1.6.1.`
    )
  }
  return value
}

/**
 * A strict boolean: `core.getBooleanInput` throws a two-line message that
 * does not say what to write instead.
 */
export function parseBoolean(name: string, defaultValue: boolean): boolean {
  const value = core.getInput(name).trim()
  if (value === '') return defaultValue
  if (/^(true|True|TRUE)$/.test(value)) return true
  if (/^(false|False|FALSE)$/.test(value)) return false
  throw new InputError(name, `'${value}' is not a boolean: use true or false.`)
}

function parseUrl(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new InputError(
      name,
      `'${value}' is not a URL: write it as https://host (with a port if it needs one).`
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(
      name,
      `'${value}' is not an http(s) URL: write it as https://host.`
    )
  }
  return url.href.replace(/\/+$/, '')
}

function parseArtifactName(value: string): string {
  const name = value.trim()
  if (/^\.*$/.test(name)) {
    throw new InputError(
      'artifact-name',
      `'${value}' is not a name an artifact can have: use letters, digits, '-', '_' and '.', such as perf-gate-results.`
    )
  }
  if (BAD_ARTIFACT_CHARS.test(name)) {
    throw new InputError(
      'artifact-name',
      `'${value}' contains a character artifact names cannot hold (" ' : < > | * ? \\ /): use letters, digits, '-', '_' and '.'.`
    )
  }
  return name
}

/**
 * Resolve `value` against `base` and refuse anything that leaves the
 * workspace: results written outside it are lost with the runner.
 */
function resolveInside(
  name: string,
  value: string,
  base: string,
  workspace: string
): string {
  const resolved = path.resolve(base, value)
  if (!isInside(resolved, workspace)) {
    throw new InputError(
      name,
      `'${value}' resolves to ${resolved}, which is outside the workspace ${workspace}. ` +
        'Use a path inside the workspace.'
    )
  }
  return resolved
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory()
  } catch {
    return false
  }
}
