// Fails when the committed dist/ is not what `npm run package` builds from
// src/ now: a stale bundle would ship yesterday's code to every user.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-gate-dist-'))
execFileSync(
  process.execPath,
  [
    path.join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
    'build',
    'src/index.ts',
    '-o',
    fresh,
    '--license',
    'licenses.txt',
    // Without the shared cache (~/.cache/ncc): a module taken from it
    // skips the license plugin, and licenses.txt then depends on what
    // other builds on the machine left there.
    '--no-cache',
    '--quiet'
  ],
  { stdio: 'inherit' }
)

/**
 * The same file; licenses.txt by its lines, whatever their order (a
 * package added or removed still differs).
 */
function same(file, a, b) {
  const [x, y] = [fs.readFileSync(a), fs.readFileSync(b)]
  if (x.equals(y)) return true
  if (file !== 'licenses.txt') return false
  const lines = (bytes) => bytes.toString('utf8').split('\n').sort().join('\n')
  return lines(x) === lines(y)
}

const list = (dir) =>
  fs.readdirSync(dir, { recursive: true }).map(String).sort()
const committed = list('dist')
const built = list(fresh)
const problems = []
for (const file of new Set([...committed, ...built])) {
  const a = path.join('dist', file)
  const b = path.join(fresh, file)
  if (!fs.existsSync(a)) problems.push(`dist/${file} is missing`)
  else if (!fs.existsSync(b)) problems.push(`dist/${file} is no longer built`)
  else if (fs.statSync(a).isFile() && !same(file, a, b)) {
    problems.push(`dist/${file} differs from a fresh build`)
  }
}
fs.rmSync(fresh, { recursive: true, force: true })
if (problems.length > 0) {
  console.error(problems.join('\n'))
  console.error('dist/ is stale: run `npm run bundle` and commit dist/.')
  process.exit(1)
}
console.log('dist/ matches a fresh build of src/.')
