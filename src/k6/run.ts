import * as core from '@actions/core'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import { constants } from 'node:os'
import * as path from 'node:path'
import { createInterface } from 'node:readline'
import { formatCommand } from './args.js'
import { StderrAnalyser, type StderrDigest } from './log.js'

interface RunK6Options {
  k6Path: string
  script: string
  resultsDir: string
  /** Extra arguments from the `k6-args` input, already split. */
  extraArgs: readonly string[]
  cwd: string
  /** k6's environment: the step's, which the script reads through __ENV. */
  env: NodeJS.ProcessEnv
  /**
   * Another k6 runs beside this one and has the log: this one's output goes
   * to its k6.log only (a paired run's reference).
   */
  quiet?: boolean
  /** What this k6 run is, in its log lines (a paired run's reference). */
  label?: string
}

/** What happened, in the words a report uses. */
export type Outcome =
  | 'passed'
  | 'thresholds-crossed'
  | 'invalid-options'
  | 'script-error'
  | 'aborted-by-script'
  /** exec.test.fail(): the run went on, then k6 exited 110. */
  | 'marked-failed'
  | 'setup-timeout'
  | 'teardown-timeout'
  | 'iteration-errors'
  | 'cancelled'
  /** A Go panic inside k6 (exit 109): a k6 bug, not the script's. */
  | 'k6-panic'
  /** k6 Cloud's codes (97, 98): perf-gate runs k6 locally. */
  | 'cloud-error'
  /** Killed by a signal k6 could not handle (SIGKILL: out of memory). */
  | 'killed'
  | 'k6-error'

/** Each outcome in a few words, for reports and messages. */
export const OUTCOME_LABEL: Record<K6Run['outcome'], string> = {
  passed: 'passed',
  'thresholds-crossed': 'thresholds crossed',
  'invalid-options': 'invalid options',
  'script-error': 'script error',
  'aborted-by-script': 'aborted by the script',
  'marked-failed': 'marked as failed by the script',
  'setup-timeout': 'setup() timed out',
  'teardown-timeout': 'teardown() timed out',
  'k6-panic': 'k6 crashed',
  'cloud-error': 'k6 Cloud error',
  killed: 'killed by a signal',
  'iteration-errors': 'exceptions in iterations',
  cancelled: 'cancelled',
  'k6-error': 'k6 error'
}

/** Outcomes where k6 ran the whole test (whatever it then judged). */
export const RAN_TO_THE_END: readonly Outcome[] = [
  'passed',
  'thresholds-crossed',
  'iteration-errors'
]

export interface K6Run {
  argv: string[]
  exitCode: number
  /** The signal perf-gate forwarded to k6 when the job was cancelled. */
  cancelledBy?: NodeJS.Signals
  outcome: Outcome
  summaryPath: string
  resultsPath: string
  logPath: string
  stderr: StderrDigest
  wallTimeMs: number
}

const ECHOED_REQUEST_FAILURES = 50

/** k6's exit codes (k6/errext/exitcodes). */
const EXIT = {
  ok: 0,
  cloudTestRunFailed: 97,
  cloudFailedToGetProgress: 98,
  thresholdsCrossed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
  goPanic: 109,
  markedAsFailed: 110
} as const

function k6RunArgs(options: {
  script: string
  summaryPath: string
  resultsPath: string
  extraArgs: readonly string[]
}): string[] {
  return [
    'run',
    '--summary-export',
    options.summaryPath,
    '--out',
    `json=${options.resultsPath}`,
    ...options.extraArgs,
    options.script
  ]
}

/**
 * Run k6 with an argument array (never a shell), stream its output into a
 * log group and `k6.log`, and forward a cancellation so k6 can still write
 * its summary.
 */
export async function runK6(options: RunK6Options): Promise<K6Run> {
  fs.mkdirSync(options.resultsDir, { recursive: true })
  const summaryPath = path.join(options.resultsDir, 'summary.json')
  // Gzip, by its name: k6 compresses as it writes, at about the same CPU,
  // to a 27th of the bytes; the analyser and the upload read less.
  const resultsPath = path.join(options.resultsDir, 'results.json.gz')
  const logPath = path.join(options.resultsDir, 'k6.log')
  // Stale files from an earlier run in the same workspace would be read as
  // this run's results.
  for (const file of [summaryPath, resultsPath, logPath]) {
    clearOwnFile(file)
  }
  const argv = k6RunArgs({
    script: options.script,
    summaryPath,
    resultsPath,
    extraArgs: options.extraArgs
  })
  core.info(
    `Running ${formatCommand([options.k6Path, ...argv])}${options.quiet ? ` (its output in ${logPath})` : ''}`
  )
  // Quiet: nothing on the step's log but what perf-gate says itself.
  const echo = (line: string): void => {
    if (!options.quiet) process.stdout.write(line)
  }

  const started = Date.now()
  const analyser = new StderrAnalyser()
  const log = fs.createWriteStream(logPath)
  // k6 prints whatever the script logs: keep it from issuing workflow
  // commands (::set-output, ::add-mask, …) in this job.
  const resumeToken = randomUUID()

  if (!options.quiet) core.startGroup('k6 output')
  echo(`::stop-commands::${resumeToken}\n`)
  const state: StreamState = { requestFailureLines: 0 }
  let exitCode: number
  try {
    exitCode = await streamK6(argv, options, { echo, log, analyser }, state)
  } finally {
    const hidden = state.requestFailureLines - ECHOED_REQUEST_FAILURES
    if (hidden > 0) {
      echo(
        `perf-gate: ${hidden} more 'Request Failed' lines are in ${logPath}\n`
      )
    }
    echo(`::${resumeToken}::\n`)
    if (!options.quiet) core.endGroup()
    await new Promise<void>((resolve) => log.end(resolve))
  }
  const { cancelledBy } = state

  const stderr = analyser.result()
  const run: K6Run = {
    argv,
    exitCode,
    cancelledBy,
    outcome: classifyOutcome(exitCode, stderr, cancelledBy, options.script),
    summaryPath,
    resultsPath,
    logPath,
    stderr,
    wallTimeMs: Date.now() - started
  }
  core.info(
    `k6${options.label ? ` (${options.label})` : ''} exited with code ${exitCode} (${run.outcome})`
  )
  return run
}

