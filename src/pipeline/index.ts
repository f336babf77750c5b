import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { figure, Outputs } from '../action/outputs.js'
import { toleranceConfig } from '../judge/compare.js'
import { HTML_REPORT_FILE } from '../k6/dashboard.js'
import { pairedTest } from '../judge/paired.js'
import {
  applyMisdirected,
  applyPaired,
  applyRegressions,
  shardVerdict,
  verdictLabel,
  type Verdict
} from '../judge/verdict.js'
import { planFingerprint, scriptFingerprint } from '../profile/fingerprint.js'
import { renderGenerateOnly } from '../report/load-plan.js'
import { chooseObjective } from '../profile/plan.js'
import type { Objective } from '../profile/schema.js'
import type { SummaryResult } from '../results/types.js'
import { Deadline } from '../shared/deadline.js'
import { errorMessage, InputError } from '../shared/errors.js'
import { collectSecrets, Redactor } from '../shared/secrets.js'
import { envFlags } from '../k6/flags.js'
import { checkK6Options } from '../action/k6-options.js'
import { analyse, plannedThresholds } from './analyse.js'
import { compareWithBaseline, recordBaseline, shouldWrite } from './baseline.js'
import {
  executeK6,
  executePairedK6,
  obtainK6,
  pairedChangeUrl
} from './execute.js'
import { checkServiceHealth } from './prepare.js'
import { checkTargetsAnswer } from './targets.js'
import { judgeRun } from './judge.js'
import {
  collectShards,
  localShards,
  recordShard,
  resolveShard,
  waitForStart
} from './shards.js'
import { segment, segmentArgs, shardLabel, type Shard } from '../k6/segments.js'
import { browserEnv } from '../k6/browser.js'
import { OUTCOME_LABEL, RAN_TO_THE_END, type K6Run } from '../k6/run.js'
import type { RunAnalysis } from '../results/analyse.js'
import { joinTargets, type PairedSamples } from '../results/paired-samples.js'
import {
  mergeShards,
  type MergedRun,
  type ShardFiles
} from '../results/merge.js'
import { ShardError, shardArtifactName } from '../publish/shard-artifacts.js'
import { currentLabels } from '../publish/labels.js'
import { withoutCredentials } from '../shared/urls.js'
import {
  authVariables,
  prepare,
  writeGenerateOnly,
  type PreparedRun
} from './prepare.js'
import {
  annotate,
  commentOnPullRequest,
  renderReport,
  uploadRunFiles,
  keepJobSummary,
  writeJobSummary,
  writeJUnitFile,
  writeReportFile,
  type RunView
} from './publish.js'

/** How the pipeline ended, for main.ts to say so. */
export interface PipelineEnd {
  verdict?: Verdict
  summary?: SummaryResult
  /** The profile and plan the run had, when it had one. */
  prepared?: PreparedRun
  /** The job summary it wrote last. */
  markdown?: string
}

/**
 * DESIGN.md's pipeline, each stage a function of what the ones before it
 * gave: prepare (profile → plan → script) → install → run → analyse →
 * judge (thresholds, comparison, verdict) → publish (files, baseline,
 * artifact, job summary, comment). Outputs are gathered in `outputs`.
 *
 * Whatever is known is written before the next network step: the result
 * file and a first job summary before the baseline is read; the verdict,
 * the outputs, the report and the job summary before anything is uploaded
 * or posted. The network steps share one deadline (publish-timeout).
 */
export async function runPipeline(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  outputs: Outputs
): Promise<PipelineEnd> {
  const end = await runOnce(inputs, context, env, outputs)
  const objective = pullRequestObjective(inputs, context, end.prepared)
  if (!objective || !end.markdown) return end
  await recordForPullRequests(objective, inputs, context, env, end.markdown)
  return end
}

/**
 * The objective pull requests run, when this run of the default branch
 * should record it too: pull requests are compared with main's runs of
 * their own objective (smoke), and main's pushes run another (load).
 * One step is then enough: the push records both.
 */
export function pullRequestObjective(
  inputs: Inputs,
  context: RunContext,
  prepared: PreparedRun | undefined
): Objective | undefined {
  if (!prepared || prepared.ownScript !== undefined) return undefined
  if (inputs.merge || inputs.shard || inputs.referenceUrl) return undefined
  if (inputs.generateOnly || inputs.objective) return undefined
  if (inputs.baseline.store === 'none') return undefined
  // Only a run that may write the baseline (passing aside): the default
  // branch's pushes and schedules.
  const why = shouldWrite(inputs.baseline.update, context, true)
  if (why !== true || context.pullRequest) return undefined
  const { objective } = chooseObjective({
    eventName: 'pull_request',
    triggers: prepared.profile.objectives?.triggers
  })
  return objective === prepared.plan.objective ? undefined : objective
}

