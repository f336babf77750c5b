import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as semver from 'semver'
import { parse } from 'yaml'
import { OUTPUT } from '../src/action/outputs.js'
import { ROOT } from './helpers/action.js'

/**
 * What a user reads about the action (action.yml, the README's tables)
 * and what the code does with its inputs and outputs are one list.
 */
const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'))
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
const inputsSource = fs.readFileSync(
  path.join(ROOT, 'src', 'action', 'inputs.ts'),
  'utf8'
)

/** The names in the first column of the README table under `heading`. */
function tableNames(heading: string): string[] {
  const section = readme.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? ''
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) =>
      [...line.split('|')[1].matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1])
    )
}

describe('action.yml, the code and the README agree', () => {
  it('every output in action.yml is one the code writes, and the other way round', () => {
    expect(Object.values(OUTPUT).sort()).toEqual(
      Object.keys(action.outputs).sort()
    )
  })

  it('every input in action.yml is read by getInputs', () => {
    for (const name of Object.keys(action.inputs)) {
      expect([name, inputsSource.includes(`'${name}'`)]).toEqual([name, true])
    }
  })

  it("the README's tables list every input and output", () => {
    expect(tableNames('Inputs').sort()).toEqual(
      Object.keys(action.inputs).sort()
    )
    expect(tableNames('Outputs').sort()).toEqual(
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
