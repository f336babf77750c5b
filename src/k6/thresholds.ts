/**
 * k6 threshold expressions: `aggregation operator value`, e.g. `p(95)<500`.
 * The grammar follows k6's own parser (metrics/thresholds_parser.go), so an
 * expression accepted here is accepted by k6 and the other way round.
 */

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend'

type Aggregation =
  'count' | 'rate' | 'value' | 'avg' | 'min' | 'max' | 'med' | 'p'

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!='

export interface ThresholdExpression {
  source: string
  aggregation: Aggregation
  /** The N of `p(N)`. */
  percentile?: number
  operator: Operator
  value: number
}

export class ThresholdSyntaxError extends Error {
  constructor(
    readonly expression: string,
    reason: string
  ) {
    super(`invalid threshold expression '${expression}': ${reason}`)
    this.name = 'ThresholdSyntaxError'
  }
}

// Longer operators first: scanning splits on the first one found.
const OPERATORS: Operator[] = ['<=', '<', '>=', '>', '===', '==', '!=']
const KEYWORDS: Aggregation[] = [
  'value',
  'count',
  'rate',
  'avg',
  'min',
  'med',
  'max'
]
/**
 * A number as k6 reads one (Go's strconv.ParseFloat): decimal with an
 * exponent, underscores between digits (`1_000`), hexadecimal (`0x1p-2`),
 * and Inf or NaN. Undefined when it is none of these.
 */
function parseGoFloat(text: string): number | undefined {
  // Not trimmed: k6 trims each side of the operator, never inside p(…).
  const t = text
  if (/^[+-]?(inf|infinity)$/i.test(t))
    return t.startsWith('-') ? -Infinity : Infinity
  if (/^nan$/i.test(t)) return NaN
  const digits = '\\d(?:_?\\d)*'
  const decimal = new RegExp(
    `^[+-]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][+-]?${digits})?$`
  )
  if (decimal.test(t)) return Number(t.replace(/_/g, ''))
  const hex =
    /^([+-]?)0[xX]_?([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?\d(?:_?\d)*)$/.exec(
      t
    )
  if (hex && /[0-9a-fA-F]/.test(`${hex[2]}${hex[3] ?? ''}`)) {
    const whole = parseInt(hex[2].replace(/_/g, '') || '0', 16)
    const fraction = (hex[3] ?? '').replace(/_/g, '')
    let value = whole
    for (let i = 0; i < fraction.length; i++) {
      value += parseInt(fraction[i], 16) / 16 ** (i + 1)
    }
    const result = value * 2 ** Number(hex[4].replace(/_/g, ''))
    return hex[1] === '-' ? -result : result
  }
  return undefined
}

/** Which aggregations k6 allows on each metric type. */
export const SUPPORTED_AGGREGATIONS: Record<MetricType, Aggregation[]> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p']
}

export function parseThresholdExpression(source: string): ThresholdExpression {
  let lhs: string | undefined
  let operator: Operator | undefined
  let rhs: string | undefined
  for (const op of OPERATORS) {
    const at = source.indexOf(op)
    if (at >= 0) {
      lhs = source.slice(0, at).trim()
      rhs = source.slice(at + op.length).trim()
      operator = op
      break
    }
  }
  if (lhs === undefined || rhs === undefined || !operator) {
    throw new ThresholdSyntaxError(
      source,
      `no comparison operator (use one of ${OPERATORS.join(' ')})`
    )
  }
  const value = parseGoFloat(rhs)
  if (value === undefined) {
    throw new ThresholdSyntaxError(
      source,
      `'${rhs}' on the right-hand side is not a number`
    )
  }

  if ((KEYWORDS as string[]).includes(lhs)) {
    return { source, aggregation: lhs as Aggregation, operator, value }
  }
  const percentile = /^p\((.*)\)$/.exec(lhs)
  if (percentile) {
    const n = percentile[1]
    const pct = parseGoFloat(n)
    if (pct === undefined || !(pct >= 0 && pct <= 100)) {
      throw new ThresholdSyntaxError(
        source,
        `'${lhs}' needs a percentile between 0 and 100, such as p(95)`
      )
    }
    return {
      source,
      aggregation: 'p',
      percentile: pct,
      operator,
      value
    }
  }
  const hint = /^p(\d+(\.\d+)?)$/.exec(lhs)
  throw new ThresholdSyntaxError(
    source,
    `unknown aggregation '${lhs}'` +
      (hint
        ? `; did you mean p(${hint[1]})?`
        : ` (use ${KEYWORDS.join(', ')} or p(N))`)
  )
}

/** The name a statistic has in k6's summaries: `p(99.9)`, `avg`, … */
export function statisticName(expression: ThresholdExpression): string {
  return expression.aggregation === 'p'
    ? `p(${expression.percentile})`
    : expression.aggregation
}

export function compare(
  observed: number,
  operator: Operator,
  value: number
): boolean {
  switch (operator) {
    case '<':
      return observed < value
    case '<=':
      return observed <= value
    case '>':
      return observed > value
    case '>=':
      return observed >= value
    case '==':
    case '===':
      return observed === value
    case '!=':
      return observed !== value
  }
}

/**
 * Split a threshold key into metric and tag filter, as k6 does
 * (metrics.ParseMetricName, Metric.AddSubmetric):
 * `http_req_duration{name:GET /x,method:GET}`; values trimmed of spaces
 * and quotes.
 */
export function parseMetricKey(key: string): {
  metric: string
  tags: Record<string, string>
} {
  const open = key.indexOf('{')
  const close = key.lastIndexOf('}')
  if (open < 0 && close < 0) return { metric: key.trim(), tags: {} }
  if (open >= 0 && close < 0) {
    throw new Error(`'${key}': a tag filter must end with '}'`)
  }
  if (open < 0 || close < open) {
    throw new Error(
      `'${key}': a tag filter is written metric{tag:value}, with '{' before '}'`
    )
  }
  if (close !== key.length - 1) {
    throw new Error(`'${key}': a tag filter must end with '}'`)
  }
  const metric = key.slice(0, open).trim()
  const tags: Record<string, string> = {}
  const body = key.slice(open + 1, close)
  for (const part of body.split(',')) {
    const colon = part.indexOf(':')
    const value = colon > 0 ? part.slice(colon + 1).trim() : ''
    if (colon <= 0 || value === '') {
      throw new Error(
        `'${key}': the tag filter '${part.trim()}' must be written tag:value`
      )
    }
    const unquote = (s: string) => s.trim().replace(/^["']+|["']+$/g, '')
    tags[unquote(part.slice(0, colon))] = unquote(value)
  }
  return { metric, tags }
}
