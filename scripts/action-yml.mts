// `npm run action-yml`: write action.yml's inputs and outputs, and
// docs/inputs.md, from the one table of inputs (src/action/input-table.ts)
// and of outputs (src/action/outputs.ts). `-- --check` fails when either
// file is not what the tables give (CI runs it).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { stringify } from 'yaml'
import {
  GROUP_TITLE,
  INPUTS,
  type InputGroup,
  type InputSpec
} from '../src/action/input-table.js'
import { OUTPUTS } from '../src/action/outputs.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const check = process.argv.includes('--check')

const HEADER = `# Generated from src/action/input-table.ts and src/action/outputs.ts:
# edit those, then run \`npm run action-yml\`.
name: perf-gate
description: >-
  A performance gate for pull requests and nightly runs: installs k6, runs
  your load test, and fails the check when a k6 threshold is crossed or a
  real regression against main is found.
author: perf-gate
branding:
  icon: activity
  color: green
`

const groups = Object.keys(GROUP_TITLE) as InputGroup[]
const byGroup = (group: InputGroup) =>
  Object.entries(INPUTS as Record<string, InputSpec>).filter(
    ([, spec]) => spec.group === group
  )

function actionYml(): string {
  const inputs: Record<string, unknown> = {}
  for (const group of groups) {
    for (const [name, spec] of byGroup(group)) {
      inputs[name] = {
        description: spec.description,
        required: false,
        ...(spec.default !== undefined ? { default: spec.default } : {})
      }
    }
  }
  const outputs = Object.fromEntries(
    Object.values(OUTPUTS).map((o) => [o.name, { description: o.description }])
  )
  const body = stringify(
    { inputs, outputs, runs: { using: 'node24', main: 'dist/index.js' } },
    { lineWidth: 76, defaultStringType: 'PLAIN' }
  )
  return `${HEADER}\n${body}`
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function inputsDoc(): string {
  const out = [
    '# Inputs and outputs',
    '',
    'Every input of the action, grouped the way a workflow usually needs them:',
    'the essentials first. Generated from `src/action/input-table.ts`',
    '(`npm run action-yml`); `action.yml` is written from the same table.',
    ''
  ]
  for (const group of groups) {
    out.push(
      `## ${GROUP_TITLE[group]}`,
      '',
      '| Input | Default | What it does |',
      '|---|---|---|'
    )
    for (const [name, spec] of byGroup(group)) {
      const fallback =
        spec.default === undefined || spec.default === ''
          ? ''
          : `\`${spec.default}\``
      out.push(`| \`${name}\` | ${fallback} | ${cell(spec.description)} |`)
    }
    out.push('')
  }
  out.push('## Outputs', '', '| Output | What it holds |', '|---|---|')
  for (const o of Object.values(OUTPUTS)) {
    out.push(`| \`${o.name}\` | ${cell(o.description)} |`)
  }
  out.push('')
  return out.join('\n')
}

/** As `npm run format` leaves it, so the two never disagree. */
async function formatted(file: string, text: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {}
  return prettier.format(text, { ...options, filepath: file })
}

const files: [string, string][] = [
  [path.join(root, 'action.yml'), actionYml()],
  [path.join(root, 'docs', 'inputs.md'), inputsDoc()]
]
let stale = 0
for (const [file, raw] of files) {
  const text = await formatted(file, raw)
  const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  if (now === text) continue
  if (check) {
    console.error(
      `${path.relative(root, file)} is not what the input and output tables give: run \`npm run action-yml\`.`
    )
    stale++
  } else {
    fs.writeFileSync(file, text)
    console.log(`wrote ${path.relative(root, file)}`)
  }
}
if (check && stale === 0)
  console.log('action.yml and docs/inputs.md are fresh.')
process.exitCode = stale ? 1 : 0
