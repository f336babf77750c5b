import {
  parseArtifactName,
  parseBoolean,
  parseBranch,
  parseChoice,
  parseCommentKey,
  parseCommentPolicy,
  parseCount,
  parseFactor,
  parseGuard,
  parseMaxDuration,
  parseNumber,
  parseObjective,
  parseShare,
  parseStartAt,
  parseTimeout,
  parseUrl,
  parseVersion
} from './parse.js'

/**
 * Every input of the action, in one table: its name, its group (the order
 * a person reads them in: the essentials first), its default, what it
 * means, and the parser of its value. action.yml and docs/inputs.md are
 * written from it (npm run action-yml), and a test holds them to it.
 *
 * An input whose value is a path has no parser here: where it is resolved
 * depends on the others (working-directory, the workspace), and getInputs
 * resolves it. A parser gets the text with the default in place.
 */
export type InputGroup =
  'essentials' | 'k6' | 'reports' | 'baseline' | 'paired' | 'shards' | 'limits'

export const GROUP_TITLE: Record<InputGroup, string> = {
  essentials: 'The essentials',
  k6: 'k6',
  reports: 'Reports and the pull request comment',
  baseline: 'Baseline and regressions',
  paired: 'Paired A/B',
  shards: 'Shards',
  limits: 'Limits and scale'
}

export interface InputSpec<T = unknown> {
  group: InputGroup
  /** As action.yml gives it; a runner passes it when the input is left out. */
  default?: string
  description: string
  parse?: (value: string) => T
}

const input = <T>(spec: InputSpec<T>): InputSpec<T> => spec

