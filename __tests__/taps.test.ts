import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { ResultsAnalyser } from '../src/results/analyser.js'
import { endpointKey } from '../src/results/analyser.js'
import {
  PairedReader,
  type PairedSample
} from '../src/results/paired-samples.js'
import { sampleTag, sampleValue, tagKey } from '../src/results/taps.js'
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
  ])(
    '%s: the paired samples the kernel reads are what JSON.parse reads',
    (name) => {
      const bytes = bytesOf(path.join(FIXTURES, name))
      const reader = new PairedReader()
      const analyser = new ResultsAnalyser({}, [reader])
      for (let at = 0; at < bytes.length; at += 65_537)
        analyser.push(bytes.subarray(at, at + 65_537))
      analyser.finish()
      const read = reader.finish()
      const oracle = pairedOracle(bytes)
      expect(read.samples.length).toBeGreaterThan(1000)
      expect(read.samples.toArray()).toEqual(oracle.samples)
      expect(read.requests).toEqual(oracle.requests)
      expect(read.failed).toEqual(oracle.failed)
      // What k6's http_req_failed says, line by line, is what the
      // requests' expected_response tags said.
      expect(read.requests).toEqual(oracle.failedLines.requests)
      expect(read.failed).toEqual(oracle.failedLines.failed)
    }
  )

  it.each(resultsFiles().map((f) => [path.relative(FIXTURES, f)]))(
    '%s: a target’s run alone: its requests and their URLs as JSON.parse reads them',
    (name) => {
      const bytes = bytesOf(path.join(FIXTURES, name))
      const base = 'http://localhost:3000'
      const reader = new PairedReader('reference', base)
      const analyser = new ResultsAnalyser({}, [reader])
      for (let at = 0; at < bytes.length; at += 65_537)
        analyser.push(bytes.subarray(at, at + 65_537))
      analyser.finish()
      const read = reader.finish()
      const oracle = pairedOracle(bytes, 'reference', base)
      expect(read.samples.toArray()).toEqual(oracle.samples)
      expect([read.requests, read.failed]).toEqual([
        oracle.requests,
        oracle.failed
      ])
      expect([read.withUrl, read.elsewhere]).toEqual([
        oracle.withUrl,
        oracle.elsewhere
      ])
    }
  )

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
      }
    }
  )
})

/**
 * A paired run's samples read the plain way: JSON.parse of every line.
 * Requests and failures counted both from http_req_duration's
 * expected_response tag and from http_req_failed's lines.
 */
function pairedOracle(
  bytes: Buffer,
  only?: 'change' | 'reference',
  base?: string
) {
  const zero = () => ({ change: 0, reference: 0 })
  const out = {
    samples: [] as PairedSample[],
    requests: zero(),
    failed: zero(),
    failedLines: { requests: zero(), failed: zero() },
    withUrl: base ? zero() : undefined,
    elsewhere: base ? zero() : undefined
  }
  for (const text of bytes.toString('utf8').split('\n')) {
    let line: {
      type?: string
      metric?: string
      data?: { time: string; value: number; tags?: Record<string, string> }
    }
    try {
      line = JSON.parse(text)
    } catch {
      continue
    }
    if (line.type !== 'Point' || !line.data) continue
    const tags = line.data.tags ?? {}
    const target = only ?? tags.target
    if (target !== 'change' && target !== 'reference') continue
    const name = tags.name ?? ''
    if (!only && (name === 'health' || name.endsWith(' (follow)'))) continue
    if (line.metric === 'http_req_failed') {
      out.failedLines.requests[target]++
      if (line.data.value !== 0) out.failedLines.failed[target]++
      const url = tags.url
      if (out.withUrl && out.elsewhere && url && /^https?:\/\//.test(url)) {
        out.withUrl[target]++
        if (!url.startsWith(`${base}/`) && url !== base) out.elsewhere[target]++
      }
    }
    if (line.metric !== 'http_req_duration') continue
    out.requests[target]++
    if (tags.expected_response === 'false') {
      out.failed[target]++
      continue
    }
    out.samples.push({
      timeMs: Date.parse(line.data.time),
      target,
      value: line.data.value,
      name: endpointKey(name)
    })
  }
  return out
}
