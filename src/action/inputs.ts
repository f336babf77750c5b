import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { InputError } from '../shared/errors.js'
import { findFile } from '../shared/files.js'
import { INPUTS, type InputName, type InputSpec } from './input-table.js'
import {
  isDirectory,
  parseFolder,
  parseK6Args,
  parseK6Path,
  parseScript,
  resolveInside,
  type CommentPolicy,
  type StartAt
} from './parse.js'

export { parseK6Args, parseVersion } from './parse.js'
export type { CommentPolicy, StartAt } from './parse.js'

const DEFAULT_PROFILE = INPUTS.profile.default as string

/** Everything the action was asked to do, validated, with absolute paths. */
export interface Inputs {
  /** Absolute path of the k6 script, when `script` was given. */
  script?: string
  /** `latest` or a bare semantic version such as `1.3.0`. */
  k6Version: string
  /** Absolute path of a k6 binary to use instead of installing one. */
  k6Path?: string
  k6DownloadUrl: string
  k6Args: string[]
  workspace: string
  workingDirectory: string
  resultsDir: string
  uploadArtifacts: boolean
  /** k6's web dashboard exported as a self-contained HTML report. */
  htmlReport: boolean
  /** perf-gate-junit.xml: a test case per threshold and judged regression. */
  junit: boolean
  artifactName: string
  githubToken: string
  failOnIterationErrors: boolean
  /** Absolute path of the profile, when the file exists. */
  profile?: string
  /** The profile as the user named it. */
  profileLabel: string
  /** The profile input was given (not the default path). */
  profileGiven?: boolean
  baseUrl?: string
  /** Paired A/B: the reference the change is measured against. */
  referenceUrl?: string
  objective?: string
  generateOnly: boolean
  /** Validate the profile and script (k6 inspect); send no load. */
  validateOnly: boolean
  baseline: BaselineInputs
  failOnRegression: boolean
  /** Latency changes smaller than this (ms) never count as regressions. */
  regressionFloorMs?: number
  /** Run-to-run variation assumed until the history measures it. */
  regressionNoise?: number
  waiverLabel: string
  /** Open or update an issue per change point in the branch's history. */
  changePointIssues: boolean
  /** When the pull request comment is posted or updated. */
  commentOnPr: CommentPolicy
  /** Set: this step's comment key; else one made of the job and the script. */
  commentKey?: string
  /** The network steps after k6 together: baseline, artifact, comment. */
  publishTimeoutMs: number
  /** The most a profile's plan may send: iterations/s and VUs at its peak. */
  maxRps: number
  maxVus: number
  /** The longest a profile's plan may run, in seconds. */
  maxDurationS: number
  /** Scale a profile's plan: every rate and VU count, every duration. */
  loadFactor?: number
  durationFactor?: number
  /** `2/3` (or `2` with a profile's `shards:`): run one execution segment. */
  shard?: string
  /** When the shards start together: an instant, or after the run started. */
  startAt?: StartAt
  /** Merge this workflow run's shard artifacts instead of running k6. */
  merge: boolean
  /** Merge the shard files in this folder instead (a k6-operator run's). */
  shardsDir?: string
  /**
   * Without a threshold of the script's on http_req_failed, a run fails
   * when more than this share of requests failed; undefined: off.
   */
  errorGuard?: number
}

export interface BaselineInputs {
  store: 'branch' | 'artifact' | 'none'
  branch: string
  keep: number
  update: 'auto' | 'always' | 'never'
}

type Parsed<N extends InputName> =
  (typeof INPUTS)[N] extends InputSpec<infer T> ? T : never

/** An input's text, trimmed, its default in place (not a `${{ }}` one). */
type InputReader = (name: InputName) => string

function inputReader(
  get: (name: string) => string = (name) => core.getInput(name)
): InputReader {
  return (name) => {
    const given = get(name).trim()
    const fallback: string | undefined = (INPUTS[name] as InputSpec).default
    return given || (fallback && !fallback.includes('${{') ? fallback : '')
  }
}

/**
 * Read and validate every input through the table: each error names the
 * input it is about. Then the paths, resolved inside the workspace, and
 * the inputs that depend on one another.
 */
export function getInputs(
  env: NodeJS.ProcessEnv = process.env,
  get?: (name: string) => string
): Inputs {
  const raw = inputReader(get)
  const read = <N extends InputName>(name: N): Parsed<N> => {
    const spec = INPUTS[name] as InputSpec<Parsed<N>>
    return spec.parse ? spec.parse(raw(name)) : (raw(name) as Parsed<N>)
  }
  const githubToken = read('github-token')
  if (githubToken) core.setSecret(githubToken)
  const places = readPlaces(raw, env)
  const inputs: Inputs = {
    ...places,
    k6Version: read('k6-version'),
    k6DownloadUrl: read('k6-download-url'),
    uploadArtifacts: read('upload-artifacts'),
    htmlReport: read('html-report'),
    junit: read('junit'),
    artifactName: read('artifact-name'),
    githubToken,
    failOnIterationErrors: read('fail-on-iteration-errors'),
    baseUrl: read('base-url'),
    referenceUrl: read('reference-url'),
    objective: read('objective'),
    generateOnly: read('generate-only'),
    validateOnly: read('validate-only'),
    baseline: {
      store: read('baseline'),
      branch: read('baseline-branch'),
      keep: read('baseline-keep'),
      update: read('update-baseline')
    },
    failOnRegression: read('fail-on-regression'),
    regressionFloorMs: read('regression-floor-ms'),
    regressionNoise: read('regression-noise'),
    waiverLabel: read('waiver-label'),
    changePointIssues: read('change-point-issues'),
    commentOnPr: read('comment-on-pr'),
    commentKey: read('comment-key'),
    publishTimeoutMs: read('publish-timeout'),
    errorGuard: read('error-guard'),
    maxRps: read('max-rps'),
    maxVus: read('max-vus'),
    maxDurationS: read('max-duration'),
    loadFactor: read('load-factor'),
    durationFactor: read('duration-factor'),
    shard: read('shard'),
    startAt: read('start-at'),
    merge: read('merge')
  }
  return checkTogether({
    ...inputs,
    shardsDir: readShardsDir(raw, inputs)
  })
}