export const INPUTS = {
  profile: input({
    group: 'essentials',
    default: '.github/perf-gate.yml',
    description:
      'The perf-gate profile (YAML), relative to the workspace. When it exists, perf-gate generates the k6 script from it and picks the objective from the trigger. See schema/perf-gate.schema.json.'
  }),
  script: input({
    group: 'essentials',
    description:
      'Path of your own k6 script, relative to working-directory. Without a profile this is required.'
  }),
  'base-url': input({
    group: 'essentials',
    description:
      "Base URL of the service under test; overrides the profile's target.base_url. k6 gets it as BASE_URL.",
    parse: (v) => (v ? parseUrl('base-url', v) : undefined)
  }),
  objective: input({
    group: 'essentials',
    description:
      'Force the load objective: smoke, baseline, load, stress, spike, soak or capacity. Default: from the trigger (pull_request → smoke, push → load, schedule → soak, workflow_dispatch → its `objective` input).',
    parse: (v) => parseObjective('objective', v)
  }),
  'generate-only': input({
    group: 'essentials',
    default: 'false',
    description:
      'Write the generated script, config.example.env and USAGE.md to the results directory and the job summary, and run nothing.',
    parse: (v) => parseBoolean('generate-only', v)
  }),
  'validate-only': input({
    group: 'essentials',
    default: 'false',
    description:
      'Check the profile and the script and send no load: perf-gate validates the profile, generates the script, installs k6 and runs `k6 inspect` on it, checks its thresholds, and writes what would run (objective, load, scenarios, thresholds) to the job summary. A cheap check for pull requests that only touch perf files.',
    parse: (v) => parseBoolean('validate-only', v)
  }),
  'github-token': input({
    group: 'essentials',
    default: '${{ github.token }}',
    description:
      'Token for the GitHub API: resolving k6-version `latest`, the baseline branch (contents: write), artifacts (actions: read) and the PR comment (pull-requests: write). Masked in logs, never passed to k6.',
    parse: (v) => v
  }),
  'k6-version': input({
    group: 'k6',
    default: 'latest',
    description:
      'k6 release to install: `latest` (resolved through the GitHub API) or a version such as `1.3.0` or `v1.3.0`. Pin it for reproducible runs.',
    parse: (v) => parseVersion(v)
  }),
  'k6-path': input({
    group: 'k6',
    description:
      'Use this k6 binary instead of installing one (relative to working-directory, or absolute). k6-version is then ignored.'
  }),
  'k6-download-url': input({
    group: 'k6',
    default: 'https://github.com/grafana/k6/releases/download',
    description:
      "Base URL of k6 release downloads. Set it to a mirror on GHES or air-gapped runners; it must hold `vX.Y.Z/<asset>` and `vX.Y.Z/k6-vX.Y.Z-checksums.txt` like GitHub's releases.",
    parse: (v) => parseUrl('k6-download-url', v)
  }),
  'k6-args': input({
    group: 'k6',
    default: '',
    description:
      'Extra arguments for `k6 run`, such as `--tag env=ci --insecure-skip-tls-verify`. Quotes are honoured; nothing goes through a shell. Refused: what would let a run pass or hang (--no-thresholds, --linger, --paused, a log away from stderr) and, with a profile, what reshapes its plan (--vus, --duration, …).'
  }),
  'working-directory': input({
    group: 'k6',
    default: '.',
    description: 'Directory k6 runs in, relative to the workspace.'
  }),
  'results-dir': input({
    group: 'reports',
    default: 'perf-gate-results',
    description:
      'Where k6 writes summary.json, results.json.gz and k6.log, relative to working-directory. Must stay inside the workspace.'
  }),
  'upload-artifacts': input({
    group: 'reports',
    default: 'true',
    description:
      'Upload results.json.gz, summary.json and k6.log as a workflow artifact.',
    parse: (v) => parseBoolean('upload-artifacts', v)
  }),
  'artifact-name': input({
    group: 'reports',
    default: 'perf-gate-results',
    description:
      'Name of the uploaded artifact. Give each job of a matrix its own.',
    parse: (v) => parseArtifactName('artifact-name', v)
  }),
  'html-report': input({
    group: 'reports',
    default: 'true',
    description:
      "Have k6 export its web dashboard as a self-contained HTML report (k6-report.html in results-dir, uploaded with the results; nothing listens on a port). Its period follows the run's length.",
    parse: (v) => parseBoolean('html-report', v)
  }),
  junit: input({
    group: 'reports',
    default: 'true',
    description:
      'Write perf-gate-junit.xml in results-dir: a test case per threshold and per judged figure of the comparison, for test-report tools.',
    parse: (v) => parseBoolean('junit', v)
  }),
  'comment-on-pr': input({
    group: 'reports',
    default: 'always',
    description:
      'When to post the report as one sticky comment on the pull request per comment-key: `always` (updated in place on every run), `on-change` (only when the verdict or a figure beyond the noise changed), `on-failure` (posted when the gate fails; an existing comment is still updated), or `never`. `true` and `false` mean always and never.',
    parse: (v) => parseCommentPolicy('comment-on-pr', v)
  }),
  'comment-key': input({
    group: 'reports',
    description:
      "What tells this step's pull request comment from other perf-gate steps' on the same pull request. Default: the job id with the profile and objective, or the script. Set it in a matrix (such as `k6-${{ matrix.k6 }}`), whose jobs share one id.",
    parse: (v) => parseCommentKey('comment-key', v)
  }),
  'fail-on-iteration-errors': input({
    group: 'reports',
    default: 'true',
    description:
      'Fail the gate when the script throws inside iterations. k6 itself exits 0 on these; they only show in its log.',
    parse: (v) => parseBoolean('fail-on-iteration-errors', v)
  }),
  baseline: input({
    group: 'baseline',
    default: 'branch',
    description:
      "Where baselines live: `branch` (a data branch, written through the Contents API), `artifact` (the newest successful default-branch run's artifact) or `none` (no comparison).",
    parse: (v) =>
      parseChoice('baseline', v, ['branch', 'artifact', 'none'] as const)
  }),
  'baseline-branch': input({
    group: 'baseline',
    default: 'perf-gate-data',
    description:
      'The data branch for `baseline: branch`. perf-gate creates it (an orphan branch holding only baselines/*.json) on the first write.',
    parse: (v) => parseBranch('baseline-branch', v)
  }),
  'baseline-keep': input({
    group: 'baseline',
    default: '30',
    description: 'Entries kept per objective and load shape (fingerprint).',
    parse: (v) => parseCount('baseline-keep', v)
  }),
  'update-baseline': input({
    group: 'baseline',
    default: 'auto',
    description:
      '`auto`: passing push and schedule runs on the default branch write the baseline. `always`: every run but pull requests writes. `never`: read only. Pull requests and forks never write.',
    parse: (v) =>
      parseChoice('update-baseline', v, ['auto', 'always', 'never'] as const)
  }),
  'fail-on-regression': input({
    group: 'baseline',
    default: 'true',
    description:
      'Fail the check on a regression against the baseline (beyond the tolerance, the floor and the noise). `false` reports it as a warning.',
    parse: (v) => parseBoolean('fail-on-regression', v)
  }),
  'waiver-label': input({
    group: 'baseline',
    default: 'perf-gate:accept-regression',
    description:
      'A pull request label that turns regression failures into warnings; the comment records the waiver.',
    parse: (v) => v
  }),
  'regression-floor-ms': input({
    group: 'baseline',
    description:
      "A latency change smaller than this many milliseconds never counts as a regression. Default: none; the noise the history and the run show decides (a 2 ms endpoint's 1 ms wobble is noise when its runs say so). The profile's regression.<metric>.floor sets it per metric.",
    parse: (v) => parseNumber('regression-floor-ms', v, 0, 60_000)
  }),
  'regression-noise': input({
    group: 'baseline',
    description:
      "Run-to-run variation of latency and throughput on your runners (0.07 or 7%), assumed until the history has enough runs to measure it (the profile's regression.noise). Default 0.07, measured on real runs of a drifting service.",
    parse: (v) => parseShare('regression-noise', v)
  }),
  'change-point-issues': input({
    group: 'baseline',
    default: 'false',
    description:
      "Open a GitHub issue for each change point found in the default branch's history (a level that moved beyond the noise and stayed), or update the one already open for it; never two for one change point. Needs `issues: write`. Off by default: the job summary and a warning annotation name every change point anyway.",
    parse: (v) => parseBoolean('change-point-issues', v)
  }),
  'error-guard': input({
    group: 'baseline',
    default: '0.1',
    description:
      'When the script sets no threshold on http_req_failed, fail the run if more than this share of requests failed (0.1 or 10%), so a run where nothing worked (the target down) is never green. `off` turns it off.',
    parse: (v) => parseGuard('error-guard', v)
  }),
  'reference-url': input({
    group: 'paired',
    description:
      "Paired A/B: the base of the change (main's build, started beside it) gets the same requests at the same moments as base-url, the order alternating; the change is judged against it bucket by bucket, so runner noise cancels. Set it to base-url itself for an A/A run that shows the noise floor. A script of your own is run twice at once, BASE_URL set to each target.",
    parse: (v) => (v ? parseUrl('reference-url', v) : undefined)
  }),
  shard: input({
    group: 'shards',
    description:
      'Run one part of the load: `2/3` is the second of three execution segments (`2` alone when the profile sets `shards: 3`). Each shard records its own thresholds without gating on them; a job with `merge: true` judges the run over all shards.',
    parse: (v) => v || undefined
  }),
  'start-at': input({
    group: 'shards',
    description:
      'When the shards start together: an instant with its zone (`2026-12-01T10:00:00Z`), or `+2m` for two minutes after this workflow run started (every shard computes the same). A late shard starts at once and is reported with by how much.',
    parse: (v) => parseStartAt('start-at', v)
  }),
  merge: input({
    group: 'shards',
    default: 'false',
    description:
      "Merge this workflow run's shard artifacts (from jobs this one needs) instead of running k6: every threshold re-judged over all shards' samples, one verdict, comment and baseline entry. Needs no k6.",
    parse: (v) => parseBoolean('merge', v)
  }),
  'shards-dir': input({
    group: 'shards',
    description:
      "With merge, read the shards from this folder instead of this run's artifacts: a k6-operator run's files (`<name>-<i>-<pod>.results.json` with `.summary.json`, as the TestRun of generate-only writes them) or `shard-<i>/results.json` and `summary.json`. Needs a k6-version that names the runners' version."
  }),
  'max-rps': input({
    group: 'limits',
    default: '1000',
    description:
      "The most iterations per second (one request each) a profile's plan may send at its peak; a plan above it fails before k6 starts, naming the objective and the figure, so a typo cannot flood a shared environment.",
    parse: (v) => parseCount('max-rps', v, 1_000_000)
  }),
  'max-vus': input({
    group: 'limits',
    default: '1000',
    description: "The most VUs a profile's plan may use, checked the same way.",
    parse: (v) => parseCount('max-vus', v, 1_000_000)
  }),
  'max-duration': input({
    group: 'limits',
    default: '6h',
    description:
      "The longest a profile's plan may run (90m, 6h; at most 72h), checked the same way. A plan whose VUs run without a rate of their own (smoke) is held to max-rps requests per second by k6's rps option.",
    parse: (v) => parseMaxDuration('max-duration', v)
  }),
  'load-factor': input({
    group: 'limits',
    description:
      "Scale a profile's plan: every rate and VU count times this (0.1 for a tenth of the load, on a laptop). Wins over the objective's load_factor. Baselines at another factor are never compared.",
    parse: (v) => parseFactor('load-factor', v, '0.1 for a tenth of the load')
  }),
  'duration-factor': input({
    group: 'limits',
    description:
      "Scale a profile's plan: every duration times this (2 to run twice as long). Wins over the objective's duration_factor.",
    parse: (v) => parseFactor('duration-factor', v, '2 to run twice as long')
  }),
  'publish-timeout': input({
    group: 'limits',
    default: '180',
    description:
      'How long the network steps after k6 may take together: reading and writing the baseline, uploading the artifact, the pull request comment. Seconds (180) or a duration (90s, 3m). A step that misses it is skipped with a warning naming it; the verdict, the outputs and the job summary are written before any of them.',
    parse: (v) => parseTimeout('publish-timeout', v)
  })
} as const

export type InputName = keyof typeof INPUTS
