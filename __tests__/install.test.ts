import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it
} from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ChecksumMismatchError } from '../src/shared/errors.js'
import { installK6 } from '../src/k6/install.js'
import { releaseAsset } from '../src/k6/platform.js'
import { sendJson, startServer, type LoopbackServer } from './helpers/http.js'
import {
  buildRelease,
  startReleaseMirror,
  type Release
} from './helpers/release-mirror.js'

const VERSION = '1.3.0'
const TARGETS = [
  'linux-amd64',
  'linux-arm64',
  'macos-amd64',
  'macos-arm64',
  'windows-amd64'
]

let release: Release
let mirror: LoopbackServer
let toolCache: string

beforeAll(async () => {
  // tool-cache's own test hook: retry without its 10–20 s back-off.
  const hooks = globalThis as Record<string, unknown>
  hooks.TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS = 0
  hooks.TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS = 0
  release = buildRelease(VERSION, TARGETS)
  mirror = await startReleaseMirror([release])
})

afterAll(async () => {
  await mirror.close()
})

beforeEach(() => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-gate-install-'))
  toolCache = path.join(root, 'tool-cache')
  process.env.RUNNER_TOOL_CACHE = toolCache
  process.env.RUNNER_TEMP = path.join(root, 'temp')
  process.env.GITHUB_PATH = path.join(root, 'github-path')
  fs.writeFileSync(process.env.GITHUB_PATH, '')
  process.env.FAKE_K6_VERSION = VERSION
  mirror.requests.length = 0
})

function addedPaths(): string[] {
  return fs
    .readFileSync(process.env.GITHUB_PATH as string, 'utf8')
    .split('\n')
    .filter(Boolean)
}

