// `npm run schema` writes schema/perf-gate.schema.json from the zod schema;
// `npm run schema -- --check` fails when the committed file is stale.
import * as fs from 'node:fs'
import { profileJsonSchema } from '../src/profile/schema.js'

const file = 'schema/perf-gate.schema.json'
const text = `${JSON.stringify(profileJsonSchema(), null, 2)}\n`
if (process.argv.includes('--check')) {
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
    console.error(`${file} is stale: run \`npm run schema\` and commit it.`)
    process.exit(1)
  }
  console.log(`${file} is fresh.`)
} else {
  fs.writeFileSync(file, text)
  console.log(`wrote ${file}`)
}
