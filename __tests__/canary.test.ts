import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {
  editedRun,
  FAKE_K6,
  FIXTURES,
  fixtureScript,
  pullRequestEvent,
  PUSH_EVENT,
  runAction,
  type ActionRun
} from './helpers/action.js'
import {
  startArtifactService,
  type ArtifactService
} from './helpers/artifact-service.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'

/**
 * A canary secret through every way one reaches perf-gate, and every place
 * perf-gate writes or sends: it must appear in none, and in the log only
 * after the runner was told to mask it. Each run is a pull request (the
 * comment) or a push (the data branch), uploading its artifact to the
 * loopback artifact service.
 */
let api: GitHubApi
let service: ArtifactService
beforeAll(async () => {
  api = await startGitHubApi()
  service = await startArtifactService()
})
/** Fixture folders a test made, removed at the end. */
const made: string[] = []
afterAll(async () => {
  await api.close()
  await service.close()
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})

const table = [
  '| canary comes in through | places checked | leaks |',
  '|---|---|---|'
]
afterAll(() => {
  process.stdout.write(`\nSecrets (canaries):\n${table.join('\n')}\n`)
})

/** Every place a run leaves text, by name. */
function places(
  run: ActionRun,
  uploads: number,
  requests: number
): Record<string, string> {
  const out: Record<string, string> = {}
  // The log: each occurrence must follow its ::add-mask::.
  out['log (unmasked)'] = unmasked(run.stdout)
  out['job summary'] = run.summary
  out.outputs = JSON.stringify(run.outputs)
  const walk = (dir: string, label: string): void => {
    if (!fs.existsSync(dir)) return
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file, `${label}/${entry.name}`)
      else {
        // k6's results.json.gz is read as what it holds.
        const bytes = fs.readFileSync(file)
        out[`${label}/${entry.name}`] = (
          entry.name.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes
        ).toString('latin1')
      }
    }
  }
  walk(path.join(run.workspace, 'perf-gate-results'), 'results dir')
  for (const artifact of service.artifacts.slice(uploads)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-zip-'))
    fs.writeFileSync(path.join(dir, 'a.zip'), artifact.blob)
    execFileSync('unzip', ['-q', 'a.zip', '-d', 'out'], { cwd: dir })
    walk(path.join(dir, 'out'), `artifact ${artifact.name}`)
  }
  out['GitHub API request bodies'] = api.requests
    .slice(requests)
    .map((r) => r.body.toString('latin1'))
    .join('\n')
  out['data branch'] = [
    ...(api.branches.get('perf-gate-data')?.values() ?? [])
  ].join('\n')
  out['PR comments'] = [...api.comments.values()]
    .flat()
    .map((c) => c.body)
    .join('\n')
  return out
}

/** The log with every line the runner would mask removed. */
function unmasked(stdout: string): string {
  const masks: string[] = []
  return stdout
    .split('\n')
    .filter((line) => {
      const mask = /^::add-mask::(.*)$/.exec(line)
      if (mask) {
        masks.push(mask[1])
        return false
      }
      return !masks.some((m) => m && line.includes(m))
    })
    .join('\n')
}

/**
 * Run the action and look for `canary` in every place; `kept` names the
 * places that may hold it (k6's own record of a secret nobody declared).
 */
async function check(
  label: string,
  canary: string,
  options: Parameters<typeof runAction>[0],
  kept: (where: string) => boolean = () => false
): Promise<ActionRun> {
  const uploads = service.artifacts.length
  const requests = api.requests.length
  const run = await runAction({
    ...options,
    env: { GITHUB_API_URL: api.url, ...service.env, ...options?.env }
  })
  // The places were used: an artifact went up, the API was called.
  expect(service.artifacts.length).toBeGreaterThan(uploads)
  expect(api.requests.length).toBeGreaterThan(requests)
  const found = places(run, uploads, requests)
  const leaks = Object.entries(found)
    .filter(([, text]) => text.includes(canary))
    .map(([where]) => where)
  table.push(
    `| ${label} | ${Object.keys(found).length} | ${leaks.length ? leaks.join(', ') : 'none'} |`
  )
  expect({ label, leaks: leaks.filter((where) => !kept(where)) }).toEqual({
    label,
    leaks: []
  })
  return run
}

const pr = pullRequestEvent(11)
const push = PUSH_EVENT
const prEnv = { GITHUB_REF: 'refs/pull/11/merge' }

