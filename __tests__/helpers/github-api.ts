import { createHash } from 'node:crypto'
import type * as http from 'node:http'
import { sendJson, startServer, type LoopbackServer } from './http.js'

export interface Comment {
  id: number
  body: string
  html_url: string
  /** Who wrote it; the comments a test seeds default to the bot. */
  user?: { login: string }
}

/** Who an installation token (`ghs_…`, GITHUB_TOKEN) writes as. */
export const BOT = 'github-actions[bot]'
/** Who any other token (a person's) writes as. */
export const PERSON = 'octo-dev'

export interface Fault {
  method: string
  path: RegExp
  /** The status to answer with; `hang`: accept and never answer. */
  status: number | 'hang'
  /** How many matching requests fail; then they pass. */
  times: number
  message?: string
  headers?: Record<string, string>
}

/** An issue perf-gate opened (change points). */
export interface Issue {
  number: number
  title: string
  body: string
  labels: string[]
  state: 'open' | 'closed'
  html_url: string
}

export interface FakeRun {
  id: number
  head_branch: string
  /** Artifacts of the run, by name: the zip served for each. */
  artifacts: Record<string, Buffer>
  /** When its current attempt started (ISO): GET /actions/runs/{id}. */
  startedAt?: string
}

export interface GitHubApi extends LoopbackServer {
  comments: Map<number, Comment[]>
  /** The repository's labels. */
  labels: Set<string>
  /** Each issue's (pull request's) labels now, by number. */
  issueLabels: Map<number, string[]>
  /** Issues created through the API, by number. */
  issues: Map<number, Issue>
  /** branch → path → text */
  branches: Map<string, Map<string, string>>
  runs: FakeRun[]
  faults: Fault[]
  /** Runs before a write lands: lets a test change the file underneath. */
  beforeWrite?: (path: string) => void
  writes: number
}

/**
 * A loopback GitHub REST API with just the endpoints perf-gate calls,
 * keeping state so that a second run sees what the first one wrote: issue
 * comments (paginated 100 per page with Link headers), labels, the
 * Contents API with blob-sha compare-and-swap, the Git Data calls that
 * create an orphan branch, workflow runs and their artifacts (the zip
 * download redirects to a blob URL, as GitHub's does). Faults can be
 * injected per method and path.
 */
