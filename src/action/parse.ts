import * as fs from 'node:fs'
import * as path from 'node:path'
import { splitArgs } from '../k6/args.js'
import { OBJECTIVES } from '../profile/schema.js'
import { InputError } from '../shared/errors.js'
import { findFile, fileKind } from '../shared/files.js'
import { isInside, platformPath } from '../shared/paths.js'
import { suggest } from '../shared/suggest.js'

/**
 * The parsers of the input table (input-table.ts): each takes the input's
 * name and its text (the default already in place) and returns the value,
 * or throws an InputError that names the input and says what to write.
 */

export function parseBoolean(name: string, value: string): boolean {
  if (/^(true|True|TRUE)$/.test(value)) return true
  if (/^(false|False|FALSE)$/.test(value)) return false
  throw new InputError(name, `'${value}' is not a boolean: use true or false.`)
}

export function parseChoice<T extends string>(
  name: string,
  value: string,
  choices: readonly T[]
): T {
  if ((choices as readonly string[]).includes(value)) return value as T
  throw new InputError(
    name,
    `'${value}' is not one of ${choices.map((c) => `'${c}'`).join(', ')}.`
  )
}

export function parseCount(name: string, value: string, max = 1000): number {
  const n = Number(value.replace(/_/g, ''))
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new InputError(
      name,
      `'${value}' is not a whole number from 1 to ${max.toLocaleString('en-US')}.`
    )
  }
  return n
}

