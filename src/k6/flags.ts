/**
 * `k6 run`'s flags, read the way k6 reads them (spf13/pflag): `--name`,
 * `--name=value`, `--name value`; `-x`, `-xvalue`, `-x=value`, `-x value`;
 * bool shorthands together (`-qv`). The names and which take a value are
 * k6's own (internal/cmd: options.go, runtime_options.go, config.go,
 * root.go).
 */
export interface GivenFlag {
  /** The flag's long name, whichever form was written. */
  name: string
  value?: string
  /** Index of its first argument. */
  at: number
}

/** long name → [shorthand, takes a value] */
const FLAGS: Record<string, [string | undefined, boolean]> = {
  // options.go
  vus: ['u', true],
  duration: ['d', true],
  iterations: ['i', true],
  stage: ['s', true],
  'execution-segment': [undefined, true],
  'execution-segment-sequence': [undefined, true],
  paused: ['p', false],
  'no-setup': [undefined, false],
  'no-teardown': [undefined, false],
  'max-redirects': [undefined, true],
  batch: [undefined, true],
  'batch-per-host': [undefined, true],
  rps: [undefined, true],
  'user-agent': [undefined, true],
  'http-debug': [undefined, false],
  'insecure-skip-tls-verify': [undefined, false],
  'no-connection-reuse': [undefined, false],
  'no-vu-connection-reuse': [undefined, false],
  'min-iteration-duration': [undefined, true],
  throw: ['w', false],
  'blacklist-ip': [undefined, true],
  'block-hostnames': [undefined, true],
  'summary-trend-stats': [undefined, true],
  'summary-time-unit': [undefined, true],
  'system-tags': [undefined, true],
  tag: [undefined, true],
  'console-output': [undefined, true],
  'discard-response-bodies': [undefined, false],
  'local-ips': [undefined, true],
  dns: [undefined, true],
  // runtime_options.go
  'include-system-env-vars': [undefined, false],
  'compatibility-mode': [undefined, true],
  type: ['t', true],
  env: ['e', true],
  'no-thresholds': [undefined, false],
  'no-summary': [undefined, false],
  'summary-mode': [undefined, true],
  'summary-export': [undefined, true],
  'new-machine-readable-summary': [undefined, false],
  'traces-output': [undefined, true],
  // config.go
  out: ['o', true],
  linger: ['l', false],
  'no-usage-report': [undefined, false],
  once: [undefined, false],
  // root.go
  'secret-source': [undefined, true],
  'log-output': [undefined, true],
  'log-format': [undefined, true],
  config: ['c', true],
  'no-color': [undefined, false],
  'log-ns-timestamps': [undefined, false],
  verbose: ['v', false],
  quiet: ['q', false],
  address: ['a', true],
  'profiling-enabled': [undefined, false]
}

const BY_SHORT = new Map(
  Object.entries(FLAGS).flatMap(([name, [short]]) =>
    short ? [[short, name] as const] : []
  )
)

/** Every k6 flag in `args`, in order; other words are skipped. */
export function readK6Flags(args: readonly string[]): GivenFlag[] {
  const out: GivenFlag[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') break
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = arg.slice(2, eq < 0 ? undefined : eq)
      const takes = FLAGS[name]?.[1] ?? false
      if (eq >= 0) out.push({ name, value: arg.slice(eq + 1), at: i })
      else if (takes) out.push({ name, value: args[i + 1], at: i++ })
      else out.push({ name, at: i })
    } else if (/^-[^-]/.test(arg)) {
      i = readShorthands(args, i, out)
    }
  }
  return out
}

function readShorthands(
  args: readonly string[],
  i: number,
  out: GivenFlag[]
): number {
  const arg = args[i]
  for (let j = 1; j < arg.length; j++) {
    const name = BY_SHORT.get(arg[j]) ?? arg[j]
    if (!(FLAGS[name]?.[1] ?? false)) {
      out.push({ name, at: i })
      continue
    }
    // A value flag takes the rest of the word (after an optional '='),
    // or the next argument.
    const rest = arg.slice(j + 1)
    if (rest) {
      out.push({ name, value: rest.replace(/^=/, ''), at: i })
      return i
    }
    out.push({ name, value: args[i + 1], at: i })
    return i + 1
  }
  return i
}

/** The `NAME=value` pairs given to `-e`/`--env`, in every form. */
export function envFlags(
  args: readonly string[]
): { name: string; value: string }[] {
  return readK6Flags(args).flatMap((flag) => {
    if (flag.name !== 'env' || flag.value === undefined) return []
    const eq = flag.value.indexOf('=')
    return eq > 0
      ? [{ name: flag.value.slice(0, eq), value: flag.value.slice(eq + 1) }]
      : []
  })
}
