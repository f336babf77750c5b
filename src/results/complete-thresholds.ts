import { holds, sinkValue } from '../k6/sinks.js'
import {
  parseThresholdExpression,
  statisticName,
  type ThresholdExpression
} from '../k6/thresholds.js'
import type { WatchResult } from './watch.js'
import type { SummaryResult, ThresholdResult } from './types.js'

/**
 * Thresholds judged from results.json where k6's summary does not say:
 * the value of a statistic k6 did not export (`p(99)` of a sub-metric
 * outside summaryTrendStats), and, for the machine-readable summary, which
 * lists no thresholds at all, each threshold and whether it held.
 *
 * k6's own verdict stays the word: a threshold is crossed when k6 named
 * its metric in "thresholds on metrics '…' have been crossed"; the value
 * perf-gate computes (with k6's sinks) says by how much.
 */

/** A threshold known from outside the summary, and where it was read. */
interface KnownThreshold {
  key: string
  expression: string
  from: 'profile' | 'results.json' | 'script'
}

const CROSSED =
  /^thresholds on metrics '(.*)' (?:have been|were) crossed(?:;|$)/

/**
 * The metrics k6 said it crossed thresholds on, from its error lines; a
 * list split at the commas between keys (a tag value may hold ", ").
 */
export function crossedMetrics(
  errors: readonly string[]
): string[] | undefined {
  let found: string[] | undefined
  for (const error of errors) {
    const match = CROSSED.exec(error)
    if (!match) continue
    const keys: string[] = []
    let depth = 0
    let start = 0
    const list = match[1]
    for (let i = 0; i < list.length; i++) {
      if (list[i] === '{') depth++
      else if (list[i] === '}') depth--
      else if (depth === 0 && list.startsWith(', ', i)) {
        keys.push(list.slice(start, i))
        start = i + 2
        i++
      }
    }
    keys.push(list.slice(start))
    found = keys.filter(Boolean)
  }
  return found
}

/**
 * The thresholds a script sets on a sub-metric, read from the script k6
 * ran (the machine-readable summary's config.script): `'key': ['a', "b"]`
 * with plain string literals only, else undefined (not guessed at).
 */
export function thresholdsInScript(
  script: string,
  key: string
): string[] | undefined {
  for (const quote of ["'", '"', '`']) {
    const literal = `${quote}${key}${quote}`
    const at = script.indexOf(literal)
    if (at < 0) continue
    const rest = script.slice(at + literal.length)
    const list = /^\s*:\s*\[([^\]]*)\]/.exec(rest)
    if (!list) continue
    const items = list[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const strings = items.map((item) => {
      const m = /^(['"`])([^'"`\\$]*)\1$/.exec(item)
      return m ? m[2] : undefined
    })
    if (strings.length === 0 || strings.some((s) => s === undefined))
      return undefined
    return strings as string[]
  }
  return undefined
}

interface JudgeInput {
  summary: SummaryResult
  watch: WatchResult
  /** The profile's thresholds (what perf-gate put into the script). */
  planned: { key: string; expression: string }[]
  /** The test's run time in seconds: a counter's rate is count over it. */
  durationS: number
  /** From k6's error lines; undefined when k6 named none. */
  crossed?: string[]
  exitCode: number
}

/** The summary with its thresholds completed from results.json. */
export function completeThresholds(input: JudgeInput): SummaryResult {
  const { summary } = input
  if (summary.format !== 'machine-readable') {
    return {
      ...summary,
      thresholds: summary.thresholds.map((t) =>
        t.observed !== undefined ? t : withObserved(t, input)
      )
    }
  }
  const known = knownThresholds(input)
  const crossed = new Set(input.crossed ?? [])
  const judged = known.map((k) =>
    withObserved(
      {
        metric: k.key,
        expression: k.expression,
        passed: true,
        statistic: k.expression,
        listedBy: k.from
      },
      input
    )
  )
  const thresholds: ThresholdResult[] = judged.map(
    ({ observedHolds, ...t }) => {
      let passed: boolean
      if (input.crossed) {
        // k6 named the metrics it crossed thresholds on: on such a metric,
        // the ones perf-gate finds crossed, else every one it cannot
        // vouch for (k6's word stands where the two differ).
        const onMetric = judged.filter((j) => j.metric === t.metric)
        passed =
          !crossed.has(t.metric) ||
          (observedHolds === true &&
            onMetric.some((j) => j.observedHolds === false))
      } else if (input.exitCode === 99) {
        // Crossed without naming which (an older k6): perf-gate's values.
        passed = observedHolds !== false
      } else {
        // k6 names every metric it crossed thresholds on; it named none.
        passed = true
      }
      return { ...t, passed }
    }
  )
  const named = new Set(thresholds.map((t) => t.metric))
  // A metric k6 crossed thresholds on that perf-gate could not read.
  for (const key of crossed) {
    if (named.has(key)) continue
    thresholds.push({
      metric: key,
      expression: '(not in the summary)',
      passed: false,
      statistic: '',
      listedBy: 'k6'
    })
  }
  const unlisted = Object.values(input.watch.headers)
    .flatMap((h) => h.submetrics)
    .filter(
      (key) =>
        !named.has(key) &&
        !crossed.has(key) &&
        key !== 'http_req_duration{expected_response:true}'
    )
  return {
    ...summary,
    thresholds,
    ...(unlisted.length ? { unlistedThresholds: unlisted } : {})
  }
}

/** Every threshold of the run perf-gate can name, once each. */
function knownThresholds(input: JudgeInput): KnownThreshold[] {
  const out: KnownThreshold[] = []
  const add = (t: KnownThreshold): void => {
    if (!out.some((o) => o.key === t.key && o.expression === t.expression))
      out.push(t)
  }
  for (const p of input.planned)
    add({ key: p.key, expression: p.expression, from: 'profile' })
  for (const [metric, header] of Object.entries(input.watch.headers)) {
    for (const expression of header.thresholds)
      add({ key: metric, expression, from: 'results.json' })
  }
  const script = input.summary.scriptSource
  if (script) {
    for (const header of Object.values(input.watch.headers)) {
      for (const key of header.submetrics) {
        if (out.some((o) => o.key === key)) continue
        for (const expression of thresholdsInScript(script, key) ?? [])
          add({ key, expression, from: 'script' })
      }
    }
  }
  return out
}

/** A threshold with the value computed from results.json, when there is one. */
function withObserved(
  t: ThresholdResult,
  input: JudgeInput
): ThresholdResult & { observedHolds?: boolean } {
  let parsed: ThresholdExpression
  try {
    parsed = parseThresholdExpression(t.expression)
  } catch {
    return t
  }
  const statistic = statisticName(parsed)
  const sink = input.watch.sinks.get(t.metric)
  if (!sink) return { ...t, statistic }
  const observed = sinkValue(sink, parsed, input.durationS)
  if (observed === undefined) return { ...t, statistic }
  return {
    ...t,
    statistic,
    observed,
    observedFrom: 'results.json',
    observedHolds: holds(parsed, observed)
  }
}

/** The keys whose samples must be watched to complete a summary. */
export function keysToWatch(
  summary: SummaryResult | undefined,
  planned: { key: string }[]
): { keys: string[]; fromHeaders: boolean } {
  if (!summary || summary.format === 'machine-readable') {
    return { keys: planned.map((p) => p.key), fromHeaders: true }
  }
  return {
    keys: summary.thresholds
      .filter((t) => t.observed === undefined)
      .map((t) => t.metric),
    fromHeaders: false
  }
}
