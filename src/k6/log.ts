import { workspacePrefixes } from '../shared/paths.js'

/**
 * k6 logs to stderr in logfmt (`time="…" level=error msg="…" source=stacktrace`).
 * A run can log millions of lines (one per failed request), so the digest
 * keeps counts and a bounded number of examples, never the lines themselves.
 */

/** Parse one logfmt line into its key/value pairs. */
export function parseLogfmt(line: string): Record<string, string> {
  const fields: Record<string, string> = {}
  let i = 0
  const n = line.length
  while (i < n) {
    while (i < n && line[i] === ' ') i++
    const keyStart = i
    while (i < n && line[i] !== '=' && line[i] !== ' ') i++
    const key = line.slice(keyStart, i)
    if (!key) break
    if (line[i] !== '=') {
      fields[key] = ''
      continue
    }
    i++
    let value = ''
    if (line[i] === '"') {
      i++
      while (i < n && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < n) {
          const next = line[++i]
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next
        } else {
          value += line[i]
        }
        i++
      }
      i++
    } else {
      const valueStart = i
      while (i < n && line[i] !== ' ') i++
      value = line.slice(valueStart, i)
    }
    fields[key] = value
  }
  return fields
}

/** An exception thrown inside an iteration, as k6 logged it. */
export interface IterationError {
  /** First line of the message, e.g. `ReferenceError: x is not defined`. */
  message: string
  /** Where it was thrown, when the stack names a script position. */
  location?: { file: string; line: number; column: number }
  count: number
}

export interface StderrDigest {
  lines: number
  /** Exceptions inside iterations: k6 still exits 0 after these. */
  iterationErrors: number
  /** The first distinct exception messages, with how often each occurred. */
  firstIterationErrors: IterationError[]
  /** Failed requests (`msg="Request Failed"`) counted by error text. */
  requestFailures: Record<string, number>
  /** Other `level=error` messages, the last few kept. */
  errors: string[]
}

const MAX_EXAMPLES = 5
const MAX_ERROR_KINDS = 50
const MAX_ERRORS_KEPT = 10

/** A digest of a stderr with nothing in it. */
export function emptyStderr(): StderrDigest {
  return {
    lines: 0,
    iterationErrors: 0,
    firstIterationErrors: [],
    requestFailures: {},
    errors: []
  }
}

export class StderrAnalyser {
  private readonly digest: StderrDigest = emptyStderr()
  private requestFailureKinds = 0

  push(line: string): void {
    if (!line) return
    this.digest.lines++
    // Cheap pre-filter: most lines in a long run are request warnings.
    if (!line.includes('level=')) return
    const fields = parseLogfmt(line)
    const msg = fields.msg ?? ''
    if (fields.source === 'stacktrace') {
      this.addIterationError(msg)
    } else if (msg === 'Request Failed') {
      this.addRequestFailure(fields.error ?? 'unknown error')
    } else if (fields.level === 'error') {
      // `error=` carries the real cause when msg is generic; `hint=` what
      // to do (setup timeouts name the option).
      const text =
        (fields.error ? `${msg}: ${fields.error}` : msg) +
        (fields.hint ? ` (${fields.hint})` : '')
      this.digest.errors.push(text)
      if (this.digest.errors.length > MAX_ERRORS_KEPT)
        this.digest.errors.shift()
    }
  }

  result(): StderrDigest {
    return this.digest
  }

  private addIterationError(msg: string): void {
    this.digest.iterationErrors++
    const message = msg.split('\n')[0].trim()
    const known = this.digest.firstIterationErrors.find(
      (e) => e.message === message
    )
    if (known) {
      known.count++
    } else if (this.digest.firstIterationErrors.length < MAX_EXAMPLES) {
      this.digest.firstIterationErrors.push({
        message,
        location: stackLocation(msg),
        count: 1
      })
    }
  }

  private addRequestFailure(error: string): void {
    const kind = requestFailureKind(error)
    const failures = this.digest.requestFailures
    if (failures[kind] === undefined) {
      if (this.requestFailureKinds >= MAX_ERROR_KINDS) {
        failures.other = (failures.other ?? 0) + 1
        return
      }
      this.requestFailureKinds++
      failures[kind] = 0
    }
    failures[kind]++
  }
}

/**
 * `Get "http://h/x": dial tcp 127.0.0.1:1: connect: connection refused`
 * → `connection refused`: group failures by cause, not by URL.
 */
export function requestFailureKind(error: string): string {
  const withoutRequest = error.replace(/^[A-Z]+ "[^"]*": /, '')
  const parts = withoutRequest.split(': ')
  return parts[parts.length - 1].trim() || withoutRequest
}

/**
 * A k6 message for a headline: its first line (no Go or JS stack), paths
 * inside the workspace made relative (`file:///home/runner/work/app/app/x.js`
 * → `x.js`, `file:///D:/a/app/app/x.js` on Windows), at most `max` characters.
 */
export function k6MessageLine(
  message: string,
  workspace?: string,
  max = 300,
  platform: NodeJS.Platform = process.platform
): string {
  let line = message.split('\n')[0].trim()
  if (workspace) {
    for (const prefix of workspacePrefixes(workspace, platform)) {
      line = line.split(prefix).join('')
    }
  }
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** `at default (file:///x/script.js:3:51(2))` → the script position. */
export function stackLocation(
  msg: string
): IterationError['location'] | undefined {
  const match = /\bat [^\n]*?\((?:file:\/\/)?([^\n()]+?):(\d+):(\d+)/.exec(msg)
  if (!match) return undefined
  return {
    file: match[1],
    line: Number(match[2]),
    column: Number(match[3])
  }
}
