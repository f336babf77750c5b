import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseAllDocuments } from 'yaml'
import {
  parseShard,
  segment,
  segmentArgs,
  segmentSequence
} from '../src/k6/segments.js'
import { emptyStderr } from '../src/k6/log.js'
import { TrendSink } from '../src/k6/sinks.js'
import { analyseResultsFile } from '../src/results/analyser.js'
import { mergeShards, type ShardFiles } from '../src/results/merge.js'
import type { ShardManifest } from '../src/results/shard-manifest.js'
import type { LatencyStats } from '../src/results/types.js'
import { readSummary } from '../src/results/summary.js'
import {
  exampleFiles,
  annotations,
  FAKE_K6,
  FIXTURES,
  ROOT,
  PUSH_EVENT,
  pullRequestEvent,
  runAction,
  type ActionRun
} from './helpers/action.js'
import {
  startArtifactService,
  type ArtifactService
} from './helpers/artifact-service.js'
import { startGitHubApi, type GitHubApi } from './helpers/github-api.js'

const SHARDS = path.join(FIXTURES, 'v1.3.0', 'shards')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shards-'))

/** What each shard's step records of itself, from its own real files. */
async function shardFiles(
  shift: Record<number, number> = {}
): Promise<ShardFiles[]> {
  const out: ShardFiles[] = []
  for (const index of [1, 2, 3]) {
    const dir = path.join(SHARDS, `shard-${index}`)
    const stream = await analyseResultsFile(path.join(dir, 'results.json'))
    const reqs = readSummary(path.join(dir, 'summary.json')).metrics.http_reqs
    const move = (iso: string | undefined): string | undefined =>
      iso && new Date(Date.parse(iso) + (shift[index] ?? 0)).toISOString()
    const copy = path.join(tmp, `${Object.keys(shift).join('-')}-${index}`)
    fs.mkdirSync(copy, { recursive: true })
    fs.copyFileSync(
      path.join(dir, 'summary.json'),
      path.join(copy, 'summary.json')
    )
    const manifest: ShardManifest = {
      schema: 'perf-gate-shard',
      schemaVersion: 1,
      shard: { index, count: 3 },
      segment: segment({ index, count: 3 }),
      sequence: segmentSequence(3),
      fingerprint: 'f',
      objective: 'script',
      k6Version: '1.3.0',
      exitCode: 99,
      outcome: 'thresholds-crossed',
      ran: true,
      startedAt: move(stream.startTime) ?? '',
      firstSample: move(stream.startTime),
      lastSample: move(stream.endTime),
      durationS: reqs.values.count / reqs.values.rate,
      stderr: {
        ...emptyStderr(),
        lines: 1,
        errors: ["thresholds on metrics 'http_reqs' have been crossed"]
      },
      runId: '1',
      runAttempt: '1'
    }
    out.push({
      manifest,
      summaryPath: path.join(copy, 'summary.json'),
      resultsPath: path.join(dir, 'results.json')
    })
  }
  return out
}

/** Every http_req_duration value of the three files, in k6's sink. */
function oracle(metric: string, tag?: [string, string]): TrendSink {
  const sink = new TrendSink()
  for (const index of [1, 2, 3]) {
    const text = fs.readFileSync(
      path.join(SHARDS, `shard-${index}`, 'results.json'),
      'utf8'
    )
    for (const line of text.split('\n')) {
      if (!line.startsWith(`{"metric":"${metric}","type":"Point"`)) continue
      const data = JSON.parse(line).data
      if (tag && data.tags[tag[0]] !== tag[1]) continue
      sink.add(data.value)
    }
  }
  return sink
}

