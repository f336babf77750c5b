import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { tCdf, tQuantile } from '../src/judge/student-t.js'
import { ROOT } from './helpers/action.js'

/**
 * perf-gate's own Student t against a reference table of @stdlib's values
 * (fixtures/reference/student-t.json: 462 points of the distribution
 * function, 440 of the quantile, df from 0.5 to 100,000, into tails of
 * 1e-6), within 2e-10 relative, or 1e-13 absolute near zero.
 */
const table = JSON.parse(
  fs.readFileSync(
    path.join(ROOT, '__tests__', 'fixtures', 'reference', 'student-t.json'),
    'utf8'
  )
) as { cdf: [number, number, number][]; quantile: [number, number, number][] }

function close(actual: number, expected: number): boolean {
  if (actual === expected) return true
  return (
    Math.abs(actual - expected) <= Math.max(1e-13, 2e-10 * Math.abs(expected))
  )
}

describe("Student's t, held to @stdlib's values", () => {
  it('the distribution function', () => {
    const off = table.cdf.filter(([t, df, p]) => !close(tCdf(t, df), p))
    expect(off).toEqual([])
    expect(table.cdf.length).toBe(462)
  })

  it('the quantile', () => {
    const off = table.quantile.filter(
      ([p, df, t]) => !close(tQuantile(p, df), t)
    )
    expect(off).toEqual([])
    expect(table.quantile.length).toBe(440)
  })

  it('at the edges', () => {
    expect(tCdf(Infinity, 3)).toBe(1)
    expect(tCdf(-Infinity, 3)).toBe(0)
    expect(tQuantile(0, 3)).toBe(-Infinity)
    expect(tQuantile(1, 3)).toBe(Infinity)
    expect(Number.isNaN(tCdf(1, 0))).toBe(true)
    expect(Number.isNaN(tQuantile(1.5, 3))).toBe(true)
  })
})
