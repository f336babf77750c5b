import * as path from 'node:path'

/** k6's HTML report, in the results folder. */
export const HTML_REPORT_FILE = 'k6-report.html'

/**
 * k6's web dashboard, exported when the run ends and served nowhere
 * (port -1). Its period (k6's default is 10 s) follows the run's length,
 * so that a short run still draws about 60 points; a team's own script,
 * whose length perf-gate does not know, gets 2 s. A period set in the
 * step's environment wins.
 */
export function dashboardEnv(
  resultsDir: string,
  env: NodeJS.ProcessEnv,
  durationS: number | undefined
): Record<string, string> {
  const period =
    env.K6_WEB_DASHBOARD_PERIOD ??
    `${durationS ? Math.min(60, Math.max(1, Math.round(durationS / 60))) : 2}s`
  return {
    K6_WEB_DASHBOARD: 'true',
    K6_WEB_DASHBOARD_PORT: '-1',
    K6_WEB_DASHBOARD_PERIOD: period,
    K6_WEB_DASHBOARD_EXPORT: path.join(resultsDir, HTML_REPORT_FILE)
  }
}
