import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * Chromium for k6/browser. k6 looks for it itself on the usual paths;
 * perf-gate looks first, so a runner without it fails before k6 starts
 * with how to fix it, and hands k6 the one it found.
 */

/** The names Chrome and Chromium go by on PATH. */
const NAMES = [
  'google-chrome',
  'google-chrome-stable',
  'chromium',
  'chromium-browser',
  'chrome'
]
/** Where they are outside PATH (macOS, Windows runners). */
const PLACES = [
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'
]

class ChromiumMissingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ChromiumMissingError'
  }
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** The browser to run: K6_BROWSER_EXECUTABLE_PATH, else one on PATH. */
function findChromium(env: NodeJS.ProcessEnv): string {
  const given = env.K6_BROWSER_EXECUTABLE_PATH
  if (given) {
    if (executable(given)) return given
    throw new ChromiumMissingError(
      `K6_BROWSER_EXECUTABLE_PATH is ${given}, which is not an executable file: point it at Chrome or Chromium, or unset it to let perf-gate find one.`
    )
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean)
  for (const name of NAMES) {
    for (const dir of dirs) {
      const file = path.join(dir, name)
      if (executable(file)) return file
    }
  }
  for (const file of PLACES) if (executable(file)) return file
  throw new ChromiumMissingError(
    `the profile's browser journey needs Chrome or Chromium, and none is on PATH (${NAMES.join(', ')}): ` +
      "GitHub's ubuntu and macOS images have Google Chrome; on another runner install it (sudo apt-get install -y chromium) or set K6_BROWSER_EXECUTABLE_PATH."
  )
}

/**
 * What k6 is started with for a browser journey: the browser found, and
 * `no-sandbox` when running as root (Chromium refuses its sandbox then,
 * as in containers), unless K6_BROWSER_ARGS says otherwise.
 */
export function browserEnv(
  env: NodeJS.ProcessEnv,
  uid = process.getuid?.()
): Record<string, string> {
  return {
    K6_BROWSER_EXECUTABLE_PATH: findChromium(env),
    ...(uid === 0 && env.K6_BROWSER_ARGS === undefined
      ? { K6_BROWSER_ARGS: 'no-sandbox' }
      : {})
  }
}