/**
 * The pull requests' objective run after this one, in its own results
 * folder and artifact, recorded as main's baseline for them when it
 * passes. Its verdict is reported (the job summary, a warning when it
 * failed), never the step's: the step gated on its own objective.
 */
async function recordForPullRequests(
  objective: Objective,
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  markdown: string
): Promise<void> {
  core.info(
    `Recording the ${objective} objective too: pull requests run it, and are compared with this branch's runs of it.`
  )
  keepJobSummary(markdown)
  try {
    const second = await runOnce(
      {
        ...inputs,
        objective,
        resultsDir: path.join(inputs.resultsDir, objective),
        artifactName: `${inputs.artifactName}-${objective}`
      },
      context,
      env,
      new Outputs(false)
    )
    if (second.verdict && !second.verdict.passed) {
      core.warning(
        `The ${objective} run recorded for pull requests did not pass (its report is in the job summary): it was not recorded as a baseline.`
      )
    }
  } catch (error) {
    core.warning(
      `The ${objective} run recorded for pull requests could not run: ${errorMessage(error)}`
    )
  }
}

/** One run of the step's profile or script, from inputs to publish. */
async function runOnce(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  outputs: Outputs
): Promise<PipelineEnd> {
  const prepared = prepare(inputs, context, env)
  outputs.set('objective', prepared?.plan.objective)
  if (!inputs.merge) {
    checkK6Options(inputs.k6Args, {
      env,
      generated: prepared !== undefined && prepared.ownScript === undefined,
      workingDirectory: inputs.workingDirectory,
      resultsDir: inputs.resultsDir
    })
  }
  // Masked in the log before k6 prints anything; redacted from every file
  // and request body perf-gate writes.
  const secrets = collectSecrets({
    githubToken: inputs.githubToken,
    env,
    authVariables: prepared ? authVariables(prepared.profile) : [],
    // -e NAME=value in every form k6 accepts (-eNAME=…, -e=NAME=…, --env=…).
    k6Env: envFlags(inputs.k6Args),
    baseUrl: inputs.baseUrl,
    referenceUrl: inputs.referenceUrl,
    downloadUrl: inputs.k6DownloadUrl
  })
  // (github-token was masked as soon as it was read.)
  for (const secret of secrets) {
    if (secret !== inputs.githubToken) core.setSecret(secret)
  }
  const redactor = new Redactor(secrets)
  if (prepared && inputs.generateOnly) {
    writeGenerateOnly(prepared, inputs.resultsDir, {
      k6Version: inputs.k6Version,
      baseUrl: inputs.baseUrl
    })
    await writeJobSummary(
      renderGenerateOnly(prepared, inputs.resultsDir),
      context
    )
    outputs.set('passed', true)
    return {}
  }
  const shard = resolveShard(inputs, prepared)
  const script = prepared?.scriptPath ?? inputs.script ?? ''
  if (!script && !inputs.merge) {
    throw new InputError(
      'script',
      `is required without a profile: give the path of your k6 script, or add ${inputs.profileLabel}.`
    )
  }

  const source = inputs.merge
    ? await mergedSource(inputs, context, prepared, script, secrets)
    : await k6Source(inputs, context, env, prepared, script, secrets, shard)
  const { k6Run, analysis, k6Version, fingerprint } = source
  outputs.set('k6Version', k6Version)
  outputs.set('fingerprint', fingerprint)
  const objective =
    prepared?.plan.objective ?? inputs.objective ?? source.objective ?? 'script'
  const { own, result, resultPath, changeResult } = judgeRun(
    k6Run,
    analysis,
    inputs,
    k6Version,
    redactor,
    (verdict) =>
      shard
        ? shardVerdict(verdict, shard)
        : source.merged
          ? { ...verdict, mergedShards: source.merged.shards.length }
          : verdict
  )
  if (source.reference && !RAN_TO_THE_END.includes(source.reference.outcome)) {
    core.warning(
      `The reference's k6 run ended ${OUTCOME_LABEL[source.reference.outcome]} (exit code ${source.reference.exitCode}); ` +
        `its output is in ${source.reference.logPath}. The paired comparison reads what it recorded.`
    )
  }
  // The network steps after k6 share one deadline (publish-timeout); the
  // first asks for the pull request's labels as they are now (a waiver
  // added before a re-run is not in the event's payload).
  const deadline = new Deadline(inputs.publishTimeoutMs)
  // Only where a waiver can change the verdict: a comparison, or a pair.
  const waivable =
    inputs.baseline.store !== 'none' ||
    prepared?.plan.paired === true ||
    source.reference !== undefined
  if (context.pullRequest && waivable) {
    const labels = await currentLabels({
      token: inputs.githubToken,
      apiUrl: context.apiUrl,
      repository: context.repository,
      number: context.pullRequest.number,
      fromPayload: context.pullRequest.labels,
      deadline
    })
    context = { ...context, pullRequest: { ...context.pullRequest, labels } }
  }
  const paired =
    (prepared?.plan.paired || source.reference) && analysis.paired
      ? pairedTest(analysis.paired.samples)
      : undefined
  const judged = paired
    ? applyMisdirected(
        applyPaired(own, paired, {
          failOnRegression: inputs.failOnRegression,
          waivedBy: context.pullRequest?.labels.includes(inputs.waiverLabel)
            ? inputs.waiverLabel
            : undefined
        }),
        analysis.paired!,
        {
          change: withoutCredentials(pairedChangeUrl(inputs, env)?.url ?? ''),
          reference: withoutCredentials(inputs.referenceUrl ?? '')
        }
      )
    : own
  const manifestPath =
    shard && source.started
      ? recordShard({
          shard,
          k6Run,
          analysis,
          ran: RAN_TO_THE_END.includes(k6Run.outcome) && !analysis.summaryError,
          fingerprint,
          objective,
          k6Version,
          start: source.start ?? {},
          startedAt: source.started,
          context,
          resultsDir: inputs.resultsDir,
          redactor
        })
      : undefined
  outputs.set('exitCode', k6Run.exitCode)
  outputs.set('summaryPath', existing(k6Run.summaryPath))
  outputs.set('resultsPath', existing(k6Run.resultsPath))
  const htmlReport = path.join(inputs.resultsDir, HTML_REPORT_FILE)
  outputs.set('htmlReportPath', inputs.htmlReport ? existing(htmlReport) : '')
  // A paired run's figures are the change's (the generated script's file
  // holds both targets'; a script run twice has the change's run alone).
  const figures = changeResult?.figures ?? analysis.figures
  outputs.set('p95Ms', figure(figures?.p95Ms, 3))
  outputs.set('p99Ms', figure(figures?.p99Ms, 3))
  outputs.set('errorRate', figure(figures?.errorRate, 6))
  outputs.set('rps', figure(figures?.rps, 3))
  const judgedPair = paired && !paired.unjudged ? paired : undefined
  outputs.set('pairedChange', figure(judgedPair?.change, 4))
  outputs.set('pairedDetectable', figure(judgedPair?.detectable, 4))
  const view: RunView = {
    inputs,
    context,
    k6Run,
    analysis,
    k6Version,
    fingerprint,
    script,
    prepared,
    redactor,
    sharding: shard
      ? {
          shard: {
            shard,
            segment: segment(shard),
            lateByS: source.start?.lateByS
          }
        }
      : source.merged
        ? { merged: source.merged }
        : undefined
  }

  // judge: the comparison with the baseline
  await writeJobSummary(
    renderReport(view, judged, { comparisonPending: true }),
    context
  )
  // A shard is one part of a run: the merge compares and records it. A
  // paired run's figures mix two targets: the store compares and keeps the
  // change's requests alone (under a fingerprint of paired runs).
  const compared = prepared?.plan.paired ? changeResult : result
  if (prepared?.plan.paired) {
    core.info(
      changeResult
        ? "Paired run: the baseline store compares and keeps the change target's own requests (tagged target=change)."
        : 'Paired run: results.json holds no request tagged target=change; the baseline store is not read or written.'
    )
  }
  const baseline =
    analysis.figures && compared && !shard
      ? await compareWithBaseline({
          baseline: inputs.baseline,
          context,
          token: inputs.githubToken,
          result: compared,
          objective,
          fingerprint,
          tolerances: toleranceConfig(prepared?.profile.regression, {
            floorMs: inputs.regressionFloorMs,
            noise: inputs.regressionNoise
          }),
          failOnRegression: inputs.failOnRegression,
          waiverLabel: inputs.waiverLabel,
          artifactPrefix: `${inputs.artifactName}-baseline`,
          deadline
        }).catch((error: unknown) => {
          core.warning(`Baseline comparison skipped: ${errorMessage(error)}`)
          return undefined
        })
      : undefined
  for (const warning of baseline?.warnings ?? []) core.warning(warning)
  const verdict = applyRegressions(judged, baseline?.decision)
  outputs.set(
    'regressions',
    (verdict.regressions?.regressions.length ?? 0) +
      (verdict.paired?.regression ? 1 : 0)
  )
  outputs.set('baselineSha', baseline?.baselineSha)
  outputs.set('verdict', verdictLabel(verdict))
  outputs.set('passed', verdict.passed)
  outputs.flush()
  const comparison = baseline?.report
  const reportPath = writeReportFile(
    inputs,
    renderReport(view, verdict, { comparison })
  )
  outputs.set('reportPath', existing(reportPath))
  const junitPath = inputs.junit
    ? writeJUnitFile(view, verdict, comparison)
    : undefined
  outputs.set('junitPath', junitPath)
  outputs.flush()
  await writeJobSummary(renderReport(view, verdict, { comparison }), context)
  annotate(
    k6Run,
    analysis.summary,
    inputs.workspace,
    prepared?.ownScript ?? inputs.script,
    verdict,
    prepared && inputs.profile
      ? { path: inputs.profile, places: prepared.thresholdPlaces }
      : undefined
  )

  // publish: the network steps, within what is left of the deadline
  if (baseline) {
    const recorded = await recordBaseline(baseline, {
      baseline: inputs.baseline,
      context,
      objective,
      runPassed: own.passed,
      deadline
    })
    for (const warning of recorded.warnings) core.warning(warning)
  }
  const referenceFiles = source.reference
    ? [
        source.reference.summaryPath,
        source.reference.resultsPath,
        source.reference.logPath
      ].filter((f) => fs.existsSync(f))
    : []
  for (const file of [
    k6Run.summaryPath,
    k6Run.resultsPath,
    k6Run.logPath,
    ...referenceFiles
  ]) {
    if (redactor.redactFile(file)) {
      core.info(`Masked secrets in ${file} before uploading it.`)
    }
  }
  const artifact = await uploadRunFiles(
    view,
    [
      ...referenceFiles,
      ...(resultPath ? [resultPath] : []),
      reportPath,
      ...(junitPath ? [junitPath] : []),
      ...(inputs.htmlReport ? [htmlReport] : []),
      ...(manifestPath ? [manifestPath] : [])
    ],
    deadline,
    shard && shardArtifactName(inputs.artifactName, shard)
  )
  const markdown = renderReport(view, verdict, { comparison, artifact })
  await writeJobSummary(markdown, context)
  if (shard) {
    core.info(
      `${shardLabel(shard)}: no pull request comment and no baseline entry; the merge job posts and records the run.`
    )
    return { verdict, summary: analysis.summary, prepared, markdown }
  }
  outputs.set(
    'commentUrl',
    await commentOnPullRequest(
      inputs,
      context,
      objective,
      markdown,
      verdict,
      comparison,
      deadline,
      inputs.script
    )
  )
  return { verdict, summary: analysis.summary, prepared, markdown }
}

