import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { readCsv } from '../../src/profile/csv.js'
import type { DataFile } from '../../src/script/generate.js'

export const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..'
)
export const FIXTURES = path.join(ROOT, '__tests__', 'fixtures', 'k6')
export const FAKE_K6 = path.join(ROOT, '__tests__', 'helpers', 'fake-k6.mjs')
const DIST = path.join(ROOT, 'dist', 'index.js')

export interface ActionOptions {
  /** Inputs by their action.yml names; the rest get action.yml's defaults. */
  inputs?: Record<string, string>
  env?: Record<string, string>
  event?: { name: string; payload: object }
  /** Files to create in the workspace, by relative path. */
  files?: Record<string, string | Buffer>
  /** Called with each stdout chunk, e.g. to cancel the run midway. */
  onStdout?: (text: string, child: ChildProcess) => void
  /** Called once the action's process has started. */
  onStart?: (child: ChildProcess) => void
}

export interface ActionRun {
  code: number | null
  /** How long the action's process ran. */
  elapsedMs: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** What the action wrote to GITHUB_STEP_SUMMARY. */
  summary: string
  workspace: string
  runnerTemp: string
}

let checkedDist = false

/** The e2e tests run the bundle; a bundle older than src/ tests old code. */
function assertDistFresh(): void {
  if (checkedDist) return
  if (!fs.existsSync(DIST)) {
    throw new Error('dist/index.js is missing: run `npm run bundle` first.')
  }
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const file = path.join(dir, entry.name)
      return Math.max(
        latest,
        entry.isDirectory() ? newest(file) : fs.statSync(file).mtimeMs
      )
    }, 0)
  // A fresh clone writes all files within moments of each other.
  if (newest(path.join(ROOT, 'src')) > fs.statSync(DIST).mtimeMs + 5000) {
    throw new Error('dist/index.js is older than src/: run `npm run bundle`.')
  }
  checkedDist = true
}

/** The defaults a runner would pass for inputs the workflow leaves out. */
function defaultInputs(): Record<string, string> {
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'))
  const defaults: Record<string, string> = {}
  for (const [name, spec] of Object.entries<{ default?: string }>(
    action.inputs
  )) {
    const value = spec.default ?? ''
    // `${{ github.token }}` has no value outside a runner.
    defaults[name] = value.includes('${{') ? '' : String(value)
  }
  return defaults
}

export function inputEnv(
  inputs: Record<string, string>
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
      value
    ])
  )
}

/**
 * Run dist/index.js as a child process with the environment a GitHub
 * runner gives an action, in a fresh temporary workspace.
 */
export async function runAction(
  options: ActionOptions = {}
): Promise<ActionRun> {
  assertDistFresh()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-gate-e2e-'))
  const workspace = path.join(root, 'workspace')
  const runnerTemp = path.join(root, 'runner-temp')
  const toolCache = path.join(root, 'tool-cache')
  for (const dir of [workspace, runnerTemp, toolCache]) fs.mkdirSync(dir)
  for (const [file, content] of Object.entries(options.files ?? {})) {
    const target = path.join(workspace, file)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, content)
  }
  const outputFile = path.join(runnerTemp, 'github-output')
  const summaryFile = path.join(runnerTemp, 'step-summary.md')
  const eventFile = path.join(runnerTemp, 'event.json')
  fs.writeFileSync(outputFile, '')
  fs.writeFileSync(summaryFile, '')
  fs.writeFileSync(eventFile, JSON.stringify(options.event?.payload ?? {}))

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: options.event?.name ?? 'push',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '4242',
    GITHUB_JOB: 'perf',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    // Nothing may reach the real GitHub from a test.
    GITHUB_API_URL: 'http://127.0.0.1:9',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    FAKE_K6_FIXTURES: FIXTURES,
    ...inputEnv({ ...defaultInputs(), ...options.inputs }),
    ...options.env
  }

  const started = Date.now()
  const child = spawn(process.execPath, [DIST], { cwd: workspace, env })
  options.onStart?.(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
    options.onStdout?.(text, child)
  })
  child.stderr
    .setEncoding('utf8')
    .on('data', (text: string) => (stderr += text))
  const code = await new Promise<number | null>((resolve) =>
    child.on('close', resolve)
  )

  return {
    code,
    elapsedMs: Date.now() - started,
    stdout,
    stderr,
    outputs: parseOutputFile(fs.readFileSync(outputFile, 'utf8')),
    summary: fs.readFileSync(summaryFile, 'utf8'),
    workspace,
    runnerTemp
  }
}

