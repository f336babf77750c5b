import {
  apiErrorMessage,
  httpStatus,
  type GitHubClient
} from '../shared/github.js'

/** GitHub rejects comment bodies over 65,536 characters. */
const MAX_BODY = 65_000

/** The hidden marker that makes the comment sticky, one per objective. */
export function commentMarker(objective: string): string {
  return `<!-- perf-gate:comment objective=${objective} -->`
}

export interface CommentRequest {
  client: GitHubClient
  owner: string
  repo: string
  issueNumber: number
  objective: string
  body: string
}

export interface CommentResult {
  url?: string
  action: 'created' | 'updated' | 'skipped'
  /** Why nothing was posted; a warning, never a failure. */
  warning?: string
}

/**
 * Create the PR's perf-gate comment for this objective, or update it in
 * place: every page of comments is searched for the marker, so a busy PR
 * never gets a second one. No permission (a fork's read-only token) is a
 * warning: the job summary holds the same report.
 */
export async function upsertComment(
  request: CommentRequest
): Promise<CommentResult> {
  const { client, owner, repo, issueNumber } = request
  const marker = commentMarker(request.objective)
  const body = fit(`${marker}\n${request.body}`)
  try {
    let existing: { id: number } | undefined
    for await (const page of client.paginate.iterator(
      client.rest.issues.listComments,
      { owner, repo, issue_number: issueNumber, per_page: 100 }
    )) {
      existing = page.data.find((c) => c.body?.includes(marker))
      if (existing) break
    }
    if (existing) {
      const { data } = await client.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing.id,
        body
      })
      return { url: data.html_url, action: 'updated' }
    }
    const { data } = await client.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body
    })
    return { url: data.html_url, action: 'created' }
  } catch (error) {
    const status = httpStatus(error)
    return {
      action: 'skipped',
      warning:
        status === 403 || status === 404
          ? `could not comment on pull request #${issueNumber} (HTTP ${status}): the token cannot write to it. ` +
            'Pull requests from forks get a read-only token; the report is in the job summary. ' +
            'To comment on them, use the workflow_run pattern in the README.'
          : `could not comment on pull request #${issueNumber}: ${apiErrorMessage(error)}`
    }
  }
}

/** Cut an over-long report at a line, and say so. */
function fit(body: string): string {
  if (body.length <= MAX_BODY) return body
  const cut = body.lastIndexOf('\n', MAX_BODY - 200)
  return `${body.slice(0, cut)}\n\n… the report was cut to fit a comment; the job summary has all of it.\n`
}