/** An optional number from `min` to `max`. */
export function parseNumber(
  name: string,
  value: string,
  min: number,
  max: number
): number | undefined {
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
export function parseFactor(
  name: string,
  value: string,
  example: string
): number | undefined {
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
export function parseTimeout(name: string, value: string): number {
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
export function parseMaxDuration(name: string, value: string): number {
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

/** What each share input means, for its message. */
const SHARE_MEANING: Record<string, string> = {
  'regression-noise': 'the run-to-run variation of your runners',
  'error-guard':
    "the share of failed requests above which a run fails; 'off' turns the guard off"
}

/** A share such as `0.08` or `8%`, above 0 and at most 1. */
export function parseShare(name: string, value: string): number | undefined {
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

/** A share, or `off`. */
export function parseGuard(name: string, value: string): number | undefined {
  if (/^(off|false|none)$/i.test(value)) return undefined
  return parseShare(name, value)
}

/** A branch name git accepts (the common subset of git check-ref-format). */
export function parseBranch(name: string, value: string): string {
  if (
    !/^[A-Za-z0-9._/-]+$/.test(value) ||
    /(^[/.-])|([/.]$)|\.\.|\/\/|\.lock$/.test(value)
  ) {
    throw new InputError(
      name,
      `'${value}' is not a usable branch name: use letters, digits, '.', '_', '-' and '/', such as perf-gate-data.`
    )
  }
  return value
}

const VERSION = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/

/** Accept `latest`, `1.3.0` and `v1.3.0`; return `latest` or `1.3.0`. */
export function parseVersion(value: string): string {
  if (value === 'latest') return value
  const match = VERSION.exec(value)
  if (!match) {
    throw new InputError(
      'k6-version',
      `'${value}' is not a k6 version. Use 'latest' or a release such as '1.3.0'.`
    )
  }
  return match[1]
}

export function parseUrl(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
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

// Characters the artifact service rejects in a name.
const BAD_ARTIFACT_CHARS = /["':<>|*?\\/\r\n]/

export function parseArtifactName(name: string, value: string): string {
  if (/^\.*$/.test(value)) {
    throw new InputError(
      name,
      `'${value}' is not a name an artifact can have: use letters, digits, '-', '_' and '.', such as perf-gate-results.`
    )
  }
  if (BAD_ARTIFACT_CHARS.test(value)) {
    throw new InputError(
      name,
      `'${value}' contains a character artifact names cannot hold (" ' : < > | * ? \\ /): use letters, digits, '-', '_' and '.'.`
    )
  }
  return value
}

/**
 * The objective input: one of the seven. Without a profile it names the
 * kind of run for the baseline and the comment; a free word would start a
 * history of its own by accident.
 */
export function parseObjective(
  name: string,
  value: string
): string | undefined {
  if (!value) return undefined
  if (!(OBJECTIVES as readonly string[]).includes(value)) {
    throw new InputError(
      name,
      `'${value}' is not an objective: use one of ${OBJECTIVES.join(', ')}` +
        suggest(value, OBJECTIVES) +
        ' (to keep separate baselines or comments, give each step its own artifact-name and comment-key).'
    )
  }
  return value
}

const COMMENT_POLICIES = ['always', 'on-change', 'on-failure', 'never'] as const
export type CommentPolicy = (typeof COMMENT_POLICIES)[number]

/** `always`, `on-change`, `on-failure`, `never`; `true`/`false` as before. */
export function parseCommentPolicy(name: string, value: string): CommentPolicy {
  if (/^(true|True|TRUE)$/.test(value)) return 'always'
  if (/^(false|False|FALSE)$/.test(value)) return 'never'
  if ((COMMENT_POLICIES as readonly string[]).includes(value)) {
    return value as CommentPolicy
  }
  throw new InputError(
    name,
    `'${value}' is not one of ${COMMENT_POLICIES.map((c) => `'${c}'`).join(', ')} (true and false still mean always and never).`
  )
}

/**
 * The comment key goes into an HTML comment in the pull request comment:
 * printable, short, and never `--` (which would end it).
 */
export function parseCommentKey(
  name: string,
  value: string
): string | undefined {
  if (!value) return undefined
  if (
    value.length > 100 ||
    !/^[\x20-\x7e]+$/.test(value) ||
    /--|>/.test(value)
  ) {
    throw new InputError(
      name,
      `'${value}' cannot key a comment: use up to 100 printable ASCII characters without '--' or '>', such as k6-1.6.1.`
    )
  }
  return value
}

export type StartAt =
  | { at: Date }
  /** Seconds after this workflow run (attempt) started, read from the API. */
  | { afterRunStartS: number }

/** The most a shard waits for its common start. */
const MAX_START_WAIT_S = 3600

/** An ISO 8601 instant with its zone, or `+2m`: after the run started. */
export function parseStartAt(name: string, value: string): StartAt | undefined {
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
    name,
    `'${value}' is not a start: give an instant with its zone (2026-12-01T10:00:00Z), or +2m for two minutes after this workflow run started (at most +60m).`
  )
}

/** Flags perf-gate sets itself; a second copy in `k6-args` would fight it. */
const RESERVED_K6_FLAGS = ['--summary-export']
/** k6 outputs that write a file: it must stay in the workspace, as ours do. */
const FILE_OUTPUTS = /^(json|csv|web-dashboard)=/

export function parseK6Args(
  value: string,
  workingDirectory = process.cwd(),
  workspace = workingDirectory,
  platform: NodeJS.Platform = process.platform
): string[] {
  let args: string[]
  try {
    args = splitArgs(value, platform)
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
      const resolved = platformPath(platform).resolve(workingDirectory, file)
      if (!isInside(resolved, workspace, platform)) {
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
 * Resolve `value` against `base` and refuse anything that leaves the
 * workspace: results written outside it are lost with the runner.
 */
export function resolveInside(
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

export function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory()
  } catch {
    return false
  }
}

/** A folder inside the workspace, created later when missing. */
export function parseFolder(
  name: string,
  value: string,
  base: string,
  workspace: string
): string {
  const dir = resolveInside(name, value, base, workspace)
  if (fs.existsSync(dir) && !isDirectory(dir)) {
    throw new InputError(
      name,
      `${dir} is ${fileKind(fs.statSync(dir))}, not a directory: name a directory (it is created when missing).`
    )
  }
  return dir
}

/** The user's own k6 script: a regular file inside the workspace. */
export function parseScript(
  name: string,
  value: string,
  workingDirectory: string,
  workspace: string
): string | undefined {
  if (!value) return undefined
  const found = findFile(
    value,
    workingDirectory,
    workspace,
    'working-directory',
    'the script file, such as perf/load.js'
  )
  if ('problem' in found) throw new InputError(name, `${found.problem}.`)
  return found.path
}

export function parseK6Path(
  name: string,
  value: string,
  workingDirectory: string
): string | undefined {
  if (!value) return undefined
  const k6Path = path.resolve(workingDirectory, value)
  try {
    fs.accessSync(k6Path, fs.constants.X_OK)
  } catch {
    const why = fs.existsSync(k6Path) ? 'is not executable' : 'does not exist'
    throw new InputError(
      name,
      `${k6Path} ${why}. Point it at a k6 binary, or remove it to let perf-gate install k6.`
    )
  }
  if (!fs.statSync(k6Path).isFile()) {
    throw new InputError(
      name,
      `${k6Path} is a directory: point it at the k6 binary in it, or remove it to let perf-gate install k6.`
    )
  }
  return k6Path
}
