import * as fs from 'node:fs'
import * as path from 'node:path'
import { readK6Flags, type GivenFlag } from '../k6/flags.js'
import { InputError } from '../shared/errors.js'

/**
 * What k6 may not be told, through k6-args or the step's K6_* variables
 * (k6 reads most flags from both): what would let a run pass whatever
 * happened, hold the job until the runner kills it, hide k6's log from
 * perf-gate, overwrite perf-gate's own files, or, when perf-gate wrote
 * the script, shape the load behind the plan's back.
 */
interface K6OptionsContext {
  env: NodeJS.ProcessEnv
  /** The script is generated from a profile: its plan decides the load. */
  generated: boolean
  workingDirectory: string
  resultsDir: string
}

interface Rule {
  /** k6's flag and the variable k6 also reads it from. */
  flag: string
  variable?: string
  /** Refused for this value only (undefined: any). */
  when?: (value: string | undefined) => boolean
  /** Only for a generated script. */
  generatedOnly?: boolean
  why: string
}

const truthy = (value: string | undefined): boolean =>
  value === undefined || /^(1|t|true)$/i.test(value)

const LOAD =
  "shapes the load, which the profile's plan decides (objectives.<objective>, load-factor, duration-factor): change the profile or those inputs instead"

const RULES: Rule[] = [
  {
    flag: 'no-thresholds',
    variable: 'K6_NO_THRESHOLDS',
    when: truthy,
    why: 'turns off the thresholds perf-gate gates on, so every run would pass: remove it (to run without a threshold, remove it from the script or profile)'
  },
  {
    flag: 'linger',
    variable: 'K6_LINGER',
    when: truthy,
    why: 'keeps k6 running after the test until it is killed, so the job would hang until its timeout: remove it'
  },
  {
    flag: 'paused',
    variable: 'K6_PAUSED',
    when: truthy,
    why: 'starts the test paused, waiting for a `k6 resume` that no step sends: remove it'
  },
  {
    flag: 'log-output',
    variable: 'K6_LOG_OUTPUT',
    when: (v) => v !== 'stderr',
    why: "sends k6's log away from stderr, where perf-gate reads the exceptions and errors it reports: remove it"
  },
  {
    flag: 'log-format',
    variable: 'K6_LOG_FORMAT',
    when: (v) => v !== 'text' && v !== '',
    why: "changes k6's log from the text format perf-gate reads the exceptions and errors from: remove it"
  },
  { flag: 'vus', variable: 'K6_VUS', generatedOnly: true, why: LOAD },
  { flag: 'duration', variable: 'K6_DURATION', generatedOnly: true, why: LOAD },
  {
    flag: 'iterations',
    variable: 'K6_ITERATIONS',
    generatedOnly: true,
    why: LOAD
  },
  { flag: 'stage', variable: 'K6_STAGES', generatedOnly: true, why: LOAD },
  { flag: 'rps', variable: 'K6_RPS', generatedOnly: true, why: LOAD },
  { flag: 'once', generatedOnly: true, why: LOAD },
  {
    flag: 'execution-segment',
    variable: 'K6_EXECUTION_SEGMENT',
    why: 'splits the load, which perf-gate does itself with the shard input: use shard instead'
  }
]

/** perf-gate's own files in the results folder, which k6 must not write. */
const OWN_FILES =
  /^(summary\.json|results\.json(\.gz)?|k6\.log|k6-report\.html|perf-gate-.*)$/

export function checkK6Options(
  args: readonly string[],
  context: K6OptionsContext
): void {
  const flags = readK6Flags(args)
  for (const rule of RULES) {
    if (rule.generatedOnly && !context.generated) continue
    const given = flags.find((f) => f.name === rule.flag)
    if (given && (rule.when?.(given.value) ?? true)) {
      throw new InputError('k6-args', `--${rule.flag} ${rule.why}.`)
    }
    const fromEnv = rule.variable && context.env[rule.variable]
    if (
      rule.variable &&
      fromEnv !== undefined &&
      (rule.when?.(fromEnv) ?? true)
    ) {
      throw new Error(
        `${rule.variable} in the step's environment (k6 reads it as --${rule.flag}) ${rule.why}.`
      )
    }
  }
  for (const flag of flags) checkOwnFiles(flag, context)
  checkConfigFile(flags, context)
}

/** --out json=FILE, --out csv=FILE, --console-output FILE: not ours. */
function checkOwnFiles(flag: GivenFlag, context: K6OptionsContext): void {
  let file: string | undefined
  if (flag.name === 'out' && /^(json|csv)=/.test(flag.value ?? '')) {
    file = flag.value!.slice(flag.value!.indexOf('=') + 1).split(',')[0]
  } else if (flag.name === 'console-output') file = flag.value
  if (!file) return
  const resolved = path.resolve(context.workingDirectory, file)
  if (
    path.dirname(resolved) === path.resolve(context.resultsDir) &&
    OWN_FILES.test(path.basename(resolved))
  ) {
    throw new InputError(
      'k6-args',
      `--${flag.name} ${flag.value} would write ${path.basename(resolved)} in ${path.relative(context.workingDirectory, context.resultsDir) || '.'}, a file perf-gate writes and reads: name another file.`
    )
  }
}

/**
 * A k6 JSON config (--config, or K6_CONFIG) sets options below the
 * script's own, but `linger` and `paused` too.
 */
function checkConfigFile(flags: GivenFlag[], context: K6OptionsContext): void {
  const given = flags.find((f) => f.name === 'config')?.value
  const file = given ?? context.env.K6_CONFIG
  if (!file) return
  const where = given ? '--config' : 'K6_CONFIG'
  let config: Record<string, unknown>
  try {
    const resolved = path.resolve(context.workingDirectory, file)
    if (!fs.statSync(resolved).isFile()) return
    config = JSON.parse(fs.readFileSync(resolved, 'utf8')) as Record<
      string,
      unknown
    >
  } catch {
    return // k6 says what is wrong with it
  }
  for (const key of ['linger', 'paused'] as const) {
    if (config?.[key] === true) {
      throw new InputError(
        'k6-args',
        `${where} ${file} sets "${key}": true, which ${RULES.find((r) => r.flag === key)?.why}.`
      )
    }
  }
}
