import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parse } from 'yaml'
import { OBJECTIVES } from '../src/profile/schema.js'
import {
  annotations,
  FAKE_K6,
  PUSH_EVENT,
  ROOT,
  runAction
} from './helpers/action.js'
import { upService, type LoopbackServer } from './helpers/http.js'

/**
 * Every example profile a team may copy, run through the bundled action
 * for every objective a trigger or a manual run can pick: it runs, or the
 * profile says it is not for that objective and the run fails at once in
 * one line. k6 is the stand-in replaying a real run; the service is up.
 */
const EXAMPLES = fs
  .readdirSync(path.join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.yml'))
  .sort()

let service: LoopbackServer
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-'))
// A browser for the journey's example (k6 is a stand-in: it is never run).
const browser = path.join(tmp, 'chromium')
fs.writeFileSync(browser, '#!/bin/sh\nexit 0\n', { mode: 0o755 })
beforeAll(async () => {
  service = await upService()
})
afterAll(async () => {
  await service.close()
  fs.rmSync(tmp, { recursive: true, force: true })
})

function profileFiles(example: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    '.github/perf-gate.yml': fs.readFileSync(
      path.join(ROOT, 'examples', example)
    )
  }
  for (const data of fs.readdirSync(path.join(ROOT, 'examples', 'data'))) {
    files[`.github/data/${data}`] = fs.readFileSync(
      path.join(ROOT, 'examples', 'data', data)
    )
  }
  return files
}

const cases = EXAMPLES.flatMap((example) =>
  OBJECTIVES.map((objective) => [example, objective] as const)
)

describe('every example, every objective', () => {
  it('covers the examples', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(4)
  })

  it.each(cases)('%s, %s', async (example, objective) => {
    const profile = parse(
      fs.readFileSync(path.join(ROOT, 'examples', example), 'utf8')
    ) as { objectives?: { only?: string[] } }
    const only = profile.objectives?.only
    const run = await runAction({
      files: profileFiles(example),
      inputs: {
        objective,
        'base-url': service.url,
        'k6-path': FAKE_K6,
        baseline: 'none'
      },
      env: {
        FAKE_K6_FIXTURE: 'pass',
        // What the examples read from the environment.
        API_TOKEN: 'example-token-0123456789',
        K6_BROWSER_EXECUTABLE_PATH: browser
      },
      event: PUSH_EVENT
    })
    if (only && !only.includes(objective)) {
      expect(run.code).toBe(1)
      expect(annotations(run.stdout)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^::error::\\.github/perf-gate\\.yml:\\d+:\\d+: objectives\\.only: this profile is for ${only.join(', ')}, and this run's objective is ${objective}`
          )
        )
      ])
    } else {
      expect({ example, objective, errors: annotations(run.stdout) }).toEqual({
        example,
        objective,
        errors: []
      })
      expect(run.code).toBe(0)
      expect(run.outputs.objective).toBe(objective)
    }
  })
})
