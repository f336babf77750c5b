import * as fs from 'node:fs'
import { isObject } from './summary.js'

const SECRET_KEY =
  /token|secret|passw(or)?d|authori[sz]ation|api[-_]?key|cookie|session|credential|bearer/i
export const REDACTED = '[redacted by perf-gate]'

/**
 * k6 writes whatever `setup()` returned into summary.json's `setup_data`.
 * A script that returns its auth token from setup() would publish it in the
 * artifact; blank such values and any known secret before anything uploads.
 * Returns the paths of the values that were redacted.
 */
export function redactSetupData(
  data: Record<string, unknown>,
  secrets: readonly string[] = []
): string[] {
  if (!('setup_data' in data)) return []
  const redacted: string[] = []
  data.setup_data = redactValue(
    data.setup_data,
    'setup_data',
    false,
    secrets,
    redacted
  )
  return redacted
}

function redactValue(
  value: unknown,
  at: string,
  secretKey: boolean,
  secrets: readonly string[],
  redacted: string[]
): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) =>
      redactValue(v, `${at}[${i}]`, secretKey, secrets, redacted)
    )
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = redactValue(
        v,
        `${at}.${k}`,
        secretKey || SECRET_KEY.test(k),
        secrets,
        redacted
      )
    }
    return out
  }
  if (typeof value === 'string') {
    const leaks = secrets.some((s) => s.length >= 4 && value.includes(s))
    if (secretKey || leaks || tokenShaped(value)) {
      redacted.push(at)
      return REDACTED
    }
  }
  return value
}

/**
 * A string that is a credential by its shape, whatever key holds it (or
 * none: setup() may return a bare token): a JWT, a `Bearer …` value, or a
 * long run of token characters mixing letters and digits.
 */
export function tokenShaped(value: string): boolean {
  const v = value.trim()
  if (/^eyJ[\w-]+\.[\w-]+\.[\w-]*$/.test(v)) return true
  if (/^(bearer|basic|token)\s+\S{8,}$/i.test(v)) return true
  return (
    v.length >= 24 &&
    /^[\w\-.+/=~]+$/.test(v) &&
    /[0-9]/.test(v) &&
    /[a-z]/i.test(v)
  )
}

/** Redact summary.json in place; returns what was redacted. */
export function redactSummaryFile(
  file: string,
  secrets: readonly string[] = []
): string[] {
  let data: unknown
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return []
  }
  if (!isObject(data)) return []
  const redacted = redactSetupData(data, secrets)
  if (redacted.length > 0) {
    fs.writeFileSync(file, `${JSON.stringify(data, null, 4)}\n`)
  }
  return redacted
}
