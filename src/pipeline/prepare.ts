import * as core from '@actions/core'
import * as fs from 'node:fs'
import { testRunName } from '../k6/segments.js'
import { K6_OPERATOR_FILE, operatorManifest } from '../script/k6-operator.js'
import * as path from 'node:path'
import type { RunContext } from '../action/context.js'
import type { Inputs } from '../action/inputs.js'
import { usageNotes } from '../report/load-plan.js'
import { InputError } from '../shared/errors.js'
import { withoutCredentials } from '../shared/urls.js'
import { displayPath } from '../shared/paths.js'
import {
  BASE_URL_VARIABLE,
  baseUrlVariable,
  generateScript,
  REFERENCE_URL_VARIABLE,
  type DataFile
} from '../script/generate.js'
import { checkHealth, type Target } from './targets.js'
import {
  DATA_SET_LIMIT,
  dataFields,
  DataSetError,
  readDataSet,
  type DataSet
} from '../profile/data.js'
import { FileTooLargeError, readRegularFile } from '../shared/files.js'
import {
  loadProfile,
  ProfileError,
  resolveProfilePath
} from '../profile/load.js'
import { suggest } from '../shared/suggest.js'
import { formatDuration } from '../shared/duration.js'
import {
  BROWSER_FUNCTION,
  chooseObjective,
  planLoad,
  PlanError,
  type FactorInputs,
  type LoadPlan
} from '../profile/plan.js'
import {
  describeLoad,
  judgeableText,
  planReach,
  planWarningText
} from '../report/load-plan.js'
import type { Profile } from '../profile/schema.js'
import { wrapOwnScript } from '../script/wrap.js'
import { thresholdOrigins } from '../profile/threshold-origins.js'
import type { ThresholdPlace } from '../report/annotations.js'

export interface PreparedRun {
  profile: Profile
  profileLabel: string
  plan: LoadPlan
  /** The script k6 runs: generated, or the team's own wrapped with the profile's thresholds. */
  scriptPath: string
  scriptText: string
  /** The team's own script, when the profile names one. */
  ownScript?: string
  /** Environment variables the script reads, set or not. */
  envVars: string[]
  /** Where each of the profile's thresholds is declared in it. */
  thresholdPlaces: ThresholdPlace[]
}

interface PrepareOptions {
  profilePath: string
  profileLabel: string
  workspace: string
  resultsDir: string
  objectiveInput?: string
  baseUrlInput?: string
  context: RunContext
  /** Check that every environment variable the script needs is set. */
  requireEnv: boolean
  env: NodeJS.ProcessEnv
  /** The most load a plan may send: a typo must not flood a shared environment. */
  limits: LoadLimits
  /** Scale factors from the inputs (they win over the profile's). */
  factors?: FactorInputs
}

/** Where in the profile a problem is, as a `file:line:col` error. */
type Fail = (keyPath: (string | number)[], problem: string) => never

/** Profile → plan → script, with every check made before k6 starts. */
export function prepareRun(options: PrepareOptions): PreparedRun {
  const { profile, locate } = loadProfile(
    options.profilePath,
    options.profileLabel
  )
  const fail: Fail = (keyPath, problem) => {
    const pos = locate(keyPath)
    throw new ProfileError(
      options.profileLabel,
      pos.line,
      pos.col,
      keyPath.join('.').replace(/\.(\d+)/g, '[$1]'),
      problem
    )
  }
  const plan = choosePlan(profile, options, fail)
  const dataFiles = readDataFiles(profile, options, fail)
  const envVars = referencedEnv(profile, options.baseUrlInput)
  if (options.requireEnv) {
    const unset = envVars.filter((name) => !options.env[name])
    if (unset.length > 0) {
      throw new PlanError(
        `${options.profileLabel}: reads ${unset.map((n) => `$${n}`).join(', ')}, which ${unset.length === 1 ? 'is' : 'are'} not set: ` +
          `add ${unset.length === 1 ? 'it' : 'them'} to the step's env (from secrets for credentials).`
      )
    }
  }
  fs.mkdirSync(options.resultsDir, { recursive: true })
  return {
    profile,
    profileLabel: options.profileLabel,
    plan,
    scriptPath: path.join(options.resultsDir, 'perf-gate-script.js'),
    ...scriptFor(profile, plan, dataFiles, options, fail),
    envVars,
    thresholdPlaces: thresholdOrigins(profile).map((o) => {
      const at = locate(o.keyPath)
      return {
        key: o.key,
        expression: o.expression,
        line: at.line,
        column: at.col
      }
    })
  }
}

