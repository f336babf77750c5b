import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { annotations, FAKE_K6, FIXTURES, runAction } from './helpers/action.js'

/**
 * The action end to end on real runs of k6 v1.3.0, v1.6.1 and v2.2.0 (the
 * `latest` of today): the stand-in replays each recorded run, with its
 * script, exit code, stderr and files, and the user-visible result is
 * checked: the exit code, the verdict, the headline and the figures.
 */

async function replay(fixture: string, inputs: Record<string, string> = {}) {
  const script = fs.readFileSync(path.join(FIXTURES, fixture, 'script.js'))
  return runAction({
    files: { 'perf/script.js': script },
    inputs: {
      'k6-path': FAKE_K6,
      script: 'perf/script.js',
      'upload-artifacts': 'false',
      baseline: 'none',
      ...inputs
    },
    env: { FAKE_K6_FIXTURE: fixture }
  })
}

/** The job summary's headline as GitHub shows it: escapes and entities decoded. */
const headline = (summary: string): string =>
  (/^## (.*)$/m.exec(summary)?.[1] ?? '')
    .replace(/\\(.)/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

const VERSIONS = ['v1.6.1', 'v2.2.0'] as const

describe.each(VERSIONS)('k6 %s, replayed', (version) => {
  it('pass: the gate passes, with every threshold held and the figures k6 wrote', async () => {
    const run = await replay(`${version}/pass`)
    expect(run.code).toBe(0)
    expect(run.outputs['k6-version']).toBe(version.slice(1))
    expect(run.outputs.verdict).toBe('pass')
    expect(headline(run.summary)).toMatch(
      /^✅ perf-gate passed: all \d+ thresholds held/
    )
    expect(Number(run.outputs['p95-ms'])).toBeGreaterThan(0)
    expect(run.outputs['error-rate']).toBe('0')
  })

  it('fail: the crossed thresholds are named, with what was observed', async () => {
    const run = await replay(`${version}/fail`)
    expect(run.code).toBe(1)
    expect(run.outputs['exit-code']).toBe('99')
    expect(run.outputs.verdict).toBe('fail')
    // The heading names two, with their values; the failure line all.
    expect(headline(run.summary)).toMatch(
      /^❌ perf-gate failed: (\d+) thresholds crossed: \S+ \S+ \(.+=[\d.]+ ?(ms|%)\), \S+ \S+ \(.+=[\d.]+ ?(ms|%)\) and \d+ more$/
    )
    const failure = annotations(run.stdout).find((l) =>
      l.startsWith('::error::perf-gate failed')
    )
    expect(failure).toMatch(
      /thresholds crossed: .*http_req_duration p\(95\)<20 \(p\(95\)=[\d.]+ ms\), .*http_req_duration\{name:GET \/slow\} p\(95\)<30 \(p\(95\)=[\d.]+ ms\)/
    )
  })

  it('exec.test.fail(): exit 110, with the reason the script gave in the headline', async () => {
    const run = await replay(`${version}/testfail`)
    expect(run.code).toBe(1)
    expect(run.outputs['exit-code']).toBe('110')
    expect(headline(run.summary)).toBe(
      '❌ perf-gate failed: the script marked the test as failed (exec.test.fail, exit code 110): saw 200 from /api/status at iteration 40'
    )
    expect(annotations(run.stdout)).toEqual([
      '::error::perf-gate failed: the script marked the test as failed (exec.test.fail, exit code 110): saw 200 from /api/status at iteration 40'
    ])
    // The run went on after the call: its figures are reported.
    expect(Number(run.outputs.rps)).toBeGreaterThan(0)
  })

  it('a setup() past setupTimeout: exit 100, said as such, naming the option', async () => {
    const run = await replay(`${version}/setuptimeout`)
    expect(run.code).toBe(1)
    expect(run.outputs['exit-code']).toBe('100')
    expect(headline(run.summary)).toBe(
      '❌ perf-gate failed: setup() ran past its time limit (exit code 100): setup() execution timed out after 1 seconds (You can increase the time limit via the setupTimeout option)'
    )
    expect(run.summary).toContain('exit code 100 (setup() timed out)')
  })

  it('setup() returning a bare token: the token is in no output, report or log', async () => {
    const run = await replay(`${version}/setupstring`)
    const token = JSON.parse(
      fs.readFileSync(
        path.join(FIXTURES, version, 'setupstring', 'summary.json'),
        'utf8'
      )
    ).setup_data as string
    expect(token).toMatch(/^eyJ/)
    expect(run.code).toBe(0)
    for (const place of [
      run.stdout,
      run.summary,
      JSON.stringify(run.outputs)
    ]) {
      expect(place).not.toContain(token)
    }
    const result = fs.readFileSync(
      path.join(run.workspace, 'perf-gate-results', 'perf-gate-result.json'),
      'utf8'
    )
    expect(result).not.toContain(token)
    expect(annotations(run.stdout, 'warning').join('\n')).toMatch(
      /Return no credentials from setup\(\)/
    )
  })
})

describe.each(VERSIONS)(
  'k6 %s with --new-machine-readable-summary, replayed',
  (version) => {
    it('a pass lists every threshold, read from results.json, each held', async () => {
      const run = await replay(`${version}/mrs-pass`)
      expect(run.code).toBe(0)
      expect(headline(run.summary)).toBe(
        '✅ perf-gate passed: all 13 thresholds held'
      )
      expect(run.summary).not.toContain('n/a')
      expect(run.summary).toContain(
        "k6's machine-readable summary lists no thresholds: perf-gate read them from results.json's metric headers, the script k6 ran (config.script)"
      )
      // k6's count over k6's run time, not another clock.
      const requests = /\| Requests \| (\d+) \(([\d.]+)\/s\)/.exec(run.summary)
      expect(Number(run.outputs.rps)).toBeCloseTo(
        Number(requests?.[1]) /
          JSON.parse(
            fs.readFileSync(
              path.join(FIXTURES, version, 'mrs-pass', 'summary.json'),
              'utf8'
            )
          ).config.duration,
        2
      )
      expect(run.summary).toMatch(/\| Checks passed \| 100\.00% of \d+ \|/)
    })

    it('a failure names the thresholds crossed, with their values', async () => {
      const run = await replay(`${version}/mrs-fail`)
      expect(run.code).toBe(1)
      expect(headline(run.summary)).toMatch(
        /^❌ perf-gate failed: 3 thresholds crossed: http_req_duration p\(95\)<20 \(p\(95\)=[\d.]+ ms\), http_req_duration p\(99\)<5 \(p\(99\)=[\d.]+ ms\) and 1 more$/
      )
      expect(annotations(run.stdout).join('\n')).toMatch(
        /perf-gate failed: 3 thresholds crossed: http_req_duration p\(95\)<20 \(p\(95\)=[\d.]+ ms\), http_req_duration p\(99\)<5 \(p\(99\)=[\d.]+ ms\), http_req_duration\{name:GET \/slow\} p\(95\)<30 \(p\(95\)=[\d.]+ ms\)$/m
      )
      expect(run.summary).not.toContain('wrote no summary naming them')
    })
  }
)

describe.each(['v1.3.0', ...VERSIONS])(
  'k6 %s: thresholds on statistics k6 did not export',
  (version) => {
    it('each value is computed from results.json, and says so', async () => {
      const run = await replay(`${version}/tagstat`)
      expect(run.code).toBe(0)
      expect(run.summary).not.toContain('n/a')
      expect(run.summary).toMatch(
        /\| `http_req_duration\{staticAsset:yes\}` \| `p\(99\.9\)<800` \| p\(99\.9\) = [\d.]+ ms † \|/
      )
      expect(run.summary).toContain(
        "† computed by perf-gate from results.json with k6's own statistics"
      )
    })
  }
)

describe('k6 v1.3.0 and v2.2.0: a cancelled run (SIGINT, exit 105)', () => {
  it.each(['v1.3.0', 'v2.2.0'])(
    '%s: fails as cancelled, keeping what k6 measured',
    async (version) => {
      const run = await replay(`${version}/sigint`)
      expect(run.code).toBe(1)
      expect(run.outputs['exit-code']).toBe('105')
      expect(headline(run.summary)).toBe(
        '❌ perf-gate failed: the run was cancelled; k6 stopped before the test finished'
      )
      expect(Number(run.outputs['p95-ms'])).toBeGreaterThan(0)
      // 5 VUs allocated; k6 sampled none active: both are said.
      expect(run.summary).toContain(
        '| VUs | 0 active at most (sampled each second), 5 allocated |'
      )
    }
  )
})
