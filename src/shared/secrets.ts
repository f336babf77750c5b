import * as fs from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import { isGzipFile } from './files.js'

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

/** The forms a secret takes in a file: as it is, JSON-escaped, URL-encoded. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>()
  for (const secret of secrets) {
    forms.add(secret)
    forms.add(JSON.stringify(secret).slice(1, -1))
    forms.add(encodeURIComponent(secret))
  }
  return [...forms].sort((a, b) => b.length - a.length)
}

/**
 * Whether bytes streaming by hold a secret in any form: fed the bytes the
 * results analyser reads (decompressed, when k6 wrote gzip), so a file
 * found clean needs no second pass before it is uploaded.
 */
export class SecretScan {
  private readonly needles: Buffer[]
  private readonly overlap: number
  private tail: Buffer = Buffer.alloc(0)
  found = false

  constructor(secrets: readonly string[]) {
    this.needles = secretForms(secrets).map((f) => Buffer.from(f))
    this.overlap = Math.max(0, ...this.needles.map((n) => n.length - 1))
  }

  push(chunk: Buffer): void {
    if (this.found || this.needles.length === 0) return
    // A secret split between two chunks: the previous tail and this head.
    if (this.tail.length > 0) {
      const seam = Buffer.concat([this.tail, chunk.subarray(0, this.overlap)])
      if (this.needles.some((n) => seam.includes(n))) {
        this.found = true
        return
      }
    }
    if (this.needles.some((n) => chunk.includes(n))) {
      this.found = true
      return
    }
    const last =
      chunk.length >= this.overlap ? chunk : Buffer.concat([this.tail, chunk])
    this.tail = Buffer.from(
      last.subarray(Math.max(0, last.length - this.overlap))
    )
  }
}

/** Replaces every known secret, in text and in JSON that holds it escaped. */
export class Redactor {
  private readonly forms: string[]

  constructor(readonly secrets: readonly string[]) {
    this.forms = secretForms(secrets)
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
   * A file k6 wrote, plain or gzip (k6 writes results.json.gz), masked in
   * place when it holds a secret; a gigabyte of JSON is never held at
   * once. Returns whether it was rewritten.
   */
  async redactAnyFile(file: string, chunkBytes = 1 << 20): Promise<boolean> {
    if (this.forms.length === 0 || !fs.existsSync(file)) return false
    const gzipped = isGzipFile(file)
    // A plain file is read once first: rewritten only when it holds one.
    if (!gzipped && !(await this.holdsSecret(file, chunkBytes))) return false
    const mask = new Masking(this.forms.map((f) => Buffer.from(f)))
    const temp = `${file}.redacting`
    await pipeline([
      fs.createReadStream(file, { highWaterMark: chunkBytes }),
      ...(gzipped ? [zlib.createGunzip()] : []),
      mask,
      ...(gzipped ? [zlib.createGzip()] : []),
      fs.createWriteStream(temp)
    ])
    if (!mask.replaced) {
      fs.rmSync(temp, { force: true })
      return false
    }
    fs.renameSync(temp, file)
    return true
  }

  private async holdsSecret(file: string, chunkBytes: number) {
    const scan = new SecretScan(this.secrets)
    for await (const chunk of fs.createReadStream(file, {
      highWaterMark: chunkBytes
    })) {
      scan.push(chunk as Buffer)
      if (scan.found) break
    }
    return scan.found
  }
}

/** Every secret's forms replaced by MASK in the bytes streaming through. */
class Masking extends Transform {
  replaced = false
  private carry: Buffer = Buffer.alloc(0)
  private readonly overlap: number
  private readonly mask = Buffer.from(MASK)

  constructor(private readonly needles: Buffer[]) {
    super()
    this.overlap = Math.max(0, ...needles.map((n) => n.length - 1))
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: TransformCallback
  ): void {
    let data: Buffer = Buffer.concat([this.carry, chunk])
    for (const needle of this.needles) {
      const masked = replaceAll(data, needle, this.mask)
      if (masked !== data) this.replaced = true
      data = masked
    }
    // Keep a tail that may hold the start of a secret split in two.
    const keep = Math.min(this.overlap, data.length)
    this.push(data.subarray(0, data.length - keep))
    this.carry = Buffer.from(data.subarray(data.length - keep))
    done()
  }

  override _flush(done: TransformCallback): void {
    this.push(this.carry)
    done()
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
