/**
 * One time budget shared by every network step after k6 (the baseline,
 * the artifact upload, the comment): a service that accepts a connection
 * and never answers costs the job this budget once, not once per step.
 */
export class Deadline {
  private readonly end: number
  /** Aborts every request still running when the budget is spent. */
  readonly signal: AbortSignal

  constructor(readonly budgetMs: number) {
    this.end = Date.now() + budgetMs
    // AbortSignal.timeout does not keep the process alive.
    this.signal = AbortSignal.timeout(budgetMs)
  }

  remainingMs(): number {
    return Math.max(0, this.end - Date.now())
  }

  expired(): boolean {
    return this.remainingMs() === 0
  }

  /** `12 s`, `3 min`: the budget as the warnings name it. */
  describe(): string {
    if (this.budgetMs < 1000) return `${this.budgetMs} ms`
    const s = Math.round(this.budgetMs / 1000)
    return s % 60 === 0 && s >= 60 ? `${s / 60} min` : `${s} s`
  }

  /**
   * `work`, or `undefined` when the budget runs out first. The work is not
   * stopped (a library may not take a signal); the run goes on without it.
   */
  async race<T>(work: Promise<T>): Promise<{ value: T } | undefined> {
    if (this.expired()) {
      work.catch(() => undefined)
      return undefined
    }
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.remainingMs())
      timer.unref()
    })
    try {
      return await Promise.race([work.then((value) => ({ value })), late])
    } finally {
      clearTimeout(timer)
      // A late failure of abandoned work must not crash the process.
      work.catch(() => undefined)
    }
  }
}

/**
 * Whether an error is the deadline's abort (or a request's own timeout),
 * however deeply it was wrapped.
 */
export function isDeadlineError(error: unknown): boolean {
  for (
    let e = error as { name?: string; cause?: unknown } | null, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true
  }
  return false
}