/** What streaming k6 learns as it goes. */
interface StreamState {
  /** The signal forwarded to k6 (the job was cancelled). */
  cancelledBy?: NodeJS.Signals
  requestFailureLines: number
}

/**
 * k6 spawned with an argument array and streamed: stdout echoed and
 * logged, stderr analysed, echoed and logged, a cancellation forwarded
 * once. Its exit code, as a shell gives it.
 */
function streamK6(
  argv: string[],
  options: RunK6Options,
  sinks: {
    echo: (line: string) => void
    log: fs.WriteStream
    analyser: StderrAnalyser
  },
  state: StreamState
): Promise<number> {
  const { echo, log, analyser } = sinks
  return new Promise<number>((resolve, reject) => {
    const child = spawn(options.k6Path, argv, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true
    })
    const forward = (signal: NodeJS.Signals): void => {
      if (state.cancelledBy) {
        // A second signal would make k6 abort without its summary.
        echo(`perf-gate: ${signal} again; k6 is stopping\n`)
        return
      }
      state.cancelledBy = signal
      echo(
        `perf-gate: received ${signal}; asking k6 to stop and write its summary\n`
      )
      child.kill(signal)
    }
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    const detach = (): void => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
    }

    const out = createInterface({ input: child.stdout, crlfDelay: Infinity })
    out.on('line', (line) => {
      echo(`${line}\n`)
      log.write(`${line}\n`)
    })
    const err = createInterface({ input: child.stderr, crlfDelay: Infinity })
    err.on('line', (line) => {
      analyser.push(line)
      log.write(`${line}\n`)
      // A target that is down logs one warning per request: show the
      // first ones, keep them all in k6.log.
      if (line.includes('msg="Request Failed"')) {
        if (++state.requestFailureLines > ECHOED_REQUEST_FAILURES) return
      }
      echo(`${line}\n`)
    })

    child.on('error', (error) => {
      detach()
      reject(error)
    })
    child.on('close', (code, signal) => {
      detach()
      // Killed by a signal it did not handle: report it like a shell does.
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
    })
  })
}

/**
 * Remove a file perf-gate is about to write. Something else in its place
 * (a directory, a FIFO) is left alone and named: k6 could not write there.
 */
export function clearOwnFile(file: string): void {
  let stats: fs.Stats
  try {
    stats = fs.lstatSync(file)
  } catch {
    return
  }
  if (!stats.isFile() && !stats.isSymbolicLink()) {
    throw new Error(
      `${file} is ${stats.isDirectory() ? 'a directory' : 'not a regular file'}, where perf-gate writes its file of that name: remove it, or give results-dir another folder.`
    )
  }
  fs.rmSync(file, { force: true })
}

/** The signal behind an exit code above 128, as a shell reports it. */
export function signalOf(exitCode: number): string | undefined {
  if (exitCode <= 128 || exitCode > 128 + 64) return undefined
  const found = Object.entries(constants.signals).find(
    ([, n]) => n === exitCode - 128
  )
  return found?.[0]
}

/** Name the outcome from the exit code and what k6 wrote to stderr. */
export function classifyOutcome(
  exitCode: number,
  stderr: StderrDigest,
  cancelledBy: NodeJS.Signals | undefined,
  script: string
): Outcome {
  if (cancelledBy || exitCode === EXIT.externalAbort) return 'cancelled'
  switch (exitCode) {
    case EXIT.ok:
      return stderr.iterationErrors > 0 ? 'iteration-errors' : 'passed'
    case EXIT.thresholdsCrossed:
      return 'thresholds-crossed'
    case EXIT.invalidConfig:
      return 'invalid-options'
    case EXIT.scriptException:
      return 'script-error'
    case EXIT.scriptAborted:
      return 'aborted-by-script'
    case EXIT.markedAsFailed:
      return 'marked-failed'
    case EXIT.setupTimeout:
      return 'setup-timeout'
    case EXIT.teardownTimeout:
      return 'teardown-timeout'
    case EXIT.goPanic:
      return 'k6-panic'
    case EXIT.cloudTestRunFailed:
    case EXIT.cloudFailedToGetProgress:
      return 'cloud-error'
  }
  if (signalOf(exitCode)) return 'killed'
  // k6 exits 255 when the script does not even parse; the error then names
  // a position in the script.
  const name = path.basename(script)
  const position = new RegExp(`${escapeRegExp(name)}:\\d+:\\d+`)
  return stderr.errors.some((e) => position.test(e))
    ? 'script-error'
    : 'k6-error'
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
