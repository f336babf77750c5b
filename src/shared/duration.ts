/**
 * A duration in seconds as people read it: `6.2s`, `30s`, `1m 30s`,
 * `11m`, `2h 5m`. Whole seconds from a minute up, rounded before it is
 * split, so 119.6 s is `2m`, never `1m 60s`.
 */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'n/a'
  if (seconds < 59.95) {
    return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`
  }
  const whole = Math.round(seconds)
  const h = Math.floor(whole / 3600)
  const m = Math.floor((whole % 3600) / 60)
  const s = whole % 60
  return [h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean).join(' ')
}

/** A k6 duration in seconds: `1h30m` → 5400, `500ms` → 0.5. */
export function durationSeconds(duration: string): number {
  let total = 0
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total +=
      Number(n) *
      ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[unit]
  }
  return total
}
