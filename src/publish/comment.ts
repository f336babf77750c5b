import {
  apiErrorMessage,
  httpStatus,
  type GitHubClient
} from '../shared/github.js'

/** GitHub rejects comment bodies over 65,536 characters. */
const MAX_BODY = 65_000

/**
 * Who writes with GITHUB_TOKEN (and any installation token GitHub does not
 * let ask `GET /user`).
 */
const ACTIONS_BOT = 'github-actions[bot]'

/** The hidden marker that makes the comment sticky, one per key. */
export function commentMarker(key: string): string {
  return `<!-- perf-gate:comment ${key} -->`
}

/** The hidden line on-change compares: what the comment decided. */
function stateMarker(state: string): string {
  return `<!-- perf-gate:state ${state.replace(/--+|>/g, '_')} -->`
}

interface CommentRequest {
  client: GitHubClient
  owner: string
  repo: string
  issueNumber: number
  /** What tells this step's comment from another step's: `objective=load`. */
  key: string
  body: string
  /**
   * `always` posts or updates; `on-change` leaves a comment whose `state`
   * is this run's; `on-failure` posts a new comment only for a failing run
   * (one already there is still updated, so it never shows a stale failure).
   */
  policy?: 'always' | 'on-change' | 'on-failure'
  /** What the comment says in brief: the verdict and what was flagged. */
  state?: string
  failing?: boolean
}

interface CommentResult {
  url?: string
  action: 'created' | 'updated' | 'unchanged' | 'skipped'
  /** Why nothing was posted; a warning, never a failure. */
  warning?: string
}

interface ListedComment {
  id: number
  html_url?: string
  body?: string
  user?: { login?: string } | null
}

/**
 * Ours: it starts with this step's marker, where perf-gate puts it, and
 * was written by the token's own user. Anyone can paste the marker into a
 * comment (editing theirs would be refused, 403, and lose the report), and
 * the same bot may quote it in another comment of its own.
 */
function isOwnComment(
  comment: ListedComment,
  marker: string,
  author: string
): boolean {
  const body = comment.body ?? ''
  return (
    (body === marker || body.startsWith(`${marker}\n`)) &&
    comment.user?.login?.toLowerCase() === author.toLowerCase()
  )
}

/**
 * The login the token writes as: a person's token says (`GET /user`); an
 * installation token is refused that question and writes as a bot.
 */
async function tokenAuthor(client: GitHubClient): Promise<string> {
  try {
    const { data } = await client.rest.users.getAuthenticated()
    return data.login
  } catch (error) {
    const status = httpStatus(error)
    if (status === 401 || status === 403 || status === 404) return ACTIONS_BOT
    throw error
  }
}

/**
 * Create this step's comment on the PR, or update it in place: every page
 * of comments is searched for ours, so a busy PR never gets a second one.
 * No permission (a fork's read-only token) is a warning: the job summary
 * holds the same report.
 */
export async function upsertComment(
  request: CommentRequest
): Promise<CommentResult> {
  const { client, owner, repo, issueNumber } = request
  const marker = commentMarker(request.key)
  const state = request.state === undefined ? '' : stateMarker(request.state)
  const body = fit(`${marker}\n${state ? `${state}\n` : ''}${request.body}`)
  const policy = request.policy ?? 'always'
  try {
    const author = await tokenAuthor(client)
    let existing: ListedComment | undefined
    for await (const page of client.paginate.iterator(
      client.rest.issues.listComments,
      { owner, repo, issue_number: issueNumber, per_page: 100 }
    )) {
      existing = page.data.find((c) => isOwnComment(c, marker, author))
      if (existing) break
    }
    if (existing) {
      if (policy === 'on-change' && state && existing.body?.includes(state)) {
        return { url: existing.html_url, action: 'unchanged' }
      }
      try {
        const { data } = await client.rest.issues.updateComment({
          owner,
          repo,
          comment_id: existing.id,
          body
        })
        return { url: data.html_url, action: 'updated' }
      } catch (error) {
        // Deleted between the listing and the edit: post it anew.
        if (httpStatus(error) !== 404) throw error
      }
    }
    if (policy === 'on-failure' && !request.failing) {
      return { action: 'skipped' }
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
        status === 403
          ? `could not comment on pull request #${issueNumber} (HTTP 403): the token cannot write to it. ` +
            "It needs `pull-requests: write` in the workflow's permissions; pull requests from forks get a read-only token " +
            '(the report is in the job summary; to comment on them, use the workflow_run pattern in the README).'
          : status === 404
            ? `could not comment on pull request #${issueNumber} (HTTP 404): ${owner}/${repo} has no such pull request that this token can see; the report is in the job summary.`
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