describe('execution segments', () => {
  it('give shard i of n its segment and the full sequence, as k6 takes them', () => {
    // The recorded run's command (fixtures/k6/v1.3.0/shards/command.txt).
    const command = fs.readFileSync(path.join(SHARDS, 'command.txt'), 'utf8')
    expect(command).toContain('--execution-segment-sequence "0,1/3,2/3,1"')
    expect([1, 2, 3].map((index) => segment({ index, count: 3 }))).toEqual([
      '0:1/3',
      '1/3:2/3',
      '2/3:1'
    ])
    expect(segmentArgs({ index: 2, count: 4 })).toEqual([
      '--execution-segment',
      '1/4:1/2',
      '--execution-segment-sequence',
      '0,1/4,1/2,3/4,1'
    ])
  })

  it.each([
    ['2/3', undefined, { index: 2, count: 3 }],
    ['2', 3, { index: 2, count: 3 }],
    [' 3 / 3 ', undefined, { index: 3, count: 3 }],
    ['2', undefined, /names no shard count/],
    ['4/3', undefined, /numbered from 1 to 3/],
    ['1/1', undefined, /from 2 to 100/],
    ['2/4', 3, /the profile sets shards: 3/],
    ['two', undefined, /is not a shard/]
  ])('%s (profile shards: %s)', (value, profile, expected) => {
    const shard = parseShard(value, profile)
    if (expected instanceof RegExp) expect(shard).toMatch(expected)
    else expect(shard).toEqual(expected)
  })
})

