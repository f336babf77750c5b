import * as fs from 'node:fs'

/** What a secret is replaced with, as GitHub masks it in logs. */
export const MASK = '***'

/** Environment variable names whose values are credentials. */
const SECRET_NAME =
  /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)/i
/** Shorter values are not masked: `true`, `main` would be masked everywhere. */
const MIN_LENGTH = 8

function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name)
}

interface SecretSources {
  /** The github-token input. */
  githubToken?: string
  /** The step's environment: values under credential-like names. */
  env?: NodeJS.ProcessEnv
  /** Variables named by the profile's auth (token_env, key_env, …). */
  authVariables?: readonly string[]
  /** The `NAME=value` pairs k6-args gives k6 (-e, --env, in every form). */
  k6Env?: readonly { name: string; value: string }[]
  /** The base-url, reference-url and k6-download-url inputs. */
  baseUrl?: string
  referenceUrl?: string
  downloadUrl?: string
}

/** Every value perf-gate must never publish, longest first. */
export function collectSecrets(sources: SecretSources): string[] {
  const found = new Set<string>()
  const add = (value: string | undefined): void => {
    if (value && value.length >= MIN_LENGTH) found.add(value)
  }
  add(sources.githubToken)
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    if (looksSecret(name)) add(value)
  }
  for (const name of sources.authVariables ?? []) add(sources.env?.[name])
  for (const { name, value } of sources.k6Env ?? []) {
    if (looksSecret(name)) add(value)
  }
  // A URL's password, and its query values (where mirrors and gateways
  // take tokens).
  for (const url of [
    sources.baseUrl,
    sources.referenceUrl,
    sources.downloadUrl
  ]) {
    if (!url) continue
    try {
      const parsed = new URL(url)
      add(decodeURIComponent(parsed.password))
      for (const value of parsed.searchParams.values()) add(value)
    } catch {
      // Not a URL: the input's own check says so.
    }
  }
  return [...found].sort((a, b) => b.length - a.length)
}

/** Replaces every known secret, in text and in JSON that holds it escaped. */
export class Redactor {
  private readonly forms: string[]

  constructor(readonly secrets: readonly string[]) {
    const forms = new Set<string>()
    for (const secret of secrets) {
      forms.add(secret)
      forms.add(JSON.stringify(secret).slice(1, -1))
      forms.add(encodeURIComponent(secret))
    }
    this.forms = [...forms].sort((a, b) => b.length - a.length)
  }

  redact(text: string): string {
    let out = text
    for (const form of this.forms) {
      if (out.includes(form)) out = out.split(form).join(MASK)
    }
    return out
  }

  /** A value as JSON round-trips it, with every secret masked. */
  redactValue<T>(value: T): T {
    return this.forms.length
      ? (JSON.parse(this.redact(JSON.stringify(value))) as T)
      : value
  }

  /**
   * A file k6 wrote (results.json can be gigabytes), masked in place when
   * it holds a secret: scanned in pieces first, rewritten only if needed.
   * Returns whether it was rewritten.
   */
  redactFile(file: string, chunkBytes = 8 << 20): boolean {
    if (this.forms.length === 0 || !fs.existsSync(file)) return false
    const needles = this.forms.map((f) => Buffer.from(f))
    const overlap = Math.max(...needles.map((n) => n.length)) - 1
    const size = fs.statSync(file).size
    const piece = Buffer.alloc(
      Math.min(chunkBytes, Math.max(size, 1)) + overlap
    )
    const fd = fs.openSync(file, 'r')
    let found = false
    try {
      for (let at = 0; at < size && !found; at += piece.length - overlap) {
        const n = fs.readSync(fd, piece, 0, piece.length, at)
        const view = piece.subarray(0, n)
        found = needles.some((needle) => view.includes(needle))
        if (n < piece.length) break
      }
    } finally {
      fs.closeSync(fd)
    }
    if (!found) return false
    this.rewrite(file, needles, overlap, chunkBytes)
    return true
  }

  private rewrite(
    file: string,
    needles: Buffer[],
    overlap: number,
    chunkBytes: number
  ): void {
    const temp = `${file}.redacting`
    const input = fs.openSync(file, 'r')
    const output = fs.openSync(temp, 'w')
    const mask = Buffer.from(MASK)
    try {
      let carry: Buffer = Buffer.alloc(0)
      const chunk = Buffer.alloc(chunkBytes)
      for (;;) {
        const n = fs.readSync(input, chunk, 0, chunk.length, null)
        let data: Buffer = Buffer.concat([carry, chunk.subarray(0, n)])
        for (const needle of needles) data = replaceAll(data, needle, mask)
        if (n === 0) {
          fs.writeSync(output, data)
          break
        }
        // Keep a tail that may hold the start of a secret split in two.
        const keep = Math.min(overlap, data.length)
        fs.writeSync(output, data.subarray(0, data.length - keep))
        carry = Buffer.from(data.subarray(data.length - keep))
      }
    } finally {
      fs.closeSync(input)
      fs.closeSync(output)
    }
    fs.renameSync(temp, file)
  }
}

function replaceAll(data: Buffer, needle: Buffer, by: Buffer): Buffer {
  let at = data.indexOf(needle)
  if (at < 0) return data
  const parts: Buffer[] = []
  let from = 0
  while (at >= 0) {
    parts.push(data.subarray(from, at), by)
    from = at + needle.length
    at = data.indexOf(needle, from)
  }
  parts.push(data.subarray(from))
  return Buffer.concat(parts)
}