interface RunSource {
  k6Run: K6Run
  analysis: RunAnalysis
  k6Version: string
  fingerprint: string
  /** The shards' objective, for a merge without a profile. */
  objective?: string
  /** A shard's wait for the common start, and when its k6 started. */
  start?: { startAt?: Date; lateByS?: number }
  started?: Date
  merged?: MergedRun['timing']
  /** A paired run's reference, when the script ran once per target. */
  reference?: K6Run
}

/** k6 installed and run (one shard of the load, or all of it), analysed. */
async function k6Source(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv,
  prepared: PreparedRun | undefined,
  script: string,
  secrets: readonly string[],
  shard: Shard | undefined
): Promise<RunSource> {
  const k6 = await obtainK6(inputs, context)
  const k6Major = k6.version.split('.')[0]
  const referenceUrl = pairsOwnScript(inputs, prepared)
  const fingerprint = runFingerprint(
    inputs,
    prepared,
    script,
    k6Major,
    shard?.count,
    referenceUrl !== undefined
  )
  if (referenceUrl !== undefined) {
    const change = pairedChangeUrl(inputs, env)
    await checkTargetsAnswer([
      ...(change ? [change] : []),
      { input: 'reference-url', url: referenceUrl }
    ])
    const runs = await executePairedK6(
      k6,
      script,
      { ...inputs, referenceUrl },
      env
    )
    const analysis = await analyse(
      runs.change,
      secrets,
      prepared?.plan,
      'change',
      change?.url
    )
    const reference = await analyse(
      runs.reference,
      secrets,
      undefined,
      'reference',
      referenceUrl
    )
    analysis.paired = joinTargets(
      analysis.paired ?? noSamples(),
      reference.paired ?? noSamples()
    )
    return {
      k6Run: runs.change,
      analysis,
      k6Version: k6.version,
      fingerprint,
      reference: runs.reference
    }
  }
  // Chromium is found before the shard waits or k6 starts.
  const k6Env = prepared?.profile.browser ? { ...env, ...browserEnv(env) } : env
  const healthChecked = prepared
    ? await checkServiceHealth(prepared, inputs, env)
    : false
  const start = shard
    ? await waitForStart(inputs.startAt, context, inputs.githubToken, shard)
    : undefined
  const started = new Date()
  const k6Run = await executeK6(k6, script, inputs, k6Env, {
    durationS:
      prepared?.plan.ownScript === undefined
        ? prepared?.plan.durationS
        : undefined,
    ownArgs: shard ? segmentArgs(shard) : [],
    healthChecked
  })
  const analysis = await analyse(k6Run, secrets, prepared?.plan)
  return { k6Run, analysis, k6Version: k6.version, fingerprint, start, started }
}

