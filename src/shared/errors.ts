/**
 * Domain errors. Each one carries a message a user can act on; `main.ts`
 * turns any of them into one `core.setFailed` line.
 */

/** An action input has a value perf-gate cannot use. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    problem: string,
    options?: ErrorOptions
  ) {
    super(`Input '${input}': ${problem}`, options)
    this.name = 'InputError'
  }
}

/** k6 could not be found, downloaded, verified or started. */
export class K6InstallError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'K6InstallError'
  }
}

/** The downloaded archive does not match the published checksum. */
export class ChecksumMismatchError extends K6InstallError {
  constructor(
    readonly asset: string,
    readonly expected: string,
    readonly actual: string
  ) {
    super(
      `Checksum mismatch for ${asset}: expected sha256 ${expected}, got ${actual}. ` +
        'The download is corrupt or was tampered with; nothing was cached.'
    )
    this.name = 'ChecksumMismatchError'
  }
}

/** A k6 output file (summary.json, results.json) cannot be read as one. */
export class ResultsError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: ErrorOptions
  ) {
    super(`${file}: ${problem}`, options)
    this.name = 'ResultsError'
  }
}

/** Render any thrown value as one line for a log or `setFailed`. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

/** A stored baseline cannot be used (corrupt, or from a newer perf-gate). */
export class BaselineError extends Error {
  constructor(
    readonly source: string,
    problem: string,
    readonly newerSchema = false
  ) {
    super(`${source}: ${problem}`)
    this.name = 'BaselineError'
  }
}