/** The paths: the workspace, and every input resolved inside it. */
function readPlaces(
  raw: InputReader,
  env: NodeJS.ProcessEnv
): Pick<
  Inputs,
  | 'workspace'
  | 'workingDirectory'
  | 'resultsDir'
  | 'script'
  | 'k6Path'
  | 'k6Args'
  | 'profile'
  | 'profileLabel'
  | 'profileGiven'
> {
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd())
  const workingDirectory = resolveInside(
    'working-directory',
    raw('working-directory'),
    workspace,
    workspace
  )
  if (!isDirectory(workingDirectory)) {
    throw new InputError(
      'working-directory',
      `${workingDirectory} is not a directory: name a directory inside the workspace (the default is the workspace itself).`
    )
  }
  return {
    workspace,
    workingDirectory,
    resultsDir: parseFolder(
      'results-dir',
      raw('results-dir'),
      workingDirectory,
      workspace
    ),
    script: parseScript('script', raw('script'), workingDirectory, workspace),
    k6Path: parseK6Path('k6-path', raw('k6-path'), workingDirectory),
    k6Args: parseK6Args(raw('k6-args'), workingDirectory, workspace),
    ...readProfile(raw('profile'), workspace)
  }
}

function readProfile(
  given: string,
  workspace: string
): Pick<Inputs, 'profile' | 'profileLabel' | 'profileGiven'> {
  const label = given || DEFAULT_PROFILE
  const profile = resolveInside('profile', label, workspace, workspace)
  let exists = false
  try {
    fs.lstatSync(profile)
    exists = true
  } catch {
    // not there
  }
  // action.yml's default arrives as if given: only another path is.
  const other = given !== DEFAULT_PROFILE
  if (exists) {
    const found = findFile(
      label,
      workspace,
      workspace,
      'the workspace',
      "the profile's YAML file, such as .github/perf-gate.yml"
    )
    if ('problem' in found) throw new InputError('profile', `${found.problem}.`)
    return {
      profile: found.path,
      profileLabel: label,
      ...(other ? { profileGiven: true } : {})
    }
  }
  if (other) {
    throw new InputError(
      'profile',
      `file not found: ${given} (looked for ${profile}): give a path relative to the workspace.`
    )
  }
  return { profileLabel: label }
}

function readShardsDir(raw: InputReader, inputs: Inputs): string | undefined {
  const dir = raw('shards-dir')
  if (!dir) return undefined
  if (!inputs.merge) {
    throw new InputError(
      'shards-dir',
      'only applies to a merge: set merge: true in the step that judges the shards.'
    )
  }
  const shardsDir = resolveInside(
    'shards-dir',
    dir,
    inputs.workingDirectory,
    inputs.workspace
  )
  if (!isDirectory(shardsDir)) {
    throw new InputError(
      'shards-dir',
      `${dir} is not a directory: copy the runners' files there first (USAGE.md of generate-only says how).`
    )
  }
  if (inputs.k6Version === 'latest') {
    throw new InputError(
      'k6-version',
      "is latest, and shards-dir's files do not say which k6 wrote them: name the version the runners ran (their image's tag), such as 1.3.0."
    )
  }
  return shardsDir
}

/** The inputs that cannot go together, each refused naming one of them. */
function checkTogether(inputs: Inputs): Inputs {
  const { shard, merge, startAt, referenceUrl } = inputs
  if (merge && shard) {
    throw new InputError(
      'merge',
      `is true in a step that is also shard ${shard}: run the shards in a matrix job, and merge in a job that needs it.`
    )
  }
  if (merge && inputs.generateOnly) {
    throw new InputError(
      'merge',
      'cannot be combined with generate-only: a merge reads the shards of a run that happened.'
    )
  }
  if (inputs.generateOnly && (!inputs.profile || inputs.script)) {
    throw new InputError(
      'generate-only',
      `writes the script a profile generates, and this run has none (${inputs.script ? 'the script input runs a script of its own' : `no ${inputs.profileLabel}`}): add a profile, or leave out generate-only to run the script.`
    )
  }
  if (inputs.validateOnly && (merge || inputs.generateOnly)) {
    throw new InputError(
      'validate-only',
      `checks a profile or script before a run, and ${merge ? 'merge reads the shards of a run that happened' : 'generate-only writes the script without k6'}: keep one of the two.`
    )
  }
  if (startAt && !shard) {
    throw new InputError(
      'start-at',
      'only applies to a shard (input shard): a run on one machine starts when it is ready.'
    )
  }
  if (referenceUrl && (shard || merge)) {
    throw new InputError(
      'reference-url',
      'pairs a run on one runner (both targets under the same load at the same moments): leave out shard and merge.'
    )
  }
  return inputs
}