export async function startGitHubApi(
  repository = 'acme/shop'
): Promise<GitHubApi> {
  let nextId = 1000
  const state = {
    comments: new Map<number, Comment[]>(),
    labels: new Set<string>(['perf-gate:accept-regression']),
    issueLabels: new Map<number, string[]>(),
    issues: new Map<number, Issue>(),
    branches: new Map<string, Map<string, string>>([
      ['main', new Map([['README.md', 'shop']])]
    ]),
    runs: [] as FakeRun[],
    faults: [] as Fault[],
    beforeWrite: undefined as ((path: string) => void) | undefined,
    writes: 0
  }
  // The handler reads and writes through `api`, the object tests hold.
  const ref: { api?: GitHubApi } = {}
  const prefix = `/repos/${repository}`
  const sha = (text: string): string =>
    createHash('sha1').update(`blob ${text}`).digest('hex')

  const server = await startServer(async (req, res) => {
    const api = ref.api!
    const url = new URL(req.url, 'http://x')
    const route = url.pathname
    const fault = api.faults.find(
      (f) => f.times > 0 && f.method === req.method && f.path.test(route)
    )
    if (fault) {
      fault.times--
      if (fault.status === 'hang') return
      return sendJson(
        res,
        fault.status,
        { message: fault.message ?? `injected ${fault.status}` },
        fault.headers
      )
    }
    const token = String(req.headers.authorization ?? '').replace(
      /^(token|bearer) /i,
      ''
    )
    const author = token.startsWith('ghs_') ? BOT : PERSON
    // The authenticated user: installation tokens may not ask.
    if (route === '/user' && req.method === 'GET') {
      return author === BOT
        ? sendJson(res, 403, {
            message: 'Resource not accessible by integration'
          })
        : sendJson(res, 200, { login: PERSON, type: 'User' })
    }
    if (!route.startsWith(prefix) && !route.startsWith('/blob/')) {
      return sendJson(res, 404, { message: 'Not Found' })
    }
    const rest = route.slice(prefix.length)
    const body = req.body.length ? JSON.parse(req.body.toString()) : {}
    let m: RegExpExecArray | null

    // Issues: listed by label and state (100 a page), created, updated.
    if (rest === '/issues' && req.method === 'GET') {
      const label = url.searchParams.get('labels')
      const state = url.searchParams.get('state') ?? 'open'
      const perPage = Number(url.searchParams.get('per_page') ?? 30)
      const page = Number(url.searchParams.get('page') ?? 1)
      const list = [...api.issues.values()]
        .filter((i) => !label || i.labels.includes(label))
        .filter((i) => state === 'all' || i.state === state)
        .sort((a, b) => b.number - a.number)
      return sendJson(
        res,
        200,
        list
          .slice((page - 1) * perPage, page * perPage)
          .map((i) => ({ ...i, labels: i.labels.map((name) => ({ name })) }))
      )
    }
    if (rest === '/issues' && req.method === 'POST') {
      const number = 500 + api.issues.size + 1
      const issue: Issue = {
        number,
        title: body.title,
        body: body.body ?? '',
        labels: body.labels ?? [],
        state: 'open',
        html_url: `https://github.com/${repository}/issues/${number}`
      }
      api.issues.set(number, issue)
      return sendJson(res, 201, issue)
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest)) && req.method === 'PATCH') {
      const issue = api.issues.get(Number(m[1]))
      if (!issue) return sendJson(res, 404, { message: 'Not Found' })
      Object.assign(issue, {
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.body !== undefined ? { body: body.body } : {}),
        ...(body.state !== undefined ? { state: body.state } : {})
      })
      return sendJson(res, 200, issue)
    }

    // Issue comments
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const list = api.comments.get(Number(m[1])) ?? []
      api.comments.set(Number(m[1]), list)
      if (req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        const slice = list
          .slice((page - 1) * perPage, page * perPage)
          .map((c) => ({ user: { login: BOT }, ...c }))
        if (page * perPage < list.length) {
          const next = new URL(`${server.url}${route}`)
          next.searchParams.set('per_page', String(perPage))
          next.searchParams.set('page', String(page + 1))
          res.setHeader('link', `<${next.href}>; rel="next"`)
        }
        return sendJson(res, 200, slice)
      }
      if (req.method === 'POST') {
        const comment = {
          id: nextId++,
          user: { login: author },
          body: body.body,
          html_url: `https://github.com/${repository}/pull/${m[1]}#issuecomment-${nextId}`
        }
        list.push(comment)
        return sendJson(res, 201, comment)
      }
    }
    if (
      (m = /^\/issues\/comments\/(\d+)$/.exec(rest)) &&
      req.method === 'PATCH'
    ) {
      for (const list of api.comments.values()) {
        const comment = list.find((c) => c.id === Number(m![1]))
        if (comment) {
          // As GitHub: only the comment's author may edit it.
          if ((comment.user?.login ?? BOT) !== author) {
            return sendJson(res, 403, {
              message: 'Resource not accessible by integration'
            })
          }
          comment.body = body.body
          return sendJson(res, 200, comment)
        }
      }
      return sendJson(res, 404, { message: 'Not Found' })
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(rest)) && req.method === 'GET') {
      const names = api.issueLabels.get(Number(m[1])) ?? []
      return sendJson(
        res,
        200,
        names.map((name, i) => ({ id: i + 1, name, color: 'ededed' }))
      )
    }
    if ((m = /^\/labels\/(.+)$/.exec(rest)) && req.method === 'GET') {
      const name = decodeURIComponent(m[1])
      return api.labels.has(name)
        ? sendJson(res, 200, { name })
        : sendJson(res, 404, { message: 'Not Found' })
    }

    // Contents API
    if ((m = /^\/contents\/(.+)$/.exec(rest))) {
      const file = decodeURIComponent(m[1])
      if (req.method === 'GET') {
        const branch = api.branches.get(url.searchParams.get('ref') ?? 'main')
        const text = branch?.get(file)
        if (text === undefined)
          return sendJson(res, 404, { message: 'Not Found' })
        return sendJson(res, 200, {
          type: 'file',
          path: file,
          sha: sha(text),
          encoding: 'base64',
          content: Buffer.from(text).toString('base64')
        })
      }
      if (req.method === 'PUT') {
        api.beforeWrite?.(file)
        const branch = api.branches.get(body.branch)
        if (!branch) {
          return sendJson(res, 404, {
            message: `Branch ${body.branch} not found`
          })
        }
        const existing = branch.get(file)
        if (existing !== undefined && !body.sha) {
          return sendJson(res, 422, { message: '"sha" wasn\'t supplied.' })
        }
        if (existing !== undefined && body.sha !== sha(existing)) {
          return sendJson(res, 409, {
            message: `${file} does not match ${body.sha}`
          })
        }
        const text = Buffer.from(body.content, 'base64').toString('utf8')
        branch.set(file, text)
        api.writes++
        return sendJson(res, existing === undefined ? 201 : 200, {
          content: { path: file, sha: sha(text) },
          commit: { sha: sha(`${file}${api.writes}`), message: body.message }
        })
      }
    }

    // Git Data API: the orphan branch
    if (rest === '/git/trees' && req.method === 'POST') {
      return sendJson(res, 201, { sha: 'tree1', tree: body.tree })
    }
    if (rest === '/git/commits' && req.method === 'POST') {
      return sendJson(res, 201, { sha: 'commit1', parents: body.parents })
    }
    if (rest === '/git/refs' && req.method === 'POST') {
      const name = String(body.ref).replace(/^refs\/heads\//, '')
      if (api.branches.has(name)) {
        return sendJson(res, 422, { message: 'Reference already exists' })
      }
      api.branches.set(name, new Map([['README.md', 'baselines']]))
      return sendJson(res, 201, { ref: body.ref, object: { sha: body.sha } })
    }

    // Workflow runs and artifacts
    if (
      /^\/actions\/(workflows\/[^/]+\/)?runs$/.test(rest) &&
      req.method === 'GET'
    ) {
      const branch = url.searchParams.get('branch')
      const runs = api.runs
        .filter((r) => !branch || r.head_branch === branch)
        .sort((a, b) => b.id - a.id)
        .map((r) => ({
          id: r.id,
          head_branch: r.head_branch,
          conclusion: 'success'
        }))
      return sendJson(res, 200, {
        total_count: runs.length,
        workflow_runs: runs
      })
    }
    if ((m = /^\/actions\/runs\/(\d+)$/.exec(rest)) && req.method === 'GET') {
      // This workflow run: when its current attempt started.
      const run = api.runs.find((r) => r.id === Number(m![1]))
      if (!run?.startedAt) return sendJson(res, 404, { message: 'Not Found' })
      return sendJson(res, 200, {
        id: run.id,
        head_branch: run.head_branch,
        created_at: run.startedAt,
        run_started_at: run.startedAt
      })
    }
    if ((m = /^\/actions\/runs\/(\d+)\/artifacts$/.exec(rest))) {
      const run = api.runs.find((r) => r.id === Number(m![1]))
      const name = url.searchParams.get('name')
      const artifacts = Object.keys(run?.artifacts ?? {})
        .filter((n) => !name || n === name)
        .map((n) => ({
          id: artifactId(run!.id, n),
          name: n,
          size_in_bytes: run!.artifacts[n].length,
          created_at: new Date().toISOString()
        }))
      return sendJson(res, 200, { total_count: artifacts.length, artifacts })
    }
    if ((m = /^\/actions\/artifacts\/(\d+)\/zip$/.exec(rest))) {
      res.writeHead(302, {
        location: `${server.url}/blob/${m[1]}.zip?sig=secret`
      })
      res.end()
      return
    }
    if ((m = /^\/blob\/(\d+)\.zip$/.exec(route))) {
      for (const run of api.runs) {
        for (const [name, zip] of Object.entries(run.artifacts)) {
          if (artifactId(run.id, name) === Number(m[1])) {
            res.writeHead(200, { 'content-type': 'application/zip' })
            res.end(zip)
            return
          }
        }
      }
    }
    return sendJson(res, 404, { message: `Not Found: ${req.method} ${route}` })
  })

  ref.api = Object.assign(server, state)
  return ref.api
}

function artifactId(runId: number, name: string): number {
  let h = 0
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 100000
  return runId * 100000 + h
}

export type { http }
