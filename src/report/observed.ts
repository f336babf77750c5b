import type { MetricSummary, ThresholdResult } from '../results/types.js'
import {
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPercent
} from './format.js'

/**
 * Format a threshold's observed value in the metric's own unit:
 * milliseconds for time, a percentage for a Rate, `/s` for a counter's rate.
 */
export function formatObserved(
  threshold: ThresholdResult,
  metric: MetricSummary | undefined
): string | undefined {
  const value = threshold.observed
  if (value === undefined) return undefined
  if (!metric) return formatNumber(value)
  if (metric.type === 'rate') return formatPercent(value)
  if (metric.type === 'counter') {
    if (threshold.statistic === 'rate') return `${formatNumber(value)}/s`
    return metric.contains === 'data' ? formatBytes(value) : formatCount(value)
  }
  if (metric.contains === 'time') return formatMs(value)
  if (metric.contains === 'data') return formatBytes(value)
  return formatNumber(value)
}
