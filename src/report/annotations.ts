import type { StderrDigest } from '../k6/log.js'
import type { SummaryResult } from '../results/types.js'
import type { MetricComparison } from '../judge/compare.js'
import { describeComparison } from './comparison.js'
import { describeThreshold } from './verdict.js'
import { withoutTarget } from '../profile/threshold-origins.js'
import { displayPath, isInside, k6FilePath } from '../shared/paths.js'

export interface Annotation {
  message: string
  title: string
  /** Workspace-relative path, so GitHub can place it on the file. */
  file?: string
  startLine?: number
  startColumn?: number
}

interface ScriptSource {
  /** Absolute path of the script. */
  path: string
  text: string
}

/** A threshold the profile declares, and where. */
export interface ThresholdPlace {
  key: string
  expression: string
  line: number
  column: number
}

/** The profile's thresholds, for a run whose script perf-gate wrote. */
export interface ProfileSource {
  /** Absolute path of the profile. */
  path: string
  places: ThresholdPlace[]
}

/**
 * One error annotation per crossed threshold, placed on the line of the
 * script that declares it when that line can be found.
 */
export function thresholdAnnotations(
  summary: SummaryResult,
  workspace: string,
  script?: ScriptSource,
  profile?: ProfileSource
): Annotation[] {
  return summary.thresholds
    .filter((t) => !t.passed)
    .map((t) => ({
      title: 'perf-gate: threshold crossed',
      message: describeThreshold(t, summary),
      ...(placeInProfile(t.metric, t.expression, workspace, profile) ??
        placeInScript(t.expression, workspace, script))
    }))
}

/** The profile's line that declared the threshold, when it did. */
function placeInProfile(
  metric: string,
  expression: string,
  workspace: string,
  profile: ProfileSource | undefined
): Partial<Annotation> | undefined {
  const file = profile && relativeInside(profile.path, workspace)
  if (!file) return undefined
  const key = withoutTarget(metric)
  const place = profile.places.find(
    (p) => p.key === key && p.expression === expression
  )
  return place
    ? { file, startLine: place.line, startColumn: place.column }
    : undefined
}

/** One error annotation per regression that fails the check. */
export function regressionAnnotations(
  regressions: MetricComparison[]
): Annotation[] {
  return regressions.map((c) => ({
    title: 'perf-gate: regression',
    message: describeComparison(c)
  }))
}

/**
 * GitHub shows at most 10 error annotations of a step, and the failure
 * line is one of them: past `max`, the last shown says how many more
 * there are and where they are listed.
 */
export function capAnnotations(list: Annotation[], max: number): Annotation[] {
  if (list.length <= max) return list
  const shown = list.slice(0, max - 1)
  const rest = list.slice(max - 1)
  const kinds = [
    ...new Set(rest.map((a) => a.title.replace(/^perf-gate: /, '')))
  ]
  const listed = rest.map((a) => a.message).join('; ')
  const brief = listed.length > 600 ? `${listed.slice(0, 600)}…` : `${listed}.`
  return [
    ...shown,
    {
      title: `perf-gate: ${rest.length} more`,
      message: `${rest.length} more (${kinds.join(', ')}) not annotated, GitHub shows 10 per step: ${brief} The job summary lists every one.`
    }
  ]
}

/** One annotation per distinct exception thrown inside iterations. */
export function iterationErrorAnnotations(
  stderr: StderrDigest,
  workspace: string
): Annotation[] {
  return stderr.firstIterationErrors.map((e) => {
    const file = e.location && relativeInside(e.location.file, workspace)
    return {
      title: 'perf-gate: exception inside an iteration',
      message: `${e.message} (×${e.count}; the iterations that threw did not finish)`,
      ...(file && e.location
        ? {
            file,
            startLine: e.location.line,
            startColumn: e.location.column
          }
        : {})
    }
  })
}

function placeInScript(
  expression: string,
  workspace: string,
  script: ScriptSource | undefined
): Partial<Annotation> {
  if (!script) return {}
  const file = relativeInside(script.path, workspace)
  if (!file) return {}
  const lines = script.text.split('\n')
  const quoted = [`'${expression}'`, `"${expression}"`, `\`${expression}\``]
  const index = lines.findIndex((line) => quoted.some((q) => line.includes(q)))
  return index >= 0
    ? {
        file,
        startLine: index + 1,
        startColumn: lines[index].indexOf(expression) + 1
      }
    : { file }
}

/** A file in the workspace as GitHub annotates it: relative, with `/`. */
export function relativeInside(
  file: string,
  workspace: string,
  platform: NodeJS.Platform = process.platform
): string | undefined {
  const local = k6FilePath(file, platform)
  if (!isInside(local, workspace, platform)) return undefined
  const shown = displayPath(local, workspace, platform)
  return shown === '.' ? undefined : shown
}
