import { describe, expect, it } from '@jest/globals'
import {
  compare,
  parseMetricKey,
  parseThresholdExpression
} from '../src/k6/thresholds.js'

describe('parseThresholdExpression (k6 grammar)', () => {
  it.each([
    [
      'p(95)<500',
      { aggregation: 'p', percentile: 95, operator: '<', value: 500 }
    ],
    [
      'p(99.9) <= 2000',
      { aggregation: 'p', percentile: 99.9, operator: '<=', value: 2000 }
    ],
    ['rate<0.01', { aggregation: 'rate', operator: '<', value: 0.01 }],
    ['count>100', { aggregation: 'count', operator: '>', value: 100 }],
    ['avg<200', { aggregation: 'avg', operator: '<', value: 200 }],
    ['med < 100', { aggregation: 'med', operator: '<', value: 100 }],
    ['min>=0', { aggregation: 'min', operator: '>=', value: 0 }],
    ['max!=5', { aggregation: 'max', operator: '!=', value: 5 }],
    ['value==1', { aggregation: 'value', operator: '==', value: 1 }],
    ['value===1', { aggregation: 'value', operator: '===', value: 1 }],
    ['rate>0.99', { aggregation: 'rate', operator: '>', value: 0.99 }],
    // Numbers as Go's strconv.ParseFloat reads them, as k6 does.
    ['count>1_000', { aggregation: 'count', operator: '>', value: 1000 }],
    ['avg<2.5e2', { aggregation: 'avg', operator: '<', value: 250 }],
    ['avg<.5', { aggregation: 'avg', operator: '<', value: 0.5 }],
    ['max<0x1p4', { aggregation: 'max', operator: '<', value: 16 }],
    ['max<+Inf', { aggregation: 'max', operator: '<', value: Infinity }],
    [
      'p(99.9_9)<5',
      { aggregation: 'p', percentile: 99.99, operator: '<', value: 5 }
    ]
  ])('%s', (source, expected) => {
    expect(parseThresholdExpression(source)).toEqual({ source, ...expected })
  })

  it.each([
    ['p95<500', /unknown aggregation 'p95'; did you mean p\(95\)\?/],
    ['p(95)', /no comparison operator/],
    ['avg<fast', /'fast' on the right-hand side is not a number/],
    ['p(101)<5', /percentile between 0 and 100/],
    ['p( 95)<5', /percentile between 0 and 100/],
    [
      'mean<5',
      /unknown aggregation 'mean' \(use value, count, rate, avg, min, med, max or p\(N\)\)/
    ],
    ['avg=<5', /not a number|unknown aggregation/],
    ['count>1__000', /'1__000' on the right-hand side is not a number/],
    ['count>_1', /'_1' on the right-hand side is not a number/],
    ['count>1_', /'1_' on the right-hand side is not a number/],
    ['count>1,000', /'1,000' on the right-hand side is not a number/]
  ])('rejects %s', (source, message) => {
    expect(() => parseThresholdExpression(source)).toThrow(message)
  })
})

describe('compare', () => {
  it('applies each operator like k6', () => {
    expect(compare(1, '<', 2)).toBe(true)
    expect(compare(2, '<', 2)).toBe(false)
    expect(compare(2, '<=', 2)).toBe(true)
    expect(compare(3, '>', 2)).toBe(true)
    expect(compare(2, '>=', 2)).toBe(true)
    expect(compare(2, '==', 2)).toBe(true)
    expect(compare(2, '===', 2)).toBe(true)
    expect(compare(2, '!=', 2)).toBe(false)
  })
})

describe('parseMetricKey', () => {
  it('splits a tag-filtered sub-metric', () => {
    expect(
      parseMetricKey('http_req_duration{name:GET /api/products/:id}')
    ).toEqual({
      metric: 'http_req_duration',
      tags: { name: 'GET /api/products/:id' }
    })
    expect(
      parseMetricKey('http_req_duration{scenario:browse,method:GET}')
    ).toEqual({
      metric: 'http_req_duration',
      tags: { scenario: 'browse', method: 'GET' }
    })
    expect(parseMetricKey('checks')).toEqual({ metric: 'checks', tags: {} })
    // k6 trims spaces and quotes around tag names and values.
    expect(parseMetricKey('http_reqs{ status: "200" }')).toEqual({
      metric: 'http_reqs',
      tags: { status: '200' }
    })
  })

  it('rejects a malformed filter', () => {
    expect(() => parseMetricKey('x{name}')).toThrow(/must be written tag:value/)
    expect(() => parseMetricKey('x{name:a')).toThrow(/must end with '}'/)
    expect(() => parseMetricKey('x{name:a}b')).toThrow(/must end with '}'/)
    expect(() => parseMetricKey('x}name:a{')).toThrow(/'\{' before '\}'/)
    expect(() => parseMetricKey('x{name:}')).toThrow(
      /must be written tag:value/
    )
  })
})
