/**
 * `npm run demo`: the product in a minute. A shop API on 127.0.0.1, a
 * loopback GitHub (its data branch and pull request comments), and the
 * bundled action run as a runner runs it: three pushes to main record a
 * history, then a pull request that makes one endpoint slower is compared
 * with it. It prints the verdicts in a few lines and writes the pull
 * request's comment rendered as GitHub shows it.
 *
 * k6 comes from K6_PATH, else from PATH. Without k6 the demo replays real
 * recorded k6 runs with the test suite's stand-in (a service whose speed
 * drifts from run to run; the pull request's run with one endpoint's
 * latencies doubled), and says so.
 */
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify, parse } from 'yaml'
import { editedRun, parseOutputFile } from '../__tests__/helpers/action.js'
import { startGitHubApi } from '../__tests__/helpers/github-api.js'
import { startDemoApi } from './api.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist', 'index.js')
const NOISE = path.join(root, '__tests__', 'fixtures', 'k6-noise')
const SLOWED = 'GET /api/products/:id'

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name)
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      if (fs.statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** The example profile, its runs shortened for a demo. */
function demoProfile(): string {
  const profile = parse(
    fs.readFileSync(path.join(root, 'examples', 'perf-gate.yml'), 'utf8')
  ) as { objectives: Record<string, unknown> }
  profile.objectives.load = { rate: 20, duration: '15s' }
  profile.objectives.smoke = { rate: 20, duration: '15s' }
  return stringify(profile)
}

interface Step {
  label: string
  event: { name: string; payload: object }
  env: Record<string, string>
}

async function main(): Promise<number> {
  if (!fs.existsSync(dist)) {
    console.error('dist/index.js is missing: run `npm run bundle` first.')
    return 1
  }
  const realK6 =
    process.env.K6_PATH ||
    findOnPath(process.platform === 'win32' ? 'k6.exe' : 'k6')
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-gate-demo-'))
  const github = await startGitHubApi('perf-gate/demo')
  const main = await startDemoApi()
  // The pull request's build: its product lookups are 10 ms slower.
  const slowed = await startDemoApi({
    delay: (url, own) =>
      url.pathname.startsWith('/api/products/') ? own + 10 : own
  })

  console.log(`The shop: ${main.url} (demo/api.ts); GitHub: a loopback API`)
  console.log(
    realK6
      ? `k6: ${realK6}`
      : 'k6: none on PATH or in K6_PATH, so the demo replays real recorded k6 runs (__tests__/fixtures/k6-noise) with the test suite’s stand-in'
  )
  console.log('')

  const steps: Step[] = [1, 2, 3].map((n) => ({
    label: `main, push ${n} of 3`,
    event: {
      name: 'push',
      payload: { repository: { default_branch: 'main' } }
    },
    env: {
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: String(n).repeat(40),
      GITHUB_RUN_ID: String(100 + n),
      'INPUT_BASE-URL': main.url,
      FAKE_K6_FIXTURE: `fast-lat20-drift5/aa-0${n}`
    }
  }))
  // Without k6: the recorded run aa-04 with the endpoint's latencies doubled.
  const fixtures = realK6
    ? undefined
    : editedRun(
        path.join(NOISE, 'fast-lat20-drift5', 'aa-04'),
        (text) =>
          text.replace(
            /("metric":"http_req_duration","type":"Point","data":\{"time":"[^"]+","value":)([\d.]+)(,"tags":\{[^}]*"name":"GET \/api\/products\/:id")/g,
            (_m, head: string, v: string, tail: string) =>
              `${head}${Number(v) * 2}${tail}`
          ),
        'pull-request'
      )
  steps.push({
    label: `pull request #1, ${SLOWED} made slower`,
    event: {
      name: 'pull_request',
      payload: {
        repository: { default_branch: 'main' },
        pull_request: {
          number: 1,
          labels: [],
          base: { ref: 'main', sha: '3'.repeat(40) },
          head: { sha: 'f'.repeat(40) }
        }
      }
    },
    env: {
      GITHUB_REF: 'refs/pull/1/merge',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_RUN_ID: '200',
      'INPUT_BASE-URL': slowed.url,
      FAKE_K6_FIXTURE: 'pull-request',
      ...(fixtures ? { FAKE_K6_FIXTURES: fixtures } : {})
    }
  })

  let code = 0
  try {
    for (const step of steps) {
      const result = await runStep(step, work, github.url, realK6)
      const verdict = result.outputs.verdict || 'fail'
      const mark = verdict === 'pass' ? '✅' : verdict === 'warn' ? '⚠️' : '❌'
      console.log(`${step.label}: ${mark} ${result.headline}`)
      if (step.event.name === 'push' && result.code === 0) {
        console.log('   recorded on the data branch as main’s baseline')
      }
      if (result.code !== 0 && step.event.name === 'push') {
        console.log(`   (its log: ${result.log})`)
        code = 1
        break
      }
    }
    const comment = github.comments.get(1)?.[0]?.body
    if (comment) {
      const dir = path.join(work, 'comment')
      fs.mkdirSync(dir, { recursive: true })
      fs.writeFileSync(path.join(dir, 'pull-request-comment.md'), comment)
      console.log('')
      console.log(
        `The pull request's comment, as GitHub shows it: ${render(dir)}`
      )
    }
  } finally {
    await Promise.all([github.close(), main.close(), slowed.close()])
    if (fixtures) fs.rmSync(fixtures, { recursive: true, force: true })
  }
  return code
}

/** One run of the bundled action; its log to a file, its outputs read. */
async function runStep(
  step: Step,
  work: string,
  apiUrl: string,
  realK6: string | undefined
): Promise<{
  code: number
  outputs: Record<string, string>
  headline: string
  log: string
}> {
  const dir = fs.mkdtempSync(path.join(work, 'run-'))
  const workspace = path.join(dir, 'workspace')
  const runnerTemp = path.join(dir, 'runner-temp')
  fs.mkdirSync(path.join(workspace, '.github'), { recursive: true })
  fs.mkdirSync(runnerTemp)
  fs.writeFileSync(
    path.join(workspace, '.github', 'perf-gate.yml'),
    demoProfile()
  )
  fs.cpSync(
    path.join(root, 'examples', 'data'),
    path.join(workspace, '.github', 'data'),
    { recursive: true }
  )
  const file = (name: string, text = ''): string => {
    const p = path.join(runnerTemp, name)
    fs.writeFileSync(p, text)
    return p
  }
  const outputFile = file('github-output')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: file('step-summary.md'),
    GITHUB_OUTPUT: outputFile,
    GITHUB_EVENT_PATH: file('event.json', JSON.stringify(step.event.payload)),
    GITHUB_EVENT_NAME: step.event.name,
    GITHUB_REPOSITORY: 'perf-gate/demo',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: apiUrl,
    GITHUB_JOB: 'perf',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    // The tool cache outlives the demo so a downloaded k6 is reused.
    RUNNER_TOOL_CACHE: path.join(
      os.homedir(),
      '.cache',
      'perf-gate',
      'tool-cache'
    ),
    'INPUT_GITHUB-TOKEN': 'ghs_demo_token',
    'INPUT_K6-PATH':
      realK6 ?? path.join(root, '__tests__', 'helpers', 'fake-k6.mjs'),
    'INPUT_K6-VERSION': '1.3.0',
    'INPUT_UPLOAD-ARTIFACTS': 'false',
    ...(realK6 ? {} : { FAKE_K6_FIXTURES: NOISE, FAKE_K6_VERSION: '1.3.0' }),
    ...step.env
  }
  const log = path.join(dir, 'action.log')
  const out = fs.openSync(log, 'w')
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [dist], {
      cwd: workspace,
      env,
      stdio: ['ignore', out, out]
    })
    child.on('close', (exitCode) => resolve(exitCode ?? 1))
  })
  fs.closeSync(out)
  const summary = fs.readFileSync(env.GITHUB_STEP_SUMMARY as string, 'utf8')
  // The report's first line, as a person reads it.
  const headline = (
    /^## [^\s]+ (.*)$/m.exec(summary)?.[1] ?? 'no report'
  ).replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1')
  return {
    code,
    outputs: parseOutputFile(fs.readFileSync(outputFile, 'utf8')),
    headline,
    log
  }
}

/**
 * The comment rendered as GitHub shows it (scripts/screenshot.mjs:
 * markdown-it, mermaid, headless Chromium): the picture's path, or the
 * page's when no Chromium is installed.
 */
function render(dir: string): string {
  try {
    const printed = execFileSync(
      process.execPath,
      [path.join(root, 'scripts', 'screenshot.mjs'), dir],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }
    )
    return printed.trim().split('\n').pop() ?? dir
  } catch {
    const page = path.join(dir, 'pull-request-comment.html')
    return fs.existsSync(page)
      ? `${page} (open it in a browser; install chromium for a picture)`
      : path.join(dir, 'pull-request-comment.md')
  }
}

process.exitCode = await main()
