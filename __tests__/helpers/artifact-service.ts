import { sendJson, startServer, type LoopbackServer } from './http.js'

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService'

export interface StoredArtifact {
  name: string
  /** The bytes that arrived in blob storage (a zip). */
  blob: Buffer
  finalized: boolean
  id: number
}

export interface ArtifactService extends LoopbackServer {
  artifacts: StoredArtifact[]
  /** The environment a runner gives a job so @actions/artifact finds us. */
  env: Record<string, string>
}

/**
 * The calls @actions/artifact makes, on loopback: Twirp `CreateArtifact`
 * and `FinalizeArtifact` at ACTIONS_RESULTS_URL, and the Azure block-blob
 * upload (`comp=block`, then `comp=blocklist`) to the signed URL; for this
 * run's own artifacts, `ListArtifacts`, `GetSignedArtifactURL` and the
 * zip's download from the signed URL. One service is one workflow run:
 * jobs that share it see each other's artifacts.
 */
export async function startArtifactService(
  options: {
    createStatus?: number
    /** Accept every connection and never answer. */
    hang?: boolean
    /** Called with each request as it arrives. */
    onRequest?: (pathname: string) => void
  } = {}
): Promise<ArtifactService> {
  const artifacts: StoredArtifact[] = []
  const blocks = new Map<string, Buffer>()
  let url = ''
  const server = await startServer((request, res) => {
    const { pathname, searchParams } = new URL(request.url, 'http://x')
    options.onRequest?.(pathname)
    if (options.hang) return
    if (request.method === 'POST' && pathname === `${SERVICE}/CreateArtifact`) {
      if (options.createStatus) {
        sendJson(res, options.createStatus, {
          code: 'already_exists',
          msg: 'an artifact with this name already exists on the workflow run'
        })
        return
      }
      const body = JSON.parse(request.body.toString())
      const artifact: StoredArtifact = {
        name: body.name,
        blob: Buffer.alloc(0),
        finalized: false,
        id: 1000 + artifacts.length
      }
      artifacts.push(artifact)
      sendJson(res, 200, {
        ok: true,
        signed_upload_url: `${url}/blob/${artifact.id}?sig=test-signature&se=2099-01-01`
      })
      return
    }
    if (
      request.method === 'POST' &&
      pathname === `${SERVICE}/FinalizeArtifact`
    ) {
      const body = JSON.parse(request.body.toString())
      const artifact = artifacts.find((a) => a.name === body.name)
      if (!artifact) {
        sendJson(res, 404, { code: 'not_found', msg: 'no such artifact' })
        return
      }
      artifact.finalized = true
      sendJson(res, 200, { ok: true, artifact_id: String(artifact.id) })
      return
    }
    if (request.method === 'POST' && pathname === `${SERVICE}/ListArtifacts`) {
      // The run's finalized artifacts, filtered as the service filters.
      const body = JSON.parse(request.body.toString())
      const id = body.id_filter ?? body.idFilter
      const name = body.name_filter ?? body.nameFilter
      sendJson(res, 200, {
        artifacts: artifacts
          .filter((a) => a.finalized)
          .filter((a) => id === undefined || String(a.id) === String(id))
          .filter((a) => name === undefined || a.name === name)
          .map((a) => ({
            workflow_run_backend_id: RUN_BACKEND_ID,
            workflow_job_run_backend_id: JOB_BACKEND_ID,
            database_id: String(a.id),
            name: a.name,
            size: String(a.blob.length),
            created_at: new Date().toISOString()
          }))
      })
      return
    }
    if (
      request.method === 'POST' &&
      pathname === `${SERVICE}/GetSignedArtifactURL`
    ) {
      const body = JSON.parse(request.body.toString())
      const artifact = artifacts.find((a) => a.name === body.name)
      if (!artifact) {
        sendJson(res, 404, { code: 'not_found', msg: 'no such artifact' })
        return
      }
      sendJson(res, 200, {
        signed_url: `${url}/blob/${artifact.id}?sig=test-signature&se=2099-01-01`
      })
      return
    }
    const blob = /^\/blob\/(\d+)$/.exec(pathname)
    if (request.method === 'GET' && blob) {
      const artifact = artifacts.find((a) => a.id === Number(blob[1]))
      if (artifact) {
        res.writeHead(200, {
          'content-type': 'application/zip',
          'content-length': artifact.blob.length
        })
        res.end(artifact.blob)
        return
      }
    }
    if (request.method === 'PUT' && blob) {
      const artifact = artifacts.find((a) => a.id === Number(blob[1]))
      const headers = {
        'x-ms-request-id': 'test',
        'x-ms-version': '2024-11-04',
        etag: '"0x1"',
        'last-modified': new Date().toUTCString()
      }
      const comp = searchParams.get('comp')
      if (artifact && comp === 'block') {
        blocks.set(
          `${artifact.id}/${searchParams.get('blockid')}`,
          request.body
        )
        res.writeHead(201, headers)
        res.end()
        return
      }
      if (artifact && comp === 'blocklist') {
        const ids = [
          ...request.body.toString().matchAll(/<Latest>([^<]+)<\/Latest>/g)
        ].map((m) => m[1])
        artifact.blob = Buffer.concat(
          ids.map((id) => blocks.get(`${artifact.id}/${id}`) ?? Buffer.alloc(0))
        )
        res.writeHead(201, headers)
        res.end()
        return
      }
      if (artifact && !comp) {
        artifact.blob = request.body
        res.writeHead(201, headers)
        res.end()
        return
      }
    }
    sendJson(res, 404, { msg: `unexpected ${request.method} ${request.url}` })
  })
  url = server.url
  return Object.assign(server, {
    artifacts,
    env: {
      ACTIONS_RESULTS_URL: `${server.url}/`,
      ACTIONS_RUNTIME_TOKEN: runtimeToken(),
      GITHUB_SERVER_URL: 'https://github.com'
    }
  })
}

const RUN_BACKEND_ID = '11111111-2222-3333-4444-555555555555'
const JOB_BACKEND_ID = '66666666-7777-8888-9999-000000000000'

/** An unsigned JWT with the scope claim @actions/artifact reads IDs from. */
function runtimeToken(): string {
  const encode = (value: object): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url')
  return [
    encode({ alg: 'none', typ: 'JWT' }),
    encode({
      scp: `Actions.ExampleScope Actions.Results:${RUN_BACKEND_ID}:${JOB_BACKEND_ID}`
    }),
    'signature'
  ].join('.')
}
