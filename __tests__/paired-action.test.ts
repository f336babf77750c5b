import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  annotations,
  FAKE_K6,
  PUSH_EVENT,
  ROOT,
  runAction
} from './helpers/action.js'

/**
 * input reference-url through the bundled action. No recorded k6 run was
 * made with the target tag (k6 is not on this machine), so the replayed
 * run has no pairs: the comparison says it could not judge, and why.
 */
const files = {
  '.github/perf-gate.yml': fs.readFileSync(
    path.join(ROOT, 'examples', 'perf-gate.yml')
  ),
  '.github/data/products.csv': fs.readFileSync(
    path.join(ROOT, 'examples', 'data', 'products.csv')
  ),
  '.github/data/customers.json': fs.readFileSync(
    path.join(ROOT, 'examples', 'data', 'customers.json')
  )
}

describe('a paired run through the action', () => {
  it('hands k6 the reference, masks its password, and judges by pairs, not the baseline', async () => {
    const envLog = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'paired-')),
      'env.log'
    )
    const run = await runAction({
      files,
      inputs: {
        objective: 'load',
        'k6-path': FAKE_K6,
        'base-url': 'http://127.0.0.1:3000',
        'reference-url': 'http://ci:canary-ref-5b1e@127.0.0.1:3001',
        'github-token': 'ghs_test'
      },
      env: { FAKE_K6_FIXTURE: 'pass', FAKE_K6_ENV_LOG: envLog },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(0)
    const k6Env = JSON.parse(fs.readFileSync(envLog, 'utf8').trim())
    expect(k6Env.PERF_GATE_REFERENCE_URL).toBe(
      'http://ci:canary-ref-5b1e@127.0.0.1:3001'
    )
    // Masked: announced to the runner once, then never in the log.
    const lines = run.stdout.split('\n')
    expect(lines).toContain('::add-mask::canary-ref-5b1e')
    expect(
      lines.filter((l) => !l.startsWith('::add-mask::')).join('\n')
    ).not.toContain('canary-ref-5b1e')
    expect(run.summary).not.toContain('canary-ref-5b1e')
    expect(run.summary).toContain(
      '**Paired with the reference** (the same requests to both, at the same moments): not judged: results.json holds no request tagged with its target'
    )
    expect(run.stdout).toContain(
      'Paired run: compared with the reference under the same load; the baseline store is not read or written.'
    )
    const script = fs.readFileSync(
      path.join(run.workspace, 'perf-gate-results', 'perf-gate-script.js'),
      'utf8'
    )
    expect(script).toContain('const REFERENCE_URL')
    expect(script).not.toContain('canary-ref-5b1e')
  })

  it('refuses a reference for a script of its own, before k6 starts', async () => {
    const run = await runAction({
      files: { ...files, 'perf/own.js': 'export default function () {}\n' },
      inputs: {
        script: 'perf/own.js',
        'k6-path': FAKE_K6,
        'reference-url': 'http://127.0.0.1:3001'
      },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toContainEqual(
      expect.stringMatching(
        /^::error::Input 'reference-url': pairs the requests of a script perf-gate generates from a profile/
      )
    )
  })
})

describe('generate-only of a paired plan', () => {
  it('asks for the reference in config.example.env and USAGE.md', async () => {
    const run = await runAction({
      files,
      inputs: {
        'generate-only': 'true',
        objective: 'load',
        'reference-url': 'http://127.0.0.1:3001'
      },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(0)
    const dir = path.join(run.workspace, 'perf-gate-results')
    expect(
      fs.readFileSync(path.join(dir, 'config.example.env'), 'utf8').split('\n')
    ).toContain('PERF_GATE_REFERENCE_URL=')
    expect(fs.readFileSync(path.join(dir, 'USAGE.md'), 'utf8')).toContain(
      '`PERF_GATE_REFERENCE_URL` is the reference every request also goes to'
    )
  })
})