/** `name<<DELIM\nvalue\nDELIM\n`, as @actions/core writes GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++)
      value.push(lines[i])
    outputs[name] = value.join('\n')
  }
  return outputs
}

/** The script of a recorded run, named so the stand-in replays that run. */
export function fixtureScript(name: string): Record<string, string> {
  return {
    [`perf/${name}.js`]: fs.readFileSync(
      path.join(FIXTURES, name, 'script.js'),
      'utf8'
    )
  }
}

/** The `::error …::` annotations a run printed, with escapes decoded. */
export function annotations(stdout: string, kind = 'error'): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${kind}`))
    .map((line) =>
      line
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%3A/g, ':')
        .replace(/%2C/g, ',')
        .replace(/%25/g, '%')
    )
}

/** A pull request event of acme/shop into main, as the runner gives it. */
export function pullRequestEvent(
  number: number,
  options: { labels?: string[]; baseSha?: string; headSha?: string } = {}
): { name: string; payload: object } {
  return {
    name: 'pull_request',
    payload: {
      repository: { default_branch: 'main' },
      pull_request: {
        number,
        labels: (options.labels ?? []).map((name) => ({ name })),
        base: {
          ref: 'main',
          sha: options.baseSha ?? '0'.repeat(40),
          repo: { full_name: 'acme/shop' }
        },
        head: {
          sha: options.headSha ?? 'f'.repeat(40),
          repo: { full_name: 'acme/shop' }
        }
      }
    }
  }
}

/** A push to main. */
export const PUSH_EVENT = {
  name: 'push',
  payload: { repository: { default_branch: 'main' } }
}

/**
 * A fixture root for the fake k6 whose run `name` is the recorded run in
 * `source` with one change to its results.json (read from results.json or
 * results.json.gz), made by `edit`: every other file as k6 wrote it. The
 * caller removes the returned folder.
 */
export function editedRun(
  source: string,
  edit: (results: string) => string,
  name = 'pass'
): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edited-run-'))
  const target = path.join(root, name)
  fs.mkdirSync(target)
  for (const file of fs.readdirSync(source)) {
    if (!file.startsWith('results.json')) {
      fs.copyFileSync(path.join(source, file), path.join(target, file))
    }
  }
  fs.copyFileSync(
    path.join(FIXTURES, 'version.txt'),
    path.join(root, 'version.txt')
  )
  const plain = path.join(source, 'results.json')
  const results = fs.existsSync(plain)
    ? fs.readFileSync(plain, 'utf8')
    : zlib.gunzipSync(fs.readFileSync(`${plain}.gz`)).toString('utf8')
  fs.writeFileSync(path.join(target, 'results.json'), edit(results))
  return root
}

/**
 * A workspace with `profile` as .github/perf-gate.yml and the example
 * data files beside it (examples/data), as the example profiles expect.
 */
/**
 * The example profile's data files, as generateScript is given them: the
 * CSV with its header read from the file (k6 reads its rows as arrays).
 */
export const EXAMPLE_DATA_FILES: Record<string, DataFile> = {
  products: {
    path: path.join(ROOT, 'examples', 'data', 'products.csv'),
    columns: readCsv(
      fs.readFileSync(
        path.join(ROOT, 'examples', 'data', 'products.csv'),
        'utf8'
      )
    ).header
  },
  customers: { path: path.join(ROOT, 'examples', 'data', 'customers.json') }
}

export function exampleFiles(
  profile: string | Buffer
): Record<string, string | Buffer> {
  return {
    '.github/perf-gate.yml': profile,
    '.github/data/products.csv': fs.readFileSync(
      path.join(ROOT, 'examples', 'data', 'products.csv')
    ),
    '.github/data/customers.json': fs.readFileSync(
      path.join(ROOT, 'examples', 'data', 'customers.json')
    )
  }
}