/** The objective chosen for this trigger, planned and held to the limits. */
function choosePlan(
  profile: Profile,
  options: PrepareOptions,
  fail: Fail
): LoadPlan {
  const choice = chooseObjective({
    input: options.objectiveInput,
    eventName: options.context.eventName,
    dispatchObjective: options.context.dispatchInputs.objective,
    triggers: profile.objectives?.triggers
  })
  const only = profile.objectives?.only
  if (only && !only.includes(choice.objective)) {
    fail(
      ['objectives', 'only'],
      `this profile is for ${only.join(', ')}, and this run's objective is ${choice.objective} (${choice.reason}): ` +
        `add ${choice.objective} to objectives.only with what it needs (a rate, or a capacity section), or do not run this profile on that trigger`
    )
  }
  let plan: LoadPlan
  try {
    plan = planLoad(profile, choice, options.factors)
  } catch (error) {
    if (error instanceof PlanError && error.keyPath) {
      fail(error.keyPath, error.message)
    }
    throw error
  }
  checkLimits(plan, options.limits, options.profileLabel)
  return withRateCap(plan, options.limits)
}

/**
 * Every data set read and checked: a regular file inside the workspace,
 * within the size limit, parsed, and holding every field a template
 * reads (else k6 sends "undefined" in the URL, on every iteration).
 */
function readDataFiles(
  profile: Profile,
  options: PrepareOptions,
  fail: Fail
): Record<string, DataFile> {
  const profileDir = path.dirname(options.profilePath)
  const dataFiles: Record<string, DataFile> = {}
  const sets: Record<string, DataSet> = {}
  for (const [name, set] of Object.entries(profile.data ?? {})) {
    const found = resolveProfilePath(set.file, profileDir, options.workspace)
    const file = found.path ?? fail(['data', name, 'file'], found.problem ?? '')
    try {
      sets[name] = readDataSet(readRegularFile(file, DATA_SET_LIMIT), file)
    } catch (error) {
      if (error instanceof FileTooLargeError) {
        fail(
          ['data', name, 'file'],
          `${set.file} ${error.message}: k6 loads a data set whole at init, in every run; keep a sample of the rows (a few thousand spread the load as well)`
        )
      }
      if (!(error instanceof DataSetError)) throw error
      fail(['data', name, 'file'], `${set.file} ${error.message}`)
    }
    dataFiles[name] = {
      path: file,
      ...(sets[name].format === 'csv' ? { columns: sets[name].columns } : {})
    }
  }
  profile.endpoints?.forEach((endpoint, e) => {
    const set = endpoint.data ? sets[endpoint.data] : undefined
    if (!set || !endpoint.data) return
    const texts = JSON.stringify([
      endpoint.path,
      endpoint.headers,
      endpoint.body
    ])
    for (const field of dataFields(texts)) {
      if (set.columns.includes(field)) continue
      fail(
        ['endpoints', e, 'path'],
        `\${data.${field}} names a field data set '${endpoint.data}' does not have in every row` +
          (suggest(field, set.columns) ||
            ` (its fields: ${set.columns.join(', ') || 'none'})`)
      )
    }
  })
  return dataFiles
}

/** The script k6 runs: generated, or the team's own wrapped with the profile's thresholds. */
function scriptFor(
  profile: Profile,
  plan: LoadPlan,
  dataFiles: Record<string, DataFile>,
  options: PrepareOptions,
  fail: Fail
): { scriptText: string; ownScript?: string } {
  if (!profile.script) {
    return {
      scriptText: generateScript(profile, plan, {
        scriptDir: options.resultsDir,
        dataFiles,
        profileLabel: options.profileLabel,
        defaultBaseUrl:
          options.baseUrlInput && withoutCredentials(options.baseUrlInput)
      })
    }
  }
  const found = resolveProfilePath(
    profile.script,
    options.workspace,
    options.workspace,
    'the workspace'
  )
  const ownScript = found.path ?? fail(['script'], found.problem ?? '')
  return {
    ownScript,
    scriptText: wrapOwnScript(
      path.relative(options.resultsDir, ownScript).split(path.sep).join('/'),
      plan
    )
  }
}

/** Environment variables the generated script reads. */
function referencedEnv(profile: Profile, baseUrlInput?: string): string[] {
  const names = new Set<string>()
  const base = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(
    profile.target?.base_url.trim() ?? ''
  )
  if (base && !baseUrlInput) names.add(base[1])
  const auth = profile.auth
  if (auth.type === 'bearer') names.add(auth.token_env)
  if (auth.type === 'api-key') names.add(auth.key_env)
  if (auth.type === 'oauth2-client-credentials') {
    names.add(auth.client_id_env)
    names.add(auth.client_secret_env)
  }
  for (const match of JSON.stringify(profile.endpoints ?? []).matchAll(
    /\$\{env\.([A-Za-z_]\w*)\}/g
  )) {
    names.add(match[1])
  }
  return [...names].sort()
}

