import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as semver from 'semver'
import { parse } from 'yaml'
import {
  GROUP_TITLE,
  INPUTS,
  type InputGroup,
  type InputSpec
} from '../src/action/input-table.js'
import { OUTPUT } from '../src/action/outputs.js'
import { ROOT } from './helpers/action.js'

/**
 * What a user reads about the action (action.yml, docs/inputs.md) and
 * what the code does with its inputs and outputs are one list: the input
 * table and the output map.
 */
const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'))
const inputsDoc = fs.readFileSync(path.join(ROOT, 'docs', 'inputs.md'), 'utf8')

/** The names in the first column of every table of docs/inputs.md. */
function tableNames(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => /^\| `([a-z0-9-]+)`/.exec(line)?.[1] ?? '')
}

describe('action.yml, the code and the docs agree', () => {
  it('every output in action.yml is one the code writes, and the other way round', () => {
    expect(Object.values(OUTPUT).sort()).toEqual(
      Object.keys(action.outputs).sort()
    )
  })

  it("action.yml's inputs are the table's: names in its order, defaults and descriptions", () => {
    expect(Object.keys(action.inputs)).toEqual(
      (Object.keys(GROUP_TITLE) as InputGroup[]).flatMap((group) =>
        Object.entries(INPUTS as Record<string, InputSpec>)
          .filter(([, spec]) => spec.group === group)
          .map(([name]) => name)
      )
    )
    for (const [name, spec] of Object.entries(
      INPUTS as Record<string, InputSpec>
    )) {
      expect(action.inputs[name]).toEqual({
        description: spec.description,
        required: false,
        ...(spec.default !== undefined ? { default: spec.default } : {})
      })
    }
  })

  it('docs/inputs.md lists every input and output', () => {
    const [inputs, outputs] = inputsDoc.split('## Outputs')
    expect(tableNames(inputs).sort()).toEqual(Object.keys(action.inputs).sort())
    expect(tableNames(outputs).sort()).toEqual(
      Object.keys(action.outputs).sort()
    )
  })
})

describe('the Node versions and CI agree', () => {
  const pkg = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')
  ) as { engines: { node: string } }
  const lock = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')
  ) as { packages: Record<string, { engines?: unknown; version?: string }> }
  const ci = parse(
    fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')
  ) as {
    jobs: Record<
      string,
      {
        strategy?: { matrix: Record<string, unknown> }
        steps: { run?: string }[]
      }
    >
  }

  it('every locked package runs on the oldest Node engines allows and on the action runtime (no EBADENGINE on npm ci)', () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version ?? ''
    const runtime = `${/^node(\d+)$/.exec(action.runs.using)?.[1]}.0.0`
    const refused: string[] = []
    for (const [where, entry] of Object.entries(lock.packages)) {
      const range = (entry.engines as { node?: unknown } | undefined)?.node
      if (typeof range !== 'string') continue
      for (const node of [oldest, runtime]) {
        if (!semver.satisfies(node, range)) {
          refused.push(`${where}@${entry.version} needs node ${range}`)
        }
      }
    }
    expect(oldest).toBe('20.19.0')
    expect(refused).toEqual([])
  })

  it('GitHub CI tests every Node version it claims and runs every check .ci/run runs', () => {
    const test = ci.jobs.test
    expect(test.strategy?.matrix.node).toEqual([20, 24])
    const runs = Object.values(ci.jobs)
      .flatMap((job) => job.steps.map((step) => step.run ?? ''))
      .join('\n')
    const local = fs
      .readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('npm run ') || line === 'npm test')
    expect(local.length).toBeGreaterThan(5)
    for (const command of local) {
      expect([command, runs.includes(command)]).toEqual([command, true])
    }
  })

  it("the action's self-test covers k6 1.3.0, the newest 1.x (1.6.1) and latest", () => {
    const include = ci.jobs.action.strategy?.matrix.include as {
      'k6-version': string
    }[]
    const versions = new Set(include.map((row) => row['k6-version']))
    expect([...versions].sort()).toEqual(['1.3.0', '1.6.1', 'latest'])
  })

  it('the example workflows use only what a runner has (no npx of a package the repository lacks)', () => {
    const dir = path.join(ROOT, 'examples', 'workflows')
    for (const file of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8')
      expect([file, /\bnpx\b/.test(text)]).toEqual([file, false])
    }
  })
})
