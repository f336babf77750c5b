import type { GitHubClient } from '../shared/github.js'
import { apiErrorMessage } from '../shared/github.js'

/** The label perf-gate's change-point issues carry, and are found by. */
export const CHANGE_POINT_LABEL = 'perf-gate:change-point'
/** Issues searched for one already open (or closed) for a change point. */
const PAGES = 3

/** One change point's issue: where it is and what it says. */
export interface ChangePointIssue {
  /** Identifies the change point: the objective, the shape, its run. */
  key: { objective: string; fingerprint: string; runId: string }
  /** Runs whose issue is this change point's too (it may have moved by a run or two). */
  sameAs: readonly string[]
  title: string
  body: string
}

/**
 * Open an issue per change point, or update the one perf-gate opened for
 * it before (found by the hidden marker in its body, under the label):
 * never two for one change point, and a closed one is updated, not
 * reopened. The issues' URLs, and a warning when the API refused.
 */
export async function fileChangePointIssues(
  client: GitHubClient,
  repository: { owner: string; repo: string },
  issues: readonly ChangePointIssue[]
): Promise<{ urls: string[]; warning?: string }> {
  if (issues.length === 0) return { urls: [] }
  const urls: string[] = []
  try {
    const existing = await labelledIssues(client, repository)
    for (const issue of issues) {
      const body = `${issue.body}\n\n${marker(issue.key)}\n`
      const found = existing.find((e) =>
        issue.sameAs.some((runId) =>
          e.body.includes(marker({ ...issue.key, runId }))
        )
      )
      const response = found
        ? await client.rest.issues.update({
            ...repository,
            issue_number: found.number,
            title: issue.title,
            body
          })
        : await client.rest.issues.create({
            ...repository,
            title: issue.title,
            body,
            labels: [CHANGE_POINT_LABEL]
          })
      urls.push(response.data.html_url)
    }
    return { urls }
  } catch (error) {
    return {
      urls,
      warning: `Change-point issue not written: ${apiErrorMessage(error)}. The token needs \`issues: write\` (permissions in the workflow).`
    }
  }
}

function marker(key: ChangePointIssue['key']): string {
  // Inside an HTML comment: no '--' or '>' from the names.
  const clean = (v: string) => v.replace(/-{2,}|>/g, '_')
  return `<!-- perf-gate-change-point objective=${clean(key.objective)} fingerprint=${clean(key.fingerprint)} run=${clean(key.runId)} -->`
}

async function labelledIssues(
  client: GitHubClient,
  repository: { owner: string; repo: string }
): Promise<{ number: number; body: string }[]> {
  const found: { number: number; body: string }[] = []
  for (let page = 1; page <= PAGES; page++) {
    const { data } = await client.rest.issues.listForRepo({
      ...repository,
      labels: CHANGE_POINT_LABEL,
      state: 'all',
      per_page: 100,
      page
    })
    for (const issue of data) {
      found.push({ number: issue.number, body: issue.body ?? '' })
    }
    if (data.length < 100) break
  }
  return found
}
