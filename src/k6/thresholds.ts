/**
 * k6 threshold expressions: `aggregation operator value`, e.g. `p(95)<500`.
 * The grammar follows k6's own parser (metrics/thresholds_parser.go), so an
 * expression accepted here is accepted by k6 and the other way round.
 */

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend'

export type Aggregation =
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
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

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
  if (!FLOAT.test(rhs)) {
    throw new ThresholdSyntaxError(
      source,
      `'${rhs}' on the right-hand side is not a number`
    )
  }
  const value = Number(rhs)

  if ((KEYWORDS as string[]).includes(lhs)) {
    return { source, aggregation: lhs as Aggregation, operator, value }
  }
  const percentile = /^p\((.*)\)$/.exec(lhs)
  if (percentile) {
    const n = percentile[1]
    if (!FLOAT.test(n) || Number(n) < 0 || Number(n) > 100) {
      throw new ThresholdSyntaxError(
        source,
        `'${lhs}' needs a percentile between 0 and 100, such as p(95)`
      )
    }
    return {
      source,
      aggregation: 'p',
      percentile: Number(n),
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
 * Split a threshold key into metric and tag filter, as k6 does:
 * `http_req_duration{name:GET /x,method:GET}`.
 */
export function parseMetricKey(key: string): {
  metric: string
  tags: Record<string, string>
} {
  const open = key.indexOf('{')
  if (open < 0) return { metric: key.trim(), tags: {} }
  if (!key.endsWith('}')) {
    throw new Error(`'${key}': a tag filter must end with '}'`)
  }
  const metric = key.slice(0, open).trim()
  const tags: Record<string, string> = {}
  const body = key.slice(open + 1, -1)
  for (const part of body.split(',')) {
    const colon = part.indexOf(':')
    if (colon <= 0) {
      throw new Error(
        `'${key}': the tag filter '${part.trim()}' must be written tag:value`
      )
    }
    tags[part.slice(0, colon).trim()] = part.slice(colon + 1).trim()
  }
  return { metric, tags }
}