/** Both a script input and a profile script: say which one to drop. */
function conflictingScripts(
  scriptInput: string | undefined,
  profile: Profile,
  label: string
): void {
  if (scriptInput && profile.script) {
    throw new InputError(
      'script',
      `${label} also names a script (${profile.script}); keep one of them: the input runs a script without the profile, the profile's script runs with its thresholds.`
    )
  }
}

/**
 * The profile, when there is one and no script input overrides it, turned
 * into a plan and a script written to the results directory.
 */
export function prepare(
  inputs: Inputs,
  context: RunContext,
  env: NodeJS.ProcessEnv
): PreparedRun | undefined {
  const factors = {
    load: inputs.loadFactor,
    duration: inputs.durationFactor,
    paired: inputs.referenceUrl !== undefined
  }
  const scaled = [
    inputs.loadFactor !== undefined && 'load-factor',
    inputs.durationFactor !== undefined && 'duration-factor'
  ].filter(Boolean)
  if (scaled.length && (!inputs.profile || inputs.script)) {
    throw new InputError(
      String(scaled[0]),
      "scales a profile's generated plan, and this run is a script of its own (the script input): scale the script's options, or run from a profile."
    )
  }
  if (!inputs.profile) return undefined
  if (inputs.script) {
    const { profile } = loadProfile(inputs.profile, inputs.profileLabel)
    conflictingScripts(inputs.script, profile, inputs.profileLabel)
    if (inputs.profileGiven) {
      throw new InputError(
        'profile',
        `and the script input are both given: the script runs on its own, and ${inputs.profileLabel} would not be used. ` +
          `Keep one; to run your script with the profile's thresholds, name it in the profile (script: ${displayPath(inputs.script, inputs.workspace)}) and leave out the script input.`
      )
    }
    core.warning(
      `The script input runs ${displayPath(inputs.script, inputs.workspace)} on its own: ${inputs.profileLabel} is not used (its thresholds, objectives and capacity model do not apply). ` +
        `To run the script with the profile's thresholds, name it in the profile (script: ${displayPath(inputs.script, inputs.workspace)}) and leave out the script input; or move the profile away.`
    )
    return undefined
  }
  const prepared = prepareRun({
    profilePath: inputs.profile,
    profileLabel: inputs.profileLabel,
    workspace: inputs.workspace,
    resultsDir: inputs.resultsDir,
    objectiveInput: inputs.objective,
    baseUrlInput: inputs.baseUrl,
    context,
    // Nothing is sent: a fork's pull request validates without secrets.
    requireEnv: !inputs.generateOnly && !inputs.validateOnly,
    env,
    limits: {
      maxRps: inputs.maxRps,
      maxVus: inputs.maxVus,
      maxDurationS: inputs.maxDurationS
    },
    factors
  })
  if (scaled.length && prepared.plan.ownScript !== undefined) {
    throw new InputError(
      String(scaled[0]),
      `scales a profile's generated plan, and ${inputs.profileLabel} runs a script of its own (${prepared.plan.ownScript}): scale the script's options instead.`
    )
  }
  fs.writeFileSync(prepared.scriptPath, prepared.scriptText)
  for (const warning of prepared.plan.warnings) {
    core.warning(planWarningText(warning))
  }
  core.info(
    `Objective ${prepared.plan.objective} (${prepared.plan.reason}); script ${prepared.scriptPath}`
  )
  // What the run will send, before it sends it.
  core.info(`Load: ${describeLoad(prepared.plan)}`)
  const reach = planReach(prepared)
  if (reach) core.info(`This run can judge: ${judgeableText(reach)}.`)
  return prepared
}

/** generate-only: the script, an example env file and notes; no run. */
export function writeGenerateOnly(
  prepared: PreparedRun,
  resultsDir: string,
  options: { k6Version: string; baseUrl?: string }
): void {
  if (prepared.profile.shards) {
    const name = testRunName(prepared.plan.objective)
    fs.writeFileSync(
      path.join(resultsDir, K6_OPERATOR_FILE),
      operatorManifest({
        name,
        parallelism: prepared.profile.shards,
        scriptFile: path.basename(prepared.scriptPath),
        scriptText: prepared.scriptText,
        image: `grafana/k6:${options.k6Version}`,
        envVars: [
          ...prepared.envVars,
          ...(options.baseUrl ? [BASE_URL_VARIABLE] : [])
        ],
        secretName: `${name}-env`
      })
    )
  }
  // A paired plan reads the reference's URL too.
  const env = [
    ...prepared.envVars,
    ...(prepared.plan.paired ? [REFERENCE_URL_VARIABLE] : [])
  ]
    .map((name) => `${name}=`)
    .join('\n')
  fs.writeFileSync(
    path.join(resultsDir, 'config.example.env'),
    `# Environment perf-gate-script.js reads. Fill in, then:\n#   set -a; . ./config.example.env; set +a; k6 run perf-gate-script.js\n${env}${env ? '\n' : ''}`
  )
  fs.writeFileSync(path.join(resultsDir, 'USAGE.md'), usageNotes(prepared))
  core.info(
    `generate-only: wrote the script and notes to ${resultsDir}; k6 was not run.`
  )
}

