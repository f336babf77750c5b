import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { naiveAnalyse, type ExactFigures } from '../bench/naive.js'
import { analyseResultsFile } from '../src/results/analyser.js'
import {
  instantiateKernel,
  KernelAssertionError
} from '../src/results/kernel.js'
import type { EndpointStats, LatencyStats } from '../src/results/types.js'
import { KERNEL_DEBUG_WASM } from './helpers/kernel-debug-wasm.js'

/**
 * The analyser against the bench's naive reader (readline, JSON.parse,
 * every latency kept and sorted): the same figures on every recorded k6
 * results file, release kernel and debug kernel alike.
 */
const ROOT = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  'fixtures'
)

function resultsFiles(): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else if (/^results\.json(\.gz)?$/.test(entry.name)) found.push(file)
    }
  }
  walk(path.join(ROOT, 'k6'))
  // Two of the drifting runs: enough of that shape; corpus.test.ts reads all.
  for (const run of ['aa-01', 'slow20-15']) {
    found.push(
      path.join(ROOT, 'k6-noise', 'slow-lat60-drift8', run, 'results.json.gz')
    )
  }
  return found.sort()
}

const FILES = resultsFiles()

function expectSame(
  label: string,
  mine: { requests: number; failures: number; latency: LatencyStats },
  oracle: ExactFigures
): void {
  expect({ label, requests: mine.requests, failures: mine.failures }).toEqual({
    label,
    requests: oracle.requests,
    failures: oracle.failures
  })
  // No request, no latency: both say nothing (NaN, undefined).
  if (oracle.requests === 0) return
  for (const key of ['min', 'max', 'p50', 'p90', 'p95', 'p99'] as const) {
    // Exact within the run's exact budget: only floating-point summation
    // and parsing (≤ 1 ulp) may differ.
    expect([label, key, mine.latency[key]]).toEqual([
      label,
      key,
      expect.closeTo(oracle[key], 9)
    ])
  }
  expect(mine.latency.avg).toBeCloseTo(oracle.avg, 9)
}

function byName(groups: EndpointStats[]): Record<string, EndpointStats> {
  return Object.fromEntries(groups.map((g) => [g.name, g]))
}

describe('the analyser against the naive reference, on every recorded results file', () => {
  it('covers the recorded runs', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(9)
  })

  it.each(FILES.map((f) => [path.relative(ROOT, f), f]))(
    '%s: the same requests, failures, percentiles and checks',
    async (_label, file) => {
      const oracle = (await naiveAnalyse(file, { exact: true })).exact!
      for (const kernel of [undefined, KERNEL_DEBUG_WASM]) {
        const mine = await analyseResultsFile(file, { kernel })
        expectSame(
          'overall',
          { ...mine.http, latency: mine.http.latency },
          oracle.overall
        )
        const endpoints = byName(mine.endpoints)
        expect(Object.keys(endpoints).sort()).toEqual(
          Object.keys(oracle.endpoints).sort()
        )
        for (const [name, figures] of Object.entries(oracle.endpoints)) {
          expectSame(name, endpoints[name], figures)
        }
        const scenarios = byName(mine.scenarios)
        for (const [name, figures] of Object.entries(oracle.scenarios)) {
          expectSame(`scenario ${name}`, scenarios[name], figures)
        }
        expect(
          Object.fromEntries(mine.checks.map(({ name, ...c }) => [name, c]))
        ).toEqual(oracle.checks)
      }
    }
  )
})

describe('the kernel built with its assertions', () => {
  it('throws on a broken invariant instead of reading past its records', () => {
    const kernel = instantiateKernel(KERNEL_DEBUG_WASM)
    kernel.init(4, 4, 4, 4, 4)
    expect(() => kernel.newValueTable(3)).toThrow(KernelAssertionError)
    expect(() => kernel.newValueTable(3)).toThrow(/results-kernel\.ts:\d+:\d+/)
    // The release build has the assertion compiled out.
    const release = instantiateKernel()
    release.init(4, 4, 4, 4, 4)
    expect(() => release.newValueTable(3)).not.toThrow()
  })
})