describe('three real shards merged', () => {
  it('hold http_reqs count>300 together, though each shard crossed it', async () => {
    const shards = await shardFiles()
    for (const s of shards) {
      const own = readSummary(s.summaryPath).thresholds.find(
        (t) => t.metric === 'http_reqs'
      )
      expect(own?.passed).toBe(false)
    }
    const merged = await mergeShards(shards)
    const count = merged.analysis.summary?.thresholds.find(
      (t) => t.metric === 'http_reqs' && t.expression === 'count>300'
    )
    expect(count).toMatchObject({ passed: true, observed: 848 })
    expect(merged.run.exitCode).toBe(0)
    expect(merged.run.outcome).toBe('passed')
    // The whole run, recorded before the shards, judged the same.
    const whole = readSummary(path.join(SHARDS, 'whole', 'summary.json'))
    expect(
      whole.thresholds.map((t) => [t.metric, t.expression, t.passed]).sort()
    ).toEqual(
      merged.analysis
        .summary!.thresholds.map((t) => [t.metric, t.expression, t.passed])
        .sort()
    )
    expect(merged.analysis.figures?.requests).toBe(848)
    // Each shard ran its segment's VUs: the run's are their sum (the whole
    // run allocated 16, the shards 6 + 5 + 5).
    expect(merged.analysis.summary?.metrics.vus_max.values.max).toBe(
      whole.metrics.vus_max.values.max
    )
  })

  it("give every threshold's statistic as k6's sink over all samples does", async () => {
    const merged = await mergeShards(await shardFiles())
    const t = merged.analysis.summary!.thresholds
    const observed = (metric: string, expression: string): number =>
      t.find((x) => x.metric === metric && x.expression === expression)!
        .observed!
    const duration = oracle('http_req_duration')
    expect(observed('http_req_duration', 'p(95)<500')).toBe(
      duration.percentile(0.95)
    )
    expect(observed('http_req_duration', 'p(99)<800')).toBe(
      duration.percentile(0.99)
    )
    expect(
      observed('http_req_duration{name:GET /api/products/:id}', 'p(95)<300')
    ).toBe(
      oracle('http_req_duration', ['name', 'GET /api/products/:id']).percentile(
        0.95
      )
    )
    const order = oracle('order_time')
    expect(observed('order_time', 'p(90)<400')).toBe(order.percentile(0.9))
    expect(observed('order_time', 'avg<200')).toBeCloseTo(order.avg, 9)
    expect(observed('checks', 'rate>0.99')).toBe(1)
    expect(observed('http_req_failed', 'rate<0.01')).toBe(0)
    const p95 =
      merged.analysis.summary!.metrics.http_req_duration.values['p(95)']
    expect(p95).toBe(duration.percentile(0.95))
    console.log(
      `merged: ${merged.analysis.figures?.requests} requests, p95 ${p95.toFixed(3)} ms (k6's sink over the three files: ${duration.percentile(0.95).toFixed(3)} ms), ` +
        `spans ${merged.timing.spanS.toFixed(2)} s; merged in ${merged.mergeMs} ms`
    )
  })

  it('equal the three files analysed as one input, in any order', async () => {
    const shards = await shardFiles()
    const merged = await mergeShards(shards)
    const joined = path.join(tmp, 'joined.json')
    fs.writeFileSync(
      joined,
      Buffer.concat(
        [3, 1, 2].map((i) =>
          fs.readFileSync(path.join(SHARDS, `shard-${i}`, 'results.json'))
        )
      )
    )
    const one = await analyseResultsFile(joined)
    const stream = merged.analysis.stream!
    expect(stream.http.requests).toBe(one.http.requests)
    expect(stream.http.failures).toBe(one.http.failures)
    expect(stream.http.statuses).toEqual(one.http.statuses)
    // Order statistics exactly; sums to the last bits of a double (the
    // files are added up in another order).
    const same = (a: LatencyStats, b: LatencyStats): void => {
      const { avg, sd, se, ...exact } = a
      const { avg: bAvg, sd: bSd, se: bSe, ...bExact } = b
      expect(exact).toEqual(bExact)
      expect(avg).toBeCloseTo(bAvg, 12)
      expect(sd ?? 0).toBeCloseTo(bSd ?? 0, 12)
      expect(se?.avg ?? 0).toBeCloseTo(bSe?.avg ?? 0, 12)
      expect({ ...se, avg: 0 }).toEqual({ ...bSe, avg: 0 })
    }
    same(stream.http.latency, one.http.latency)
    for (const [groups, other] of [
      [stream.endpoints, one.endpoints],
      [stream.scenarios, one.scenarios]
    ]) {
      expect(groups.map((g) => g.name)).toEqual(other.map((g) => g.name))
      groups.forEach((g, i) => {
        const { latency, ...counts } = g
        const { latency: otherLatency, ...otherCounts } = other[i]
        expect(counts).toEqual(otherCounts)
        same(latency, otherLatency)
      })
    }
    expect(stream.checks).toEqual(one.checks)
    expect(stream.iterations).toBe(one.iterations)
  })

  it('count only the time every shard ran when one started late', async () => {
    // Shard 3's clock moved 3 s on: its samples start and end later.
    const merged = await mergeShards(await shardFiles({ 3: 3000 }))
    const late = merged.timing.shards.find((s) => s.shard.index === 3)!
    expect(late.startedAfterS).toBeGreaterThan(2.9)
    expect(
      merged.timing.shards.find((s) => s.shard.index === 1)!.endedBeforeS
    ).toBeGreaterThan(2.9)
    expect(merged.timing.rateFromCommon).toBe(true)
    expect(merged.timing.commonS).toBeLessThan(merged.timing.spanS - 2.9)
    expect(merged.analysis.figures?.rps).toBeCloseTo(
      merged.timing.commonRequests / merged.timing.commonS,
      9
    )
  })
})