/**
 * A generated script's health path, asked by perf-gate before k6 starts:
 * the service's URL (the base-url input, else BASE_URL of the step, else
 * the profile's target.base_url or the variable it names) and, paired,
 * the reference's. True when asked (k6 is told, and sends no request of
 * its own); false when the script is the team's own or has no health path.
 */
export async function checkServiceHealth(
  prepared: PreparedRun,
  inputs: Inputs,
  env: NodeJS.ProcessEnv
): Promise<boolean> {
  const health = prepared.profile.target?.health
  if (!health || prepared.ownScript) return false
  const service = serviceTarget(prepared.profile, inputs.baseUrl, env)
  if (!service) return false
  await checkHealth(
    [
      service,
      ...(prepared.plan.paired && inputs.referenceUrl
        ? [{ input: 'reference-url', url: inputs.referenceUrl }]
        : [])
    ],
    health,
    prepared.profileLabel
  )
  return true
}

/** Where the generated script sends its requests, and who said so. */
function serviceTarget(
  profile: Profile,
  baseUrlInput: string | undefined,
  env: NodeJS.ProcessEnv
): Target | undefined {
  if (baseUrlInput) return { input: 'base-url', url: baseUrlInput }
  if (env[BASE_URL_VARIABLE]) {
    return { input: BASE_URL_VARIABLE, url: env[BASE_URL_VARIABLE], env: true }
  }
  const base = profile.target?.base_url.trim() ?? ''
  const variable = baseUrlVariable(base)
  if (!variable)
    return base
      ? { input: 'target.base_url', url: base, profile: true }
      : undefined
  const url = env[variable]
  return url ? { input: variable, url, env: true } : undefined
}

/** The variables the profile's auth reads: credentials, whatever their name. */
export function authVariables(profile: Profile): string[] {
  const auth = profile.auth
  switch (auth.type) {
    case 'bearer':
      return [auth.token_env]
    case 'api-key':
      return [auth.key_env]
    case 'oauth2-client-credentials':
      return [auth.client_id_env, auth.client_secret_env]
    default:
      return []
  }
}

interface LoadLimits {
  /** Iterations (one request each) per second, at the plan's peak. */
  maxRps: number
  maxVus: number
  /** The longest a plan may run, in seconds (default: none). */
  maxDurationS?: number
}

/** A plan beyond the limits fails before k6 starts, naming the figure. */
export function checkLimits(
  plan: LoadPlan,
  limits: LoadLimits,
  profileLabel: string
): void {
  const where = `${profileLabel}: objective ${plan.objective}`
  if (plan.rate !== undefined && plan.rate > limits.maxRps) {
    throw new PlanError(
      `${where} would send up to ${plan.rate} iterations/s (one request each), above max-rps ${limits.maxRps}. ` +
        `Lower its rate or share (objectives.${plan.objective}), or raise the max-rps input if the target can take it.`
    )
  }
  if (plan.peakVus > limits.maxVus) {
    throw new PlanError(
      `${where} would use up to ${plan.peakVus} VUs, above max-vus ${limits.maxVus}. ` +
        `Lower objectives.${plan.objective}.vus (or the capacity model's headroom), or raise the max-vus input.`
    )
  }
  if (
    limits.maxDurationS !== undefined &&
    plan.durationS > limits.maxDurationS
  ) {
    throw new PlanError(
      `${where} would run ${formatDuration(plan.durationS)}, longer than max-duration ${formatDuration(limits.maxDurationS)}. ` +
        `Shorten objectives.${plan.objective}.duration (or its duration_factor), or raise the max-duration input.`
    )
  }
}

/**
 * A plan whose VUs run without a rate of their own (smoke's constant VUs,
 * a script's iterations) sends as fast as the target answers: k6's `rps`
 * option holds all its requests to max-rps, whatever the executor.
 */
function withRateCap(plan: LoadPlan, limits: LoadLimits): LoadPlan {
  const unpaced = Object.values(plan.scenarios).some(
    (s) => s.executor === 'constant-vus' && s.exec !== BROWSER_FUNCTION
  )
  return unpaced ? { ...plan, rps: limits.maxRps } : plan
}