describe('installK6 from a release mirror', () => {
  it('downloads, verifies, caches and adds k6 to PATH (linux tar.gz)', async () => {
    const k6 = await installK6({
      versionSpec: VERSION,
      downloadUrl: mirror.url,
      platform: 'linux',
      arch: 'x64'
    })
    expect(k6.version).toBe(VERSION)
    expect(k6.path).toBe(path.join(toolCache, 'k6', VERSION, 'x64', 'k6'))
    expect(
      fs.existsSync(path.join(toolCache, 'k6', VERSION, 'x64.complete'))
    ).toBe(true)
    expect(addedPaths()).toEqual([path.dirname(k6.path)])
    expect(mirror.requests.map((r) => r.url)).toEqual([
      `/v${VERSION}/k6-v${VERSION}-linux-amd64.tar.gz`,
      `/v${VERSION}/k6-v${VERSION}-checksums.txt`
    ])
  })

  it.each([
    ['darwin', 'arm64', 'macos-arm64', 'k6'],
    ['darwin', 'x64', 'macos-amd64', 'k6'],
    ['win32', 'x64', 'windows-amd64', 'k6.exe'],
    ['linux', 'arm64', 'linux-arm64', 'k6']
  ])(
    'installs the %s/%s asset (%s)',
    async (platform, arch, target, binary) => {
      const k6 = await installK6({
        versionSpec: VERSION,
        downloadUrl: mirror.url,
        platform: platform as NodeJS.Platform,
        arch
      })
      expect(path.basename(k6.path)).toBe(binary)
      expect(k6.version).toBe(VERSION)
      expect(mirror.requests[0].url).toContain(`k6-v${VERSION}-${target}.`)
    }
  )

  it('installs on Windows as a Windows runner has it: the zip, k6.exe in the tool cache, its folder on PATH', async () => {
    const k6 = await installK6({
      versionSpec: VERSION,
      downloadUrl: mirror.url,
      platform: 'win32',
      arch: 'x64'
    })
    expect(mirror.requests.map((r) => r.url)).toEqual([
      `/v${VERSION}/k6-v${VERSION}-windows-amd64.zip`,
      `/v${VERSION}/k6-v${VERSION}-checksums.txt`
    ])
    expect(k6.path).toBe(path.join(toolCache, 'k6', VERSION, 'x64', 'k6.exe'))
    expect(fs.existsSync(k6.path)).toBe(true)
    expect(addedPaths()).toEqual([path.dirname(k6.path)])
    // The next job on the runner finds it in the cache: no download.
    mirror.requests.length = 0
    const again = await installK6({
      versionSpec: VERSION,
      downloadUrl: mirror.url,
      platform: 'win32',
      arch: 'x64'
    })
    expect(again.path).toBe(k6.path)
    expect(mirror.requests).toHaveLength(0)
  })

  it('makes no request at all on a cache hit', async () => {
    const options = {
      versionSpec: VERSION,
      downloadUrl: mirror.url,
      platform: 'linux' as const,
      arch: 'x64'
    }
    const first = await installK6(options)
    mirror.requests.length = 0
    const second = await installK6(options)
    expect(second.path).toBe(first.path)
    expect(mirror.requests).toHaveLength(0)
  })

  it('refuses an archive whose checksum does not match, and caches nothing', async () => {
    const tampered = buildRelease(VERSION, ['linux-amd64'])
    const name = `k6-v${VERSION}-linux-amd64.tar.gz`
    const bytes = Buffer.from(tampered.files.get(name) as Buffer)
    bytes[bytes.length - 1] ^= 0xff
    tampered.files.set(name, bytes)
    const bad = await startReleaseMirror([tampered])
    try {
      const install = installK6({
        versionSpec: VERSION,
        downloadUrl: bad.url,
        platform: 'linux',
        arch: 'x64'
      })
      await expect(install).rejects.toBeInstanceOf(ChecksumMismatchError)
      await expect(install).rejects.toThrow(
        /Checksum mismatch for k6-v1\.3\.0-linux-amd64\.tar\.gz/
      )
      expect(fs.existsSync(path.join(toolCache, 'k6'))).toBe(false)
      expect(addedPaths()).toEqual([])
    } finally {
      await bad.close()
    }
  })

  it('says which version and URL were tried on a 404', async () => {
    await expect(
      installK6({
        versionSpec: '9.9.9',
        downloadUrl: mirror.url,
        platform: 'linux',
        arch: 'x64'
      })
    ).rejects.toThrow(
      `Could not download k6 v9.9.9 from ${mirror.url}/v9.9.9/k6-v9.9.9-linux-amd64.tar.gz: HTTP 404. Check k6-version`
    )
    // A 404 is not transient: one request, no retries.
    expect(mirror.requests).toHaveLength(1)
  })

  it('retries transient 5xx answers and then installs', async () => {
    const name = `k6-v${VERSION}-linux-amd64.tar.gz`
    const flaky = await startReleaseMirror([release], {
      failures: { [name]: [503, 502] }
    })
    try {
      const k6 = await installK6({
        versionSpec: VERSION,
        downloadUrl: flaky.url,
        platform: 'linux',
        arch: 'x64'
      })
      expect(k6.version).toBe(VERSION)
      const archiveRequests = flaky.requests.filter((r) => r.url.endsWith(name))
      expect(archiveRequests).toHaveLength(3)
    } finally {
      await flaky.close()
    }
  })

  it('refuses a release whose checksums file does not list the asset', async () => {
    const partial = buildRelease(VERSION, ['linux-amd64'])
    partial.files.set(
      `k6-v${VERSION}-checksums.txt`,
      Buffer.from('0'.repeat(64) + '  other.tar.gz\n')
    )
    const server = await startReleaseMirror([partial])
    try {
      await expect(
        installK6({
          versionSpec: VERSION,
          downloadUrl: server.url,
          platform: 'linux',
          arch: 'x64'
        })
      ).rejects.toThrow(
        /lists no checksum for k6-v1\.3\.0-linux-amd64\.tar\.gz/
      )
    } finally {
      await server.close()
    }
  })
})

