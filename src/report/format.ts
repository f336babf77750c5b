/** Number formatting shared by every renderer, so figures read the same. */

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'n/a'
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 100) return `${ms.toFixed(0)} ms`
  if (ms >= 10) return `${ms.toFixed(1)} ms`
  if (ms >= 1) return `${ms.toFixed(2)} ms`
  if (ms === 0) return '0 ms'
  return `${(ms * 1000).toFixed(0)} µs`
}

export function formatPercent(share: number | undefined, digits = 2): string {
  if (share === undefined || !Number.isFinite(share)) return 'n/a'
  return `${(share * 100).toFixed(digits)}%`
}

/** A relative change: `+12.3%`, `-4.0%`. */
export function formatSignedPercent(pct: number): string {
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`
}

/** A share (0.042) as a signed percent: `+4.2%`. */
export function formatSignedShare(share: number): string {
  return formatSignedPercent(share * 100)
}

export function formatCount(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a'
  return Math.round(n).toLocaleString('en-US')
}

export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return 'n/a'
  return `${perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1)}/s`
}

export { formatDuration } from '../shared/duration.js'

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return 'n/a'
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** A plain number as k6 would show it: no trailing zeros, ≤ 4 decimals. */
export function formatNumber(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a'
  return Number(n.toFixed(4)).toString()
}

/** How long ago: `12 min ago`, `5 h ago`, `3 days ago`. */
export function formatAge(date: string, now: Date): string {
  const ms = now.getTime() - new Date(date).getTime()
  if (!Number.isFinite(ms)) return 'date unknown'
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `${Math.max(minutes, 0)} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} h ago`
  return `${Math.round(hours / 24)} days ago`
}
