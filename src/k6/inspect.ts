import { execFile } from 'node:child_process'
import { parseLogfmt } from './log.js'

/** What `k6 inspect --execution-requirements` says a script will do. */
export interface Inspected {
  /** Scenarios by name, as k6 derived them (vus/duration become one). */
  scenarios: Record<string, InspectedScenario>
  /** Thresholds by metric key, as the script's options give them. */
  thresholds: Record<string, string[]>
  /** The longest the test can take, graceful stops included (`36s`). */
  totalDuration?: string
  /** The most VUs it can start. */
  maxVUs?: number
}

export interface InspectedScenario {
  executor: string
  [option: string]: unknown
}

export type InspectResult =
  | { ok: true; inspected: Inspected }
  | { ok: false; exitCode: number | null; message: string }

/** k6 only loads and reads the script; a script's init code still runs. */
const INSPECT_TIMEOUT_MS = 60_000

/**
 * `k6 inspect --execution-requirements <script>`: k6 loads the script as
 * `k6 run` does (the init code runs, nothing is sent), derives its
 * scenarios and prints its options as JSON. An error is k6's own line.
 */
export function inspectK6(options: {
  k6Path: string
  script: string
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs?: number
}): Promise<InspectResult> {
  return new Promise((resolve) => {
    execFile(
      options.k6Path,
      ['inspect', '--execution-requirements', options.script],
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? INSPECT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        windowsHide: true
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null
          resolve({
            ok: false,
            exitCode: code,
            message: error.killed
              ? `k6 inspect gave no answer within ${Math.round((options.timeoutMs ?? INSPECT_TIMEOUT_MS) / 1000)} s`
              : (k6Error(stderr) ?? error.message.split('\n')[0])
          })
          return
        }
        resolve(parseInspect(stdout))
      }
    )
  })
}

/** The last error k6 logged (logfmt `level=error msg=…`), its first line. */
function k6Error(stderr: string): string | undefined {
  const errors = stderr
    .split('\n')
    .map((line) => parseLogfmt(line))
    .filter((fields) => fields.level === 'error' && fields.msg)
  return errors.at(-1)?.msg.split('\n')[0]
}

function parseInspect(stdout: string): InspectResult {
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch {
    return {
      ok: false,
      exitCode: 0,
      message: `k6 inspect printed no JSON (${JSON.stringify(stdout.trim().slice(0, 120))})`
    }
  }
  const options = (json ?? {}) as Record<string, unknown>
  // A threshold is its expression, or an object when it aborts the test.
  const thresholds = Object.fromEntries(
    Object.entries((options.thresholds ?? {}) as Record<string, unknown>).map(
      ([key, list]) => [
        key,
        (Array.isArray(list) ? list : []).map((t: unknown) =>
          typeof t === 'string'
            ? t
            : String((t as { threshold?: unknown } | null)?.threshold ?? '')
        )
      ]
    )
  )
  return {
    ok: true,
    inspected: {
      scenarios: (options.scenarios ?? {}) as Record<string, InspectedScenario>,
      thresholds,
      totalDuration:
        typeof options.totalDuration === 'string'
          ? options.totalDuration
          : undefined,
      maxVUs: typeof options.maxVUs === 'number' ? options.maxVUs : undefined
    }
  }
}
