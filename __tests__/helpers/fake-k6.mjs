#!/usr/bin/env node
// A k6 stand-in for CI, where real k6 cannot be downloaded. It replays a
// recorded real run from __tests__/fixtures/k6/<fixture>/ for the arguments
// it is given: stdout, stderr, the files k6 writes, and the exit code.
//
//   k6 version                      → the recorded `k6 version` output (of the
//                                     fixture's version folder, v2.2.0/…)
//   k6 run [flags] <dir>/<name>.js  → replays fixture <name> (or FAKE_K6_FIXTURE)
//   k6 inspect [--execution-requirements] <dir>/<name>.js
//                                   → the fixture's recorded inspect output, or
//                                     the error of a fixture that never loaded
//   k6 run --execution-segment S --execution-segment-sequence Q …
//                                   → replays shard-i of a sharded fixture, i
//                                     chosen by S among its command.txt's
//
// Honoured flags: --summary-export <file>, --out json=<file>[.gz]; and
// K6_WEB_DASHBOARD=true with K6_WEB_DASHBOARD_EXPORT=<file> (the recorded
// report.html).
// Environment:
//   FAKE_K6_FIXTURES        fixture root (default: ../fixtures/k6 beside this file)
//   FAKE_K6_FIXTURE         replay this fixture whatever the script is called
//   FAKE_K6_REFERENCE_FIXTURE  …but this one for `--tag target=reference` (a
//                           paired run's reference, the script run twice)
//   FAKE_K6_VERSION         report this version instead of the recorded one
//   FAKE_K6_RESULTS         link this file as results.json (npm run bench's
//                           large tiled runs) instead of the fixture's
//   FAKE_K6_ARGV_LOG        append this invocation's argv (JSON line) to the file
//   FAKE_K6_ENV_LOG         append the environment of `k6 run` (JSON line):
//                           every variable but PATH, HOME and FAKE_K6_*
//   FAKE_K6_WAIT_FOR_SIGNAL when set, print the first output and wait for
//                           SIGINT/SIGTERM, then write the summary and exit 105
//                           as k6 does when it is interrupted
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root =
  process.env.FAKE_K6_FIXTURES ?? path.resolve(here, '..', 'fixtures', 'k6')
const argv = process.argv.slice(2)

if (process.env.FAKE_K6_ARGV_LOG) {
  fs.appendFileSync(process.env.FAKE_K6_ARGV_LOG, `${JSON.stringify(argv)}\n`)
}
if (process.env.FAKE_K6_ENV_LOG && argv[0] === 'run') {
  // The variables k6 was started with, as one JSON line.
  const k6Env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(PATH|HOME|FAKE_K6_.*)$/.test(name)
    )
  )
  fs.appendFileSync(process.env.FAKE_K6_ENV_LOG, `${JSON.stringify(k6Env)}\n`)
}

if (argv[0] === 'version') {
  const version = process.env.FAKE_K6_VERSION
  // A fixture of a version folder (v2.2.0/pass) answers as that build did:
  // its recorded `k6 version --json`, in the words of `k6 version`.
  const folder = (process.env.FAKE_K6_FIXTURE ?? '').split('/')[0]
  const recorded = path.join(root, folder, 'version.json')
  if (version) {
    process.stdout.write(
      `k6 v${version} (commit/fake, go1.23.5, linux/amd64)\n`
    )
  } else if (/^v\d/.test(folder) && fs.existsSync(recorded)) {
    const v = JSON.parse(fs.readFileSync(recorded, 'utf8'))
    process.stdout.write(
      `k6 ${v.version} (commit/${v.commit}, ${v.go_version}, ${v.go_os}/${v.go_arch})\n`
    )
  } else {
    process.stdout.write(
      fs.readFileSync(path.join(root, 'version.txt'), 'utf8')
    )
  }
  process.exit(0)
}

if (argv[0] === 'inspect') {
  // `k6 inspect [--execution-requirements] <script>`: the recorded output of
  // the fixture's own `k6 inspect` (pass records both forms). k6 loads the
  // script for inspect as for run (loadLocalTest): a fixture whose run
  // failed to load replays that run's stderr and exit code, without the
  // banner, which only `k6 run` prints.
  const script = argv[argv.length - 1]
  const name =
    process.env.FAKE_K6_FIXTURE ?? path.basename(script).replace(/\.js$/, '')
  const dir = path.join(root, name)
  const recorded = path.join(
    dir,
    argv.includes('--execution-requirements')
      ? 'inspect-execution-requirements.json'
      : 'inspect.json'
  )
  const exitFile = path.join(dir, 'exitcode.txt')
  const runExit = fs.existsSync(exitFile)
    ? Number(fs.readFileSync(exitFile, 'utf8').trim())
    : 0
  if (!fs.existsSync(script)) {
    process.stderr.write(
      `time="2026-11-22T23:58:42Z" level=error msg="The moduleSpecifier \\"${script}\\" couldn't be found on local disk. Make sure that you've specified the right path to the file."\n`
    )
    process.exit(255)
  } else if (fs.existsSync(recorded)) {
    process.stdout.write(fs.readFileSync(recorded))
    process.exit(0)
  } else if (runExit === 255 || runExit === 107) {
    process.stderr.write(fs.readFileSync(path.join(dir, 'stderr.txt')))
    process.exit(runExit)
  }
  process.stderr.write(`fake k6: no recorded k6 inspect for ${name}\n`)
  process.exit(254)
}