describe('a canary secret reaches no file, output, comment, request or unmasked log line', () => {
  it('as github-token', async () => {
    const canary = 'ghs_canaryGithubToken0123'
    const run = await check('the github-token input', canary, {
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'github-token': canary
      },
      event: push
    })
    expect(run.code).toBe(0)
    // The branch was written (with the token), so the check saw it used.
    expect(api.branches.get('perf-gate-data')).toBeDefined()
  })

  it('as a credential-named variable of the step, passed to k6 with k6-args', async () => {
    const canary = 'canary-k6-args-0123456789'
    const run = await check('`k6-args: --env API_TOKEN=…`', canary, {
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'github-token': 'ghs_test0123456789',
        'k6-args': `--env API_TOKEN=${canary}`
      },
      env: { ...prEnv },
      event: pr
    })
    expect(run.code).toBe(0)
    // The command line was logged, masked: the runner hides it.
    expect(run.stdout).toContain(`::add-mask::${canary}`)
  })

  it('as the step’s environment (API_TOKEN)', async () => {
    const canary = 'canary-env-0123456789'
    await check('the step env `API_TOKEN`', canary, {
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'github-token': 'ghs_test0123456789'
      },
      env: { API_TOKEN: canary, ...prEnv },
      event: pr
    })
  })

  it('as the profile’s bearer token, never in the generated script', async () => {
    const canary = 'canary-bearer-0123456789'
    const profile = [
      'version: 1',
      'target: { base_url: "http://127.0.0.1:1" }',
      'auth: { type: bearer, token_env: SERVICE_CREDS }',
      'endpoints:',
      '  - { name: GET /api/status, path: /api/status }',
      ''
    ].join('\n')
    const run = await check('the profile’s `auth.token_env`', canary, {
      files: { '.github/perf-gate.yml': profile },
      inputs: { 'k6-path': FAKE_K6, 'github-token': 'ghs_test0123456789' },
      env: { SERVICE_CREDS: canary, FAKE_K6_FIXTURE: 'pass', ...prEnv },
      event: pr
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`::add-mask::${canary}`)
  })

  it('as the password in base-url', async () => {
    const canary = 'canary-url-password-0123'
    const profile = [
      'version: 1',
      'target: { base_url: "http://127.0.0.1:1" }',
      'endpoints:',
      '  - { name: GET /api/status, path: /api/status }',
      ''
    ].join('\n')
    await check('`base-url: https://user:…@host`', canary, {
      files: { '.github/perf-gate.yml': profile },
      inputs: {
        'k6-path': FAKE_K6,
        'github-token': 'ghs_test0123456789',
        'base-url': `https://load:${canary}@staging.example`
      },
      env: { FAKE_K6_FIXTURE: 'pass', ...prEnv },
      event: pr
    })
  })

  it('as what setup() returned (a real k6 run whose setup() returns a bare token)', async () => {
    const recorded = JSON.parse(
      fs.readFileSync(
        path.join(FIXTURES, 'v1.3.0', 'setupstring', 'summary.json'),
        'utf8'
      )
    ).setup_data as string
    const run = await check(
      '`setup()` returning a token (v1.3.0/setupstring)',
      recorded,
      {
        files: {
          'perf/setup.js': fs.readFileSync(
            path.join(FIXTURES, 'v1.3.0', 'setupstring', 'script.js'),
            'utf8'
          )
        },
        inputs: {
          script: 'perf/setup.js',
          'k6-path': FAKE_K6,
          'github-token': 'ghs_test0123456789'
        },
        env: { FAKE_K6_FIXTURE: 'v1.3.0/setupstring', ...prEnv },
        event: pr
      }
    )
    expect(run.code).toBe(0)
  })

  /**
   * k6 names an untagged request by its full URL. The recorded pass run
   * (its setup() calls /health untagged), with that URL given a token in
   * its query: the only change to the real file.
   */
  function urlTokenFixtures(canary: string): string {
    const health = '"http://127.0.0.1:18080/health"'
    const root = editedRun(path.join(FIXTURES, 'pass'), (text) => {
      expect(text.split(health).length - 1).toBeGreaterThan(4)
      return text.split(health).join(`${health.slice(0, -1)}?token=${canary}"`)
    })
    made.push(root)
    return root
  }

  it('in the query of an untagged request’s URL, read from the step’s environment', async () => {
    const canary = 'canary-url-query-0123456789'
    const run = await check('a URL query `?token=${__ENV.API_TOKEN}`', canary, {
      files: fixtureScript('pass'),
      inputs: {
        script: 'perf/pass.js',
        'k6-path': FAKE_K6,
        'github-token': 'ghs_test0123456789'
      },
      env: {
        API_TOKEN: canary,
        FAKE_K6_FIXTURES: urlTokenFixtures(canary),
        ...prEnv
      },
      event: push
    })
    expect(run.code).toBe(0)
    // The endpoint is still there, by its URL without the query.
    expect(run.summary).toContain('| http://127.0.0.1:18080/health |')
  })

  it('in a URL query perf-gate was never told of: none of perf-gate’s own words or records hold it', async () => {
    const canary = 'canary-unannounced-0123456789'
    const run = await check(
      "a URL query nobody declared (only k6's own results.json may keep it)",
      canary,
      {
        files: fixtureScript('pass'),
        inputs: {
          script: 'perf/pass.js',
          'k6-path': FAKE_K6,
          'github-token': 'ghs_test0123456789'
        },
        env: { FAKE_K6_FIXTURES: urlTokenFixtures(canary), ...prEnv },
        event: pr
      },
      // k6's own record of the requests keeps the URL as k6 wrote it.
      (where) => /\/results\.json\.gz$/.test(where)
    )
    expect(run.code).toBe(0)
  })
})