describe('a sharded run through the action: three shard jobs and a merge job', () => {
  let service: ArtifactService
  let api: GitHubApi
  let shards: ActionRun[]
  let merge: ActionRun
  let argvLog: string
  const files = {
    'perf/shop.js': fs.readFileSync(path.join(SHARDS, 'script.js'))
  }
  const common = (): Record<string, string> => ({
    script: 'perf/shop.js',
    'k6-path': FAKE_K6,
    'github-token': 'ghs_test',
    baseline: 'branch'
  })
  const env = (): Record<string, string> => ({
    ...service.env,
    GITHUB_API_URL: api.url,
    FAKE_K6_FIXTURE: 'v1.3.0/shards',
    FAKE_K6_ARGV_LOG: argvLog
  })

  beforeAll(async () => {
    service = await startArtifactService()
    api = await startGitHubApi()
    argvLog = path.join(fs.mkdtempSync(path.join(tmp, 'argv-')), 'argv.log')
    // Matrix jobs run at the same time.
    shards = await Promise.all(
      [1, 2, 3].map((i) =>
        runAction({
          files,
          inputs: { ...common(), shard: `${i}/3` },
          env: env(),
          event: pullRequestEvent(12)
        })
      )
    )
    merge = await runAction({
      files,
      inputs: { ...common(), merge: 'true' },
      env: env(),
      event: pullRequestEvent(12)
    })
  }, 120_000)
  afterAll(async () => {
    await service.close()
    await api.close()
  })

  it('runs each shard on its segment of the full sequence, and passes it though k6 crossed a threshold on it', () => {
    const argv = fs
      .readFileSync(argvLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[])
      .filter((a) => a[0] === 'run')
    expect(
      argv.map((a) => a[a.indexOf('--execution-segment') + 1]).sort()
    ).toEqual(['0:1/3', '1/3:2/3', '2/3:1'])
    for (const a of argv) {
      expect(a[a.indexOf('--execution-segment-sequence') + 1]).toBe(
        '0,1/3,2/3,1'
      )
    }
    for (const [i, run] of shards.entries()) {
      expect(run.code).toBe(0)
      expect(run.outputs['exit-code']).toBe('99')
      expect(run.summary).toContain(
        `perf-gate shard ${i + 1}/3 ran its share of the load`
      )
      expect(annotations(run.stdout, 'warning')).toContainEqual(
        expect.stringMatching(
          /1 threshold crossed on this shard's share of the load alone \(http_reqs count>300 \(count=2\d\d\)\): not gated here/
        )
      )
    }
    // No shard comments or records the baseline: the merge does.
    expect(api.comments.get(12)).toHaveLength(1)
  })

  it('names each shard artifact and carries its manifest', () => {
    const names = service.artifacts.map((a) => a.name).sort()
    expect(names).toEqual([
      'perf-gate-results',
      'perf-gate-results-shard-1-of-3',
      'perf-gate-results-shard-2-of-3',
      'perf-gate-results-shard-3-of-3'
    ])
    const artifact = service.artifacts.find(
      (a) => a.name === 'perf-gate-results-shard-2-of-3'
    )!
    const dir = fs.mkdtempSync(path.join(tmp, 'unzipped-'))
    fs.writeFileSync(path.join(dir, 'a.zip'), artifact.blob)
    execFileSync('unzip', ['-q', 'a.zip', '-d', 'out'], { cwd: dir })
    const manifest = JSON.parse(
      fs.readFileSync(path.join(dir, 'out', 'perf-gate-shard.json'), 'utf8')
    )
    expect(manifest).toMatchObject({
      shard: { index: 2, count: 3 },
      segment: '1/3:2/3',
      sequence: '0,1/3,2/3,1',
      exitCode: 99,
      ran: true,
      k6Version: '1.3.0'
    })
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(
      expect.arrayContaining(['results.json.gz', 'summary.json'])
    )
  })

  it('merges them into one verdict over all samples: passed, 848 requests, the union p95', async () => {
    expect(merge.code).toBe(0)
    expect(merge.stdout).not.toContain('Installing k6')
    expect(merge.outputs.verdict).toBe('pass')
    expect(merge.outputs.passed).toBe('true')
    const p95 = oracle('http_req_duration').percentile(0.95)
    expect(Number(merge.outputs['p95-ms'])).toBe(Number(p95.toFixed(3)))
    expect(merge.summary).toContain(
      'perf-gate passed: all 8 thresholds held over the 3 shards together'
    )
    expect(merge.summary).toContain('3 shards merged')
    expect(merge.summary).toMatch(
      /\| ✅ \| `http_reqs` \| `count>300` \| count = 848 \|/
    )
    expect(merge.summary).toMatch(/\| shard 2\/3 \| 282 \|/)
    // Units from results.json, as for one run: a custom Trend of times.
    expect(merge.summary).toMatch(
      /\| `order_time` \| `p\(90\)<400` \| p\(90\) = 3\.00 ms \|/
    )
    expect(merge.summary).toContain(
      '| VUs | 6 active at most (sampled each second), 16 allocated |'
    )
    const comment = api.comments.get(12)![0].body
    expect(comment).toContain(
      'all 8 thresholds held over the 3 shards together'
    )
  })

  it('records one baseline entry for the merged run on a push to main', async () => {
    const pushed = await runAction({
      files,
      inputs: { ...common(), merge: 'true' },
      env: env(),
      event: PUSH_EVENT
    })
    expect(pushed.code).toBe(0)
    const store = [...(api.branches.get('perf-gate-data')?.values() ?? [])]
    const entries = store
      .filter((text) => text.includes('"entries"'))
      .flatMap((text) => JSON.parse(text).entries)
    expect(entries).toHaveLength(1)
    expect(entries[0].overall.requests).toBe(848)
    expect(entries[0].overall.p95).toBeCloseTo(
      oracle('http_req_duration').percentile(0.95),
      2
    )
  })

  it('fails the merge when its step runs another script than the shards did', async () => {
    const run = await runAction({
      files: { 'perf/shop.js': `${files['perf/shop.js']}\n// changed\n` },
      inputs: { ...common(), merge: 'true', baseline: 'none' },
      env: env()
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toContainEqual(
      expect.stringMatching(
        /^::error::merge: the shards ran another plan than this step's script gives \(fingerprint [0-9a-f]{16} ≠ [0-9a-f]{16}\): give the merge step the same profile or script/
      )
    )
  })

  it('fails the merge, naming the shard, when one is missing', async () => {
    const lonely = await startArtifactService()
    try {
      for (const i of [1, 3]) {
        await runAction({
          files,
          inputs: { ...common(), shard: `${i}/3`, baseline: 'none' },
          env: { ...env(), ...lonely.env }
        })
      }
      const run = await runAction({
        files,
        inputs: { ...common(), merge: 'true', baseline: 'none' },
        env: { ...env(), ...lonely.env }
      })
      expect(run.code).toBe(1)
      expect(annotations(run.stdout)).toContainEqual(
        expect.stringMatching(
          /^::error::merge: shard 2\/3 \(perf-gate-results-shard-2-of-3\) is missing from this workflow run/
        )
      )
    } finally {
      await lonely.close()
    }
  }, 60_000)

  it('fails the merge, naming the shard, when one failed', async () => {
    const failing = await startArtifactService()
    try {
      for (const i of [1, 2, 3]) {
        const run = await runAction({
          files,
          inputs: { ...common(), shard: `${i}/3`, baseline: 'none' },
          // Shard 2's setup() timed out (a real k6 run that exited 100).
          env: {
            ...env(),
            ...failing.env,
            ...(i === 2 ? { FAKE_K6_FIXTURE: 'v1.3.0/setuptimeout' } : {})
          }
        })
        expect(run.code).toBe(i === 2 ? 1 : 0)
      }
      const run = await runAction({
        files,
        inputs: { ...common(), merge: 'true', baseline: 'none' },
        env: { ...env(), ...failing.env }
      })
      expect(run.code).toBe(1)
      expect(annotations(run.stdout)).toContainEqual(
        expect.stringMatching(
          /^::error::merge: shard 2\/3 failed \(k6 exit code 100, setup\(\) timed out\)/
        )
      )
    } finally {
      await failing.close()
    }
  }, 60_000)
})

describe('the common start', () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())
  const shardRun = (startAt: string): Promise<ActionRun> =>
    runAction({
      files: {
        'perf/shop.js': fs.readFileSync(path.join(SHARDS, 'script.js'))
      },
      inputs: {
        script: 'perf/shop.js',
        'k6-path': FAKE_K6,
        'github-token': 'ghs_test',
        baseline: 'none',
        shard: '1/3',
        'start-at': startAt
      },
      env: {
        GITHUB_API_URL: api.url,
        GITHUB_RUN_ID: '4242',
        FAKE_K6_FIXTURE: 'v1.3.0/shards'
      }
    })
  const manifest = (run: ActionRun): ShardManifest =>
    JSON.parse(
      fs.readFileSync(
        path.join(run.workspace, 'perf-gate-results', 'perf-gate-shard.json'),
        'utf8'
      )
    )

  it('derived from the workflow run: a shard that comes late starts at once and says by how much', async () => {
    api.runs.push({
      id: 4242,
      head_branch: 'main',
      artifacts: {},
      startedAt: new Date(Date.now() - 100_000).toISOString()
    })
    const run = await shardRun('+30s')
    expect(run.code).toBe(0)
    const late = manifest(run).lateByS!
    expect(late).toBeGreaterThan(69)
    expect(late).toBeLessThan(100)
    expect(annotations(run.stdout, 'warning')).toContainEqual(
      expect.stringMatching(
        /^::warning::shard 1\/3 started 1m 1\d?s? after the common start \(.*\): the merge counts the request rate over the time all shards ran/
      )
    )
  })

  it('an instant to come: the shard waits for it before k6 starts', async () => {
    const at = new Date(Date.now() + 2500)
    const run = await shardRun(at.toISOString())
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /shard 1\/3 waits \d(\.\d)?s for the common start at /
    )
    const m = manifest(run)
    expect(m.lateByS).toBe(0)
    expect(m.startAt).toBe(at.toISOString())
    expect(Date.parse(m.startedAt)).toBeGreaterThanOrEqual(at.getTime())
  })
})