if (argv[0] !== 'run') {
  process.stderr.write(`fake k6: unsupported command ${argv[0]}\n`)
  process.exit(255)
}

let summaryPath
let resultsPath
for (let i = 1; i < argv.length; i++) {
  const arg = argv[i]
  if (arg === '--summary-export') summaryPath = argv[++i]
  else if (arg.startsWith('--summary-export='))
    summaryPath = arg.split('=').slice(1).join('=')
  else if (arg === '--out' || arg === '-o') {
    const out = argv[++i]
    if (out.startsWith('json=')) resultsPath = out.slice(5)
  }
}
const script = argv[argv.length - 1]
const tagAt = argv.indexOf('--tag')
const reference = tagAt > 0 && argv[tagAt + 1] === 'target=reference'
let fixtureName =
  (reference ? process.env.FAKE_K6_REFERENCE_FIXTURE : undefined) ??
  process.env.FAKE_K6_FIXTURE ??
  path.basename(script).replace(/\.js$/, '')
// A recorded sharded run (shard-1…n beside its command.txt): the segment
// k6 is given picks the shard, and must be one the recording ran. Another
// fixture replays whatever the segment (a script that fails, fails in
// every segment).
const segmentAt = argv.indexOf('--execution-segment')
const command = path.join(root, fixtureName, 'command.txt')
if (segmentAt > 0 && fs.existsSync(path.join(root, fixtureName, 'shard-1'))) {
  const given = argv[segmentAt + 1]
  const sequence = argv[argv.indexOf('--execution-segment-sequence') + 1]
  const recorded = fs.readFileSync(command, 'utf8')
  const segments = /SEG = (.*); /.exec(recorded)?.[1].split(', ') ?? []
  const index = segments.indexOf(given)
  if (
    index < 0 ||
    !recorded.includes(`--execution-segment-sequence "${sequence}"`)
  ) {
    process.stderr.write(
      `fake k6: ${fixtureName} has no recorded shard for --execution-segment ${given} --execution-segment-sequence ${sequence}\n`
    )
    process.exit(254)
  }
  fixtureName = path.join(fixtureName, `shard-${index + 1}`)
}
const fixture = path.join(root, fixtureName)
if (!fs.existsSync(script)) {
  process.stderr.write(
    `time="2026-11-22T23:58:42Z" level=error msg="The moduleSpecifier \\"${script}\\" couldn't be found on local disk. Make sure that you've specified the right path to the file."\n`
  )
  process.exit(255)
}
if (!fs.existsSync(fixture)) {
  process.stderr.write(
    `fake k6: no recorded run named ${fixtureName} in ${root}\n`
  )
  process.exit(254)
}

const read = (name) => {
  const file = path.join(fixture, name)
  return fs.existsSync(file) ? fs.readFileSync(file) : undefined
}

function writeOutputs() {
  const summary = read('summary.json')
  if (summaryPath && summary) {
    fs.mkdirSync(path.dirname(path.resolve(summaryPath)), { recursive: true })
    fs.writeFileSync(summaryPath, summary)
  }
  if (resultsPath && process.env.FAKE_K6_RESULTS) {
    // A large recorded run (the benchmark's): linked into place, not read.
    fs.mkdirSync(path.dirname(path.resolve(resultsPath)), { recursive: true })
    fs.rmSync(resultsPath, { force: true })
    fs.linkSync(process.env.FAKE_K6_RESULTS, resultsPath)
  } else if (resultsPath) {
    let results = read('results.json')
    const gz = read('results.json.gz')
    if (!results && gz) results = zlib.gunzipSync(gz)
    if (results) {
      fs.mkdirSync(path.dirname(path.resolve(resultsPath)), { recursive: true })
      fs.writeFileSync(
        resultsPath,
        resultsPath.endsWith('.gz') ? zlib.gzipSync(results) : results
      )
    }
  }
  const handle = read('handle-summary.json')
  if (handle) fs.writeFileSync('handle-summary.json', handle)
  // k6's web dashboard export, where the recorded run made one.
  const exportPath = process.env.K6_WEB_DASHBOARD_EXPORT
  const html = read('report.html')
  if (process.env.K6_WEB_DASHBOARD === 'true' && exportPath && html) {
    fs.mkdirSync(path.dirname(path.resolve(exportPath)), { recursive: true })
    fs.writeFileSync(exportPath, html)
  }
}

const stdout = read('stdout.txt') ?? Buffer.alloc(0)
const stderr = read('stderr.txt') ?? Buffer.alloc(0)
const exitCode = Number(String(read('exitcode.txt') ?? '0').trim())

if (process.env.FAKE_K6_WAIT_FOR_SIGNAL) {
  // Print the banner and the first progress lines, then "run" until the
  // runner cancels the job.
  // The handlers first: a signal may come as soon as the output is seen.
  const keepAlive = setInterval(() => {}, 1000)
  const stop = (signal) => {
    clearInterval(keepAlive)
    process.stderr.write(
      `time="2026-11-22T23:58:42Z" level=error msg="test run was aborted because k6 received a '${signal === 'SIGINT' ? 'interrupt' : 'terminated'}' signal"\n`
    )
    writeOutputs()
    process.exitCode = 105
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  const lines = stdout.toString().split('\n')
  process.stdout.write(lines.slice(0, 20).join('\n') + '\n')
} else {
  writeOutputs()
  process.stdout.write(stdout)
  process.stderr.write(stderr)
  process.exitCode = exitCode
}
