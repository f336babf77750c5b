// One measurement in its own process, so peak RSS is this run's alone.
import * as fs from 'node:fs'
import * as zlib from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { analyseResultsFile } from '../src/results/analyser.js'
import { MetricWatch } from '../src/results/watch.js'
import { naiveAnalyse } from './naive.js'
import { emptyStderr } from '../src/k6/log.js'
import { analyseRun } from '../src/results/analyse.js'
import { mergeShards } from '../src/results/merge.js'
import type { ShardManifest } from '../src/results/shard-manifest.js'

const [mode, file] = process.argv.slice(2)
const started = process.hrtime.bigint()
let detail: unknown
if (mode === 'analyser') {
  const r = await analyseResultsFile(file)
  detail = {
    requests: r.http.requests,
    p95: r.http.latency.p95,
    p99: r.http.latency.p99,
    buckets: r.series.buckets.length
  }
} else if (mode === 'watch') {
  // A threshold k6 did not report a value for (or a machine-readable
  // summary): one sub-metric every request belongs to, judged as k6 does.
  const watch = new MetricWatch(['http_req_duration{expected_response:true}'])
  const r = await analyseResultsFile(file, {}, [watch])
  const sink = watch
    .finish()
    .sinks.get('http_req_duration{expected_response:true}')
  detail = {
    requests: r.http.requests,
    watched: sink?.type === 'trend' ? sink.count : 0,
    p95: sink?.type === 'trend' ? sink.percentile(0.95) : 0
  }
} else if (mode === 'merge') {
  // `file` is a folder of shard-1…3, each a results.json and summary.json.
  const shards = [1, 2, 3].map((index) => ({
    manifest: {
      shard: { index, count: 3 },
      stderr: emptyStderr()
    } as unknown as ShardManifest,
    summaryPath: `${file}/shard-${index}/summary.json`,
    resultsPath: `${file}/shard-${index}/results.json`
  }))
  const merged = await mergeShards(shards)
  detail = {
    requests: merged.analysis.stream?.http.requests ?? 0,
    p95: merged.analysis.summary?.metrics.http_req_duration.values['p(95)'],
    thresholds: merged.analysis.summary?.thresholds.length ?? 0
  }
} else if (mode === 'apart') {
  // The baseline: each shard analysed on its own, as its own job does.
  let requests = 0
  for (const index of [1, 2, 3]) {
    const analysis = await analyseRun({
      summaryPath: `${file}/shard-${index}/summary.json`,
      resultsPath: `${file}/shard-${index}/results.json`,
      expectSummary: true
    })
    requests += analysis.stream?.http.requests ?? 0
  }
  detail = { requests }
} else if (mode === 'naive') {
  detail = await naiveAnalyse(file)
} else if (mode === 'gunzip') {
  let bytes = 0
  await pipeline(
    fs.createReadStream(file, { highWaterMark: 1 << 20 }),
    // Configured as the analyser configures it (analyseResultsFile): 1 MB
    // blocks and room to run 8 MB ahead of the consumer.
    zlib.createGunzip({
      chunkSize: 1 << 20,
      readableHighWaterMark: 8 << 20
    } as zlib.ZlibOptions),
    new Writable({
      write(chunk, _e, cb) {
        bytes += chunk.length
        cb()
      }
    })
  )
  detail = { bytes }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
process.stdout.write(
  JSON.stringify({
    seconds,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    detail
  })
)