/**
 * A paired run of a script perf-gate did not generate (the script input,
 * or the profile's script:) runs it once per target: the reference's URL.
 */
function pairsOwnScript(
  inputs: Inputs,
  prepared: PreparedRun | undefined
): string | undefined {
  return prepared?.plan.paired ? undefined : inputs.referenceUrl
}

/** This workflow run's shards downloaded and analysed as one run. */
async function mergedSource(
  inputs: Inputs,
  context: RunContext,
  prepared: PreparedRun | undefined,
  script: string,
  secrets: readonly string[]
): Promise<RunSource> {
  if (inputs.shardsDir) {
    const k6Version = inputs.k6Version
    const count = prepared?.profile.shards
    const objective = prepared?.plan.objective ?? inputs.objective ?? 'script'
    const shards = localShards(
      inputs.shardsDir,
      count,
      {
        fingerprint: (n) =>
          runFingerprint(inputs, prepared, script, k6Version.split('.')[0], n),
        k6Version,
        objective
      },
      context
    )
    return mergeSource(shards, prepared, secrets)
  }
  const shards = await collectShards(
    inputs,
    context,
    prepared,
    new Deadline(inputs.publishTimeoutMs)
  )
  const first = shards[0].manifest
  if (prepared || script) {
    const own = runFingerprint(
      inputs,
      prepared,
      script,
      first.k6Version.split('.')[0],
      first.shard.count
    )
    if (own !== first.fingerprint) {
      throw new ShardError(
        `merge: the shards ran another plan than this step's ${prepared ? prepared.profileLabel : 'script'} gives (fingerprint ${first.fingerprint} ≠ ${own}): ` +
          'give the merge step the same profile or script, objective, factors and k6-args as the shard jobs.'
      )
    }
  }
  return mergeSource(shards, prepared, secrets)
}

