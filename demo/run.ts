/**
 * `npm run demo`: start the demo API on 127.0.0.1, run the bundled action
 * (dist/index.js) the way a runner does, and print its job summary.
 *
 * k6 comes from K6_PATH, else from PATH; without either the action installs
 * it through the tool cache from GitHub, which needs internet access.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDemoApi } from './api.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist', 'index.js')

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

async function main(): Promise<number> {
  if (!fs.existsSync(dist)) {
    console.error('dist/index.js is missing: run `npm run bundle` first.')
    return 1
  }
  const k6Path =
    process.env.K6_PATH ||
    findOnPath(process.platform === 'win32' ? 'k6.exe' : 'k6')
  const api = await startDemoApi()
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-gate-demo-'))
  const workspace = path.join(work, 'workspace')
  const runnerTemp = path.join(work, 'runner-temp')
  // The tool cache outlives the demo so a downloaded k6 is reused.
  const toolCache = path.join(os.homedir(), '.cache', 'perf-gate', 'tool-cache')
  fs.mkdirSync(path.join(workspace, '.github'), { recursive: true })
  fs.mkdirSync(runnerTemp, { recursive: true })
  fs.mkdirSync(toolCache, { recursive: true })
  // The example profile, as a team would keep it.
  fs.copyFileSync(
    path.join(root, 'examples', 'perf-gate.yml'),
    path.join(workspace, '.github', 'perf-gate.yml')
  )
  fs.cpSync(
    path.join(root, 'examples', 'data'),
    path.join(workspace, '.github', 'data'),
    {
      recursive: true
    }
  )
  const summaryFile = path.join(runnerTemp, 'step-summary.md')
  const outputFile = path.join(runnerTemp, 'github-output')
  const eventFile = path.join(runnerTemp, 'event.json')
  fs.writeFileSync(summaryFile, '')
  fs.writeFileSync(outputFile, '')
  fs.writeFileSync(eventFile, JSON.stringify({ inputs: {} }))

  console.log(`demo API: ${api.url}`)
  console.log(`workspace: ${workspace}`)
  console.log(
    k6Path
      ? `k6: ${k6Path}`
      : 'k6: not on PATH and K6_PATH unset; the action will download it from GitHub (needs internet access)'
  )
  console.log('')

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BASE_URL: api.url,
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_REPOSITORY: 'perf-gate/demo',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    INPUT_PROFILE: '.github/perf-gate.yml',
    INPUT_OBJECTIVE: process.env.OBJECTIVE ?? 'smoke',
    'INPUT_BASE-URL': api.url,
    'INPUT_GENERATE-ONLY': 'false',
    INPUT_SCRIPT: '',
    'INPUT_K6-PATH': k6Path ?? '',
    'INPUT_K6-VERSION': process.env.K6_VERSION ?? 'latest',
    'INPUT_K6-DOWNLOAD-URL': 'https://github.com/grafana/k6/releases/download',
    'INPUT_K6-ARGS': '',
    'INPUT_WORKING-DIRECTORY': '.',
    'INPUT_RESULTS-DIR': 'perf-gate-results',
    'INPUT_UPLOAD-ARTIFACTS': 'true',
    'INPUT_ARTIFACT-NAME': 'perf-gate-results',
    'INPUT_FAIL-ON-ITERATION-ERRORS': 'true',
    'INPUT_GITHUB-TOKEN': process.env.GITHUB_TOKEN ?? ''
  }
  // Not on a runner: no artifact service to upload to.
  delete env.ACTIONS_RUNTIME_TOKEN

  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [dist], { env, stdio: 'inherit' })
    child.on('close', (exitCode) => resolve(exitCode ?? 1))
  })
  await api.close()

  const summary = fs.readFileSync(summaryFile, 'utf8')
  console.log('\n──────── job summary ────────\n')
  console.log(summary || '(the action wrote no job summary)')
  if (code !== 0 && !k6Path && !summary) {
    console.log(
      '\nThe action could not get k6. Without internet access, install k6 and put it on PATH, ' +
        'or point K6_PATH at a k6 binary, then run `npm run demo` again.'
    )
  }
  console.log(`\nresults: ${path.join(workspace, 'perf-gate-results')}`)
  return code
}

process.exitCode = await main()
