import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { ResultsAnalyser } from '../src/results/analyser.js'
import { PairedReader } from '../src/results/paired-samples.js'
import {
  sampleTag,
  sampleTags,
  sampleTime,
  sampleValue,
  tagKey,
  tagNames
} from '../src/results/taps.js'
import { MetricWatch } from '../src/results/watch.js'
import { WebVitalsReader } from '../src/results/web-vitals.js'
import { FIXTURES } from './helpers/action.js'

/**
 * The kernel hands the readers of chosen metrics (the threshold watch,
 * the paired samples, the Web Vitals) their lines as it reads every line
 * anyway. On every real results.json recorded, what they read that way
 * must be exactly what a byte search of the same file finds, however
 * the bytes come in (whole, or in odd pieces that cut lines and headers).
 */

function resultsFiles(dir = FIXTURES): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return resultsFiles(file)
    return /^results\.json(\.gz)?$/.test(entry.name) ? [file] : []
  })
}

const bytesOf = (file: string): Buffer => {
  const raw = fs.readFileSync(file)
  return file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw
}

/** Every sink's figures, comparable with toEqual. */
function sinksOf(watch: MetricWatch): Record<string, unknown> {
  const { sinks } = watch.finish()
  return Object.fromEntries(
    [...sinks].map(([key, sink]) => [
      key,
      sink.type === 'trend'
        ? {
            count: sink.count,
            p50: sink.percentile(0.5),
            p95: sink.percentile(0.95),
            max: sink.percentile(1)
          }
        : JSON.parse(JSON.stringify(sink))
    ])
  )
}

const FILES = resultsFiles()

describe('the kernel hands each reader its lines', () => {
  it('finds recorded results files of every k6 version', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(30)
  })

  it.each(FILES.map((f) => [path.relative(FIXTURES, f), f]))(
    '%s: the threshold watch reads what a byte search reads',
    (_name, file) => {
      const bytes = bytesOf(file)
      const keys = [
        'http_req_duration{expected_response:true}',
        'http_req_duration{name:GET /api/products/:id}',
        'http_req_failed',
        'checks',
        'iterations',
        'vus'
      ]
      for (const piece of [bytes.length, 4093, 977]) {
        const tapped = new MetricWatch(keys, true)
        const analyser = new ResultsAnalyser({}, [tapped])
        for (let at = 0; at < bytes.length; at += piece)
          analyser.push(bytes.subarray(at, at + piece))
        analyser.finish()
        const searched = new MetricWatch(keys, true)
        searched.push(bytes)
        expect([piece, sinksOf(tapped)]).toEqual([piece, sinksOf(searched)])
      }
    }
  )

  it.each([
    ['v2.2.0/paired-ab/results.json.gz'],
    ['v2.2.0/paired-aa/results.json.gz']
  ])('%s: the paired samples are the same', (name) => {
    const bytes = bytesOf(path.join(FIXTURES, name))
    const tapped = new PairedReader()
    const analyser = new ResultsAnalyser({}, [tapped])
    for (let at = 0; at < bytes.length; at += 65_537)
      analyser.push(bytes.subarray(at, at + 65_537))
    analyser.finish()
    const searched = new PairedReader()
    searched.push(bytes)
    const a = tapped.finish()
    expect(a.samples.length).toBeGreaterThan(1000)
    expect(a).toEqual(searched.finish())
  })

  it.each([['v1.3.0/browser'], ['v2.2.0/browser']])(
    '%s: the Web Vitals are the same',
    (name) => {
      const bytes = bytesOf(path.join(FIXTURES, name, 'results.json'))
      const tapped = new WebVitalsReader()
      const analyser = new ResultsAnalyser({}, [tapped])
      analyser.push(bytes)
      analyser.finish()
      const searched = new WebVitalsReader()
      searched.push(bytes)
      const pages = tapped.finish()
      expect(pages.length).toBeGreaterThan(0)
      expect(pages).toEqual(searched.finish())
    }
  )

  it.each([['pass/results.json'], ['v2.2.0/paired-ab/results.json.gz']])(
    '%s: a sample line’s fields read in place are what JSON.parse reads',
    (name) => {
      const lines = bytesOf(path.join(FIXTURES, name))
        .toString('utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"Point"'))
      expect(lines.length).toBeGreaterThan(1000)
      for (const line of lines) {
        const bytes = Buffer.from(line)
        const parsed = JSON.parse(line).data
        expect(sampleValue(bytes, 0, bytes.length)).toBe(parsed.value)
        expect(sampleTime(bytes, 0, bytes.length)).toBe(parsed.time)
        for (const key of [
          'name',
          'status',
          'expected_response',
          'check',
          'target',
          'url'
        ]) {
          expect(sampleTag(bytes, 0, bytes.length, tagKey(key))).toBe(
            parsed.tags?.[key]
          )
        }
        const keys = ['url', 'target', 'name', 'expected_response']
        expect(sampleTags(bytes, 0, bytes.length, tagNames(...keys))).toEqual(
          keys.map((k) => parsed.tags?.[k])
        )
      }
    }
  )
})
