import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  parseLogfmt,
  requestFailureKind,
  StderrAnalyser,
  stackLocation
} from '../src/k6/log.js'
import { FIXTURES } from './helpers/action.js'

function digest(fixture: string) {
  const analyser = new StderrAnalyser()
  const text = fs.readFileSync(
    path.join(FIXTURES, fixture, 'stderr.txt'),
    'utf8'
  )
  for (const line of text.split('\n')) analyser.push(line)
  return analyser.result()
}

describe('parseLogfmt', () => {
  it('reads quoted values with escapes', () => {
    expect(
      parseLogfmt(
        'time="2026-11-22T23:58:42Z" level=warning msg="Request Failed" error="Get \\"http://x/\\": refused"'
      )
    ).toEqual({
      time: '2026-11-22T23:58:42Z',
      level: 'warning',
      msg: 'Request Failed',
      error: 'Get "http://x/": refused'
    })
  })

  it('decodes \\n and \\t inside messages', () => {
    expect(parseLogfmt('msg="a\\n\\tb" source=stacktrace')).toEqual({
      msg: 'a\n\tb',
      source: 'stacktrace'
    })
  })
})

describe('StderrAnalyser on recorded k6 stderr', () => {
  it('scripterr: counts the exception and keeps its message and position', () => {
    const result = digest('scripterr')
    expect(result.iterationErrors).toBe(1)
    expect(result.firstIterationErrors).toEqual([
      {
        message: 'ReferenceError: undefinedFunctionCall is not defined',
        location: {
          file: '/home/runner/work/app/app/perf/scripterr.js',
          line: 3,
          column: 51
        },
        count: 1
      }
    ])
  })

  it('down: counts refused connections by cause, not by URL', () => {
    const result = digest('down')
    expect(result.requestFailures).toEqual({ 'connection refused': 40 })
    expect(result.iterationErrors).toBe(0)
  })

  it('syntaxerr: keeps the real error, with its position', () => {
    expect(digest('syntaxerr').errors.at(-1)).toBe(
      'syntaxerr.js:3:0 Expected "}" but found "export"'
    )
  })

  it('pass: an empty stderr yields nothing', () => {
    expect(digest('pass')).toEqual({
      lines: 0,
      iterationErrors: 0,
      firstIterationErrors: [],
      requestFailures: {},
      errors: []
    })
  })

  it('keeps five distinct exceptions with counts, and counts the rest', () => {
    const analyser = new StderrAnalyser()
    for (let i = 0; i < 100; i++) {
      analyser.push(
        `time="t" level=error msg="Error: boom ${i % 7}\\n\\tat default (file:///w/s.js:9:3(4))\\n" source=stacktrace`
      )
    }
    const result = analyser.result()
    expect(result.iterationErrors).toBe(100)
    expect(result.firstIterationErrors.map((e) => e.message)).toEqual([
      'Error: boom 0',
      'Error: boom 1',
      'Error: boom 2',
      'Error: boom 3',
      'Error: boom 4'
    ])
    expect(result.firstIterationErrors[0].count).toBe(15)
  })

  it('bounds the kinds of request failure it tracks', () => {
    const analyser = new StderrAnalyser()
    for (let i = 0; i < 80; i++) {
      analyser.push(
        `level=warning msg="Request Failed" error="odd failure number ${i}"`
      )
    }
    const failures = analyser.result().requestFailures
    expect(Object.keys(failures)).toHaveLength(51)
    expect(failures.other).toBe(30)
  })
})

describe('requestFailureKind', () => {
  it.each([
    [
      'Get "http://127.0.0.1:18099/nothing": dial tcp 127.0.0.1:18099: connect: connection refused',
      'connection refused'
    ],
    ['Post "https://a/b": request timeout', 'request timeout'],
    ['Get "https://a": context deadline exceeded', 'context deadline exceeded'],
    ['dial: i/o timeout', 'i/o timeout']
  ])('%s → %s', (error, kind) => {
    expect(requestFailureKind(error)).toBe(kind)
  })
})

describe('stackLocation', () => {
  it('returns undefined when the stack names no script position', () => {
    expect(stackLocation('GoError: something')).toBeUndefined()
  })
})