describe('what is cached is k6', () => {
  const options = (url: string) => ({
    versionSpec: VERSION,
    downloadUrl: url,
    platform: 'linux' as const,
    arch: 'x64'
  })

  it('an archive whose checksum is valid but whose k6 is not k6 is refused, and never cached', async () => {
    const poisoned = buildRelease(VERSION, ['linux-amd64'], {
      binaryLinksTo: '/bin/echo'
    })
    const bad = await startReleaseMirror([poisoned])
    try {
      await expect(installK6(options(bad.url))).rejects.toThrow(
        /does not look like k6: 'k6 version' printed "version"/
      )
      expect(fs.existsSync(path.join(toolCache, 'k6', VERSION))).toBe(false)
    } finally {
      await bad.close()
    }
  })

  it('a cache entry that does not run as k6 is treated as absent: downloaded again', async () => {
    // As a poisoned install would have left it, marked complete.
    const dir = path.join(toolCache, 'k6', VERSION, 'x64')
    fs.mkdirSync(dir, { recursive: true })
    fs.symlinkSync('/bin/echo', path.join(dir, 'k6'))
    fs.writeFileSync(`${dir}.complete`, '')
    const k6 = await installK6(options(mirror.url))
    expect(k6).toEqual({ path: path.join(dir, 'k6'), version: VERSION })
    expect(fs.lstatSync(k6.path).isSymbolicLink()).toBe(false)
    expect(mirror.requests.map((r) => r.url)).toContain(
      `/v${VERSION}/k6-v${VERSION}-linux-amd64.tar.gz`
    )
  })

  it('an archive with an entry that climbs out (../) fails and leaves no extraction folder behind', async () => {
    const climbing = buildRelease(VERSION, ['linux-amd64'], {
      climbingEntry: true
    })
    const bad = await startReleaseMirror([climbing])
    try {
      await expect(installK6(options(bad.url))).rejects.toThrow()
      const temp = process.env.RUNNER_TEMP as string
      const left = fs.existsSync(temp) ? fs.readdirSync(temp) : []
      expect(left).toEqual([])
      expect(fs.existsSync(path.join(temp, '..', 'outside.txt'))).toBe(false)
    } finally {
      await bad.close()
    }
  })
})

describe("k6-version 'latest'", () => {
  it('is resolved through the GitHub REST API, with the token', async () => {
    const api = await startServer((request, res) => {
      if (request.url === '/repos/grafana/k6/releases/latest') {
        sendJson(res, 200, { tag_name: `v${VERSION}` })
      } else {
        sendJson(res, 404, { message: 'Not Found' })
      }
    })
    try {
      const k6 = await installK6({
        versionSpec: 'latest',
        downloadUrl: mirror.url,
        apiUrl: api.url,
        token: 'ghs_test_token',
        platform: 'linux',
        arch: 'x64'
      })
      expect(k6.version).toBe(VERSION)
      expect(api.requests).toHaveLength(1)
      expect(api.requests[0].headers.authorization).toBe(
        'Bearer ghs_test_token'
      )
      // The token goes to the API only, never to the download mirror.
      expect(mirror.requests.every((r) => !r.headers.authorization)).toBe(true)
    } finally {
      await api.close()
    }
  })

  it('fails with advice to pin k6-version when rate-limited', async () => {
    const api = await startServer((_request, res) =>
      sendJson(res, 403, { message: 'API rate limit exceeded for 1.2.3.4.' })
    )
    try {
      await expect(
        installK6({
          versionSpec: 'latest',
          downloadUrl: mirror.url,
          apiUrl: api.url
        })
      ).rejects.toThrow(
        /rate limit.*Pin a release instead, for example k6-version: '1\.3\.0'/
      )
      expect(mirror.requests).toHaveLength(0)
    } finally {
      await api.close()
    }
  })

  it('fails with advice to pin k6-version when the API is unreachable', async () => {
    const api = await startServer((_request, res) => sendJson(res, 200, {}))
    const deadUrl = api.url
    await api.close()
    await expect(
      installK6({
        versionSpec: 'latest',
        downloadUrl: mirror.url,
        apiUrl: deadUrl
      })
    ).rejects.toThrow(/unreachable.*Pin a release instead/)
  })
})

describe('releaseAsset', () => {
  it('names the asset grafana/k6 publishes for each runner', () => {
    expect(releaseAsset('1.3.0', 'linux', 'x64').file).toBe(
      'k6-v1.3.0-linux-amd64.tar.gz'
    )
    expect(releaseAsset('1.3.0', 'darwin', 'arm64').file).toBe(
      'k6-v1.3.0-macos-arm64.zip'
    )
    expect(releaseAsset('1.3.0', 'win32', 'x64')).toMatchObject({
      file: 'k6-v1.3.0-windows-amd64.zip',
      binary: 'k6.exe'
    })
  })

  it.each([
    ['freebsd', 'x64'],
    ['win32', 'arm64'],
    ['linux', 'ia32']
  ])('rejects %s/%s with the list of supported runners', (platform, arch) => {
    expect(() =>
      releaseAsset('1.3.0', platform as NodeJS.Platform, arch)
    ).toThrow(
      new RegExp(
        `k6 publishes no build for ${platform}/${arch}\\. Supported: linux-amd64`
      )
    )
  })
})
