import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
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
