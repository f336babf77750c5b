import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkThresholds } from '../src/pipeline/modes/validate.js'
import {
  annotations,
  exampleFiles,
  FAKE_K6,
  FIXTURES,
  fixtureScript,
  ROOT,
  runAction
} from './helpers/action.js'

/** Every k6 command the stand-in was given, one argv each. */
function argvLog(): { file: string; read: () => string[][] } {
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'argv-')),
    'argv.log'
  )
  return {
    file,
    read: () =>
      fs.existsSync(file)
        ? fs
            .readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line))
        : []
  }
}

const profileFiles = exampleFiles(
  fs.readFileSync(path.join(ROOT, 'examples', 'perf-gate.yml'))
)

describe('validate-only: the cheap check for pull requests that touch perf files', () => {
  it('validates a script with k6 inspect, sends no load, and says what would run', async () => {
    const log = argvLog()
    const run = await runAction({
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'validate-only': 'true'
      },
      env: { FAKE_K6_ARGV_LOG: log.file }
    })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ passed: 'true', 'k6-version': '1.3.0' })
    // k6 version (the install's check), then inspect: never run.
    expect(log.read().map((argv) => argv[0])).toEqual(['version', 'inspect'])
    expect(log.read()[1]).toEqual([
      'inspect',
      '--execution-requirements',
      expect.stringMatching(/perf\/pass\.js$/)
    ])
    expect(
      fs.existsSync(
        path.join(run.workspace, 'perf-gate-results', 'results.json')
      )
    ).toBe(false)
    // The scenarios and thresholds as k6 read them (the recorded inspect).
    expect(run.summary).toContain(
      '## ✅ perf-gate validated `perf/pass.js` (validate-only: no load was sent)'
    )
    expect(run.summary).toContain(
      '| `browse` | `constant-arrival-rate` | 40 iterations/s, for 6s | 5–20 |'
    )
    expect(run.summary).toContain(
      '| `buy` | `ramping-vus` | from 0 VUs: 3 VUs over 2s → 3 VUs over 3s → 0 VUs over 1s | 3 |'
    )
    expect(run.summary).toContain(
      'At most 23 VUs, at most 36s with the graceful stops.'
    )
    expect(run.summary).toContain('13 thresholds on 9 metrics')
    expect(run.summary).toContain(
      '| `http_req_duration{name:GET /api/products/:id}` | `p(95)<300` `avg<200` |'
    )
  })

  it('validates a profile: its plan, and the generated script as k6 loads it', async () => {
    const log = argvLog()
    const run = await runAction({
      files: profileFiles,
      inputs: { 'k6-path': FAKE_K6, 'validate-only': 'true' },
      // The recorded inspect of a real script stands for the generated one.
      env: { FAKE_K6_FIXTURE: 'pass', FAKE_K6_ARGV_LOG: log.file },
      event: {
        name: 'pull_request',
        payload: {
          pull_request: { number: 7, base: { ref: 'main' }, head: {} }
        }
      }
    })
    expect(run.code).toBe(0)
    expect(run.outputs.objective).toBe('smoke')
    expect(log.read()[1]).toEqual([
      'inspect',
      '--execution-requirements',
      expect.stringMatching(/perf-gate-results[\\/]perf-gate-script\.js$/)
    ])
    expect(run.summary).toContain(
      '`.github/perf-gate.yml` is a valid profile; the script it generates loads in k6 v1.3.0.'
    )
    expect(run.summary).toContain(
      'Objective **smoke**, chosen by objectives.triggers.pull_request in the profile.'
    )
    // No health request, no baseline, no comment: nothing left the runner.
    expect(run.stdout).not.toMatch(/health|Baseline|comment/i)
  })

  it('fails with k6’s own line when the script does not load (a syntax error)', async () => {
    const run = await runAction({
      files: fixtureScript('syntaxerr'),
      inputs: {
        script: 'perf/syntaxerr.js',
        'k6-path': FAKE_K6,
        'validate-only': 'true'
      }
    })
    expect(run.code).not.toBe(0)
    expect(annotations(run.stdout)).toEqual([
      '::error::k6 cannot load perf/syntaxerr.js (k6 inspect exit code 255): syntaxerr.js:3:0 Expected "}" but found "export"'
    ])
    expect(run.outputs.passed).toBe('false')
  })

  it('fails when the init code throws (k6 v2.2.0, exit code 107)', async () => {
    const run = await runAction({
      files: {
        'perf/initerror.js': fs.readFileSync(
          path.join(FIXTURES, 'v2.2.0', 'initerror', 'script.js'),
          'utf8'
        )
      },
      inputs: {
        script: 'perf/initerror.js',
        'k6-path': FAKE_K6,
        'validate-only': 'true'
      },
      env: { FAKE_K6_FIXTURE: 'v2.2.0/initerror' }
    })
    expect(run.code).not.toBe(0)
    const errors = annotations(run.stdout)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^::error::k6 cannot load perf\/initerror\.js \(k6 inspect exit code 107\): GoError: stat .*missing-config\.json: no such file or directory$/
    )
  })

  it('refuses the threshold k6 would refuse when the run starts (exit code 104)', () => {
    // The threshold of the recorded badthreshold run, which k6 refused.
    const script = fs.readFileSync(
      path.join(FIXTURES, 'badthreshold', 'script.js'),
      'utf8'
    )
    const expression = /http_req_duration: \['([^']+)'\]/.exec(script)?.[1]
    expect(expression).toBe('p95<500')
    expect(() =>
      checkThresholds(
        {
          scenarios: {},
          thresholds: { http_req_duration: [expression as string] }
        },
        'perf/badthreshold.js'
      )
    ).toThrow(
      "perf/badthreshold.js: threshold of http_req_duration: invalid threshold expression 'p95<500': unknown aggregation 'p95'; did you mean p(95)?"
    )
  })

  it('is refused with generate-only or merge', async () => {
    const run = await runAction({
      files: profileFiles,
      inputs: {
        'k6-path': FAKE_K6,
        'validate-only': 'true',
        'generate-only': 'true'
      }
    })
    expect(run.code).not.toBe(0)
    expect(annotations(run.stdout)).toEqual([
      "::error::Input 'validate-only': checks a profile or script before a run, and generate-only writes the script without k6: keep one of the two."
    ])
  })
})