/** Shards analysed as one run. */
async function mergeSource(
  shards: ShardFiles[],
  prepared: PreparedRun | undefined,
  secrets: readonly string[]
): Promise<RunSource> {
  const first = shards[0].manifest
  const merged = await mergeShards(shards, {
    secrets,
    planned: plannedThresholds(prepared?.plan),
    capacityFactor: prepared?.plan.capacity?.factor,
    soak: prepared?.plan.objective === 'soak' ? true : undefined
  })
  const stream = merged.analysis.stream
  core.info(
    `Merged ${shards.length} shards: ${stream?.http.requests ?? 0} requests, ` +
      `${((stream?.bytes ?? 0) / 1e6).toFixed(1)} MB of results in ${merged.mergeMs} ms`
  )
  return {
    k6Run: merged.run,
    analysis: merged.analysis,
    k6Version: first.k6Version,
    fingerprint: first.fingerprint,
    objective: first.objective,
    merged: merged.timing
  }
}

/** What makes runs comparable: the plan (or script), k6's major, shards. */
function runFingerprint(
  inputs: Inputs,
  prepared: PreparedRun | undefined,
  script: string,
  k6Major: string,
  shards: number | undefined,
  /** A script of the user's run once per target, beside its reference. */
  pairedScript = false
): string {
  return prepared
    ? planFingerprint(
        pairedScript ? { ...prepared.plan, paired: true } : prepared.plan,
        prepared.profile,
        k6Major,
        shards
      )
    : scriptFingerprint(
        readText(script),
        inputs.k6Args,
        k6Major,
        shards,
        pairedScript
      )
}

function noSamples(): PairedSamples {
  return {
    samples: [],
    failed: { change: 0, reference: 0 },
    requests: { change: 0, reference: 0 }
  }
}

function existing(file: string): string {
  return fs.existsSync(file) ? file : ''
}

/** The script's text for its fingerprint; its path when it cannot be read. */
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return file
  }
}