describe('on Kubernetes: a k6-operator TestRun, and its runners merged', () => {
  it('generate-only writes a TestRun of the profile’s shards and the script’s ConfigMap, in the shape the operator reads', async () => {
    const profile = fs.readFileSync(
      path.join(ROOT, 'examples', 'perf-gate.yml'),
      'utf8'
    )
    const run = await runAction({
      files: exampleFiles(`${profile}\nshards: 3\n`),
      inputs: {
        'generate-only': 'true',
        objective: 'load',
        'k6-version': '1.3.0',
        'base-url': 'http://127.0.0.1:3000/?key=canary-k8s-3f9a'
      },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(0)
    const dir = path.join(run.workspace, 'perf-gate-results')
    const text = fs.readFileSync(path.join(dir, 'k6-testrun.yaml'), 'utf8')
    expect(text).not.toContain('canary-k8s-3f9a')
    const docs = parseAllDocuments(text).map((d) => d.toJS())
    expect(docs).toHaveLength(2)
    const [configMap, testRun] = docs
    const script = fs.readFileSync(
      path.join(dir, 'perf-gate-script.js'),
      'utf8'
    )
    expect(configMap).toMatchObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: { 'perf-gate-script.js': script }
    })
    // The fields the operator reads (pkg/resources/jobs/runner.go:
    // Parallelism, Separate, Script.ConfigMap, Argv() of arguments,
    // Runner.Image/Env/Volumes/VolumeMounts).
    expect(testRun).toMatchObject({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name: 'perf-gate-load' },
      spec: {
        parallelism: 3,
        separate: true,
        script: {
          configMap: {
            name: configMap.metadata.name,
            file: 'perf-gate-script.js'
          }
        },
        runner: { image: 'grafana/k6:1.3.0' }
      }
    })
    const dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
    for (const name of [testRun.metadata.name, configMap.metadata.name]) {
      expect(name).toMatch(dns)
      expect(name.length).toBeLessThanOrEqual(63)
    }
    const args: string[] = testRun.spec.arguments.split(/\s+/)
    expect(args).toEqual([
      '--summary-export=/results/$(POD_NAME).summary.json',
      '--out',
      'json=/results/$(POD_NAME).results.json'
    ])
    // Kubernetes expands $(VAR) only for variables the container defines.
    const runner = testRun.spec.runner
    const env = new Map<string, unknown>(
      runner.env.map((e: { name: string }) => [e.name, e])
    )
    for (const [, name] of testRun.spec.arguments.matchAll(/\$\((\w+)\)/g)) {
      expect(env.get(name)).toEqual({
        name,
        valueFrom: { fieldRef: { fieldPath: 'metadata.name' } }
      })
    }
    // What the script reads comes from a Secret, never a literal value.
    const wanted = fs
      .readFileSync(path.join(dir, 'config.example.env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=$/.test(l))
      .map((l) => l.slice(0, -1))
    for (const name of [...wanted, 'BASE_URL']) {
      expect(env.get(name)).toEqual({
        name,
        valueFrom: { secretKeyRef: { name: 'perf-gate-load-env', key: name } }
      })
    }
    expect(runner.volumeMounts).toEqual([
      { name: 'results', mountPath: '/results' }
    ])
    expect(runner.volumes).toEqual([
      {
        name: 'results',
        persistentVolumeClaim: { claimName: 'perf-gate-results' }
      }
    ])
    const usage = fs.readFileSync(path.join(dir, 'USAGE.md'), 'utf8')
    expect(usage).toContain('kubectl apply -f k6-testrun.yaml')
    expect(usage).toContain('shards-dir: perf-gate-results/shards')
    expect(run.summary).toContain(
      '`k6-testrun.yaml`: a k6-operator TestRun of 3 runners'
    )
  })

  it('merges the runners’ files from shards-dir, as their pods named them', async () => {
    // What `kubectl cp` brings back: runner i's pod is <testrun>-<i>-<suffix>.
    const files: Record<string, Buffer> = {
      'perf/shop.js': fs.readFileSync(path.join(SHARDS, 'script.js'))
    }
    for (const [i, pod] of ['x7k2q', 'p9d4m', 'c3v8n'].entries()) {
      for (const file of ['results.json', 'summary.json']) {
        files[`shards/perf-gate-script-${i + 1}-${pod}.${file}`] =
          fs.readFileSync(path.join(SHARDS, `shard-${i + 1}`, file))
      }
    }
    const run = await runAction({
      files,
      inputs: {
        script: 'perf/shop.js',
        merge: 'true',
        // Beside the results folder, which no k6 run made here.
        'shards-dir': 'shards',
        'k6-version': '1.3.0',
        baseline: 'none'
      },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(0)
    expect(run.summary).toContain(
      'perf-gate passed: all 8 thresholds held over the 3 shards together'
    )
    expect(run.summary).toMatch(
      /\| ✅ \| `http_reqs` \| `count>300` \| count = 848 \|/
    )
    // The merge's own files are written, none lost to a missing folder.
    expect(run.stdout).not.toContain('Could not write')
    for (const file of ['perf-gate-result.json', 'perf-gate-report.md']) {
      expect(
        fs.existsSync(path.join(run.workspace, 'perf-gate-results', file))
      ).toBe(true)
    }
  })

  it('names the runner whose files are missing', async () => {
    const files: Record<string, Buffer> = {
      'perf/shop.js': fs.readFileSync(path.join(SHARDS, 'script.js'))
    }
    for (const i of [1, 3]) {
      for (const file of ['results.json', 'summary.json']) {
        files[`shards/perf-gate-script-${i}-abcde.${file}`] = fs.readFileSync(
          path.join(SHARDS, `shard-${i}`, file)
        )
      }
    }
    const run = await runAction({
      files,
      inputs: {
        script: 'perf/shop.js',
        merge: 'true',
        'shards-dir': 'shards',
        'k6-version': '1.3.0',
        baseline: 'none'
      },
      event: PUSH_EVENT
    })
    expect(run.code).toBe(1)
    expect(annotations(run.stdout)).toContainEqual(
      expect.stringMatching(
        /^::error::merge: shards-dir lacks shard 2\/3: every runner 1…n must have finished and its files been copied\.$/
      )
    )
  })
})
