import type { Deadline } from '../shared/deadline.js'
import { githubClient, splitRepository } from '../shared/github.js'

/**
 * The pull request's labels as they are now. The event payload holds them
 * as they were when the run was triggered, and a re-run keeps that
 * payload: a reviewer who adds the waiver label and re-runs the job would
 * never be heard. Falls back to the payload's when the API cannot say.
 */
export async function currentLabels(options: {
  token: string
  apiUrl: string
  repository: string
  number: number
  fromPayload: readonly string[]
  deadline: Deadline
}): Promise<string[]> {
  const { owner, repo } = splitRepository(options.repository)
  if (!options.token || !owner || !repo) return [...options.fromPayload]
  try {
    const client = githubClient(options.token, options.apiUrl, options.deadline)
    const read = await options.deadline.race(
      client.paginate(client.rest.issues.listLabelsOnIssue, {
        owner,
        repo,
        issue_number: options.number,
        per_page: 100
      })
    )
    return read ? read.value.map((l) => l.name) : [...options.fromPayload]
  } catch {
    return [...options.fromPayload]
  }
}
