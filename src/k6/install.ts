import * as core from '@actions/core'
import { HttpClient, HttpClientError } from '@actions/http-client'
import * as tc from '@actions/tool-cache'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { ChecksumMismatchError, K6InstallError } from '../shared/errors.js'
import { releaseAsset, type ReleaseAsset } from './platform.js'
import { Deadline } from '../shared/deadline.js'
import { displayUrl } from '../shared/urls.js'

const execFileAsync = promisify(execFile)

interface InstallOptions {
  /** `latest` or a bare version such as `1.3.0`. */
  versionSpec: string
  /** Base URL of the release downloads, without the `/vX.Y.Z` part. */
  downloadUrl: string
  /** Token for the GitHub API (resolving `latest` only). */
  token?: string
  /** GitHub REST API root; `GITHUB_API_URL` on a runner. */
  apiUrl?: string
  /** The runner's OS and CPU; tests pick others to exercise each asset. */
  platform?: NodeJS.Platform
  arch?: string
  /**
   * The time every network step of the install shares: a mirror that
   * accepts the connection and never answers costs it once.
   */
  deadline?: Deadline
}

export interface K6Binary {
  /** Absolute path of the executable. */
  path: string
  /** What `k6 version` reported, without the leading `v`. */
  version: string
}

/**
 * Install k6 through the tool cache: find → download → verify → extract →
 * cache → addPath, then confirm the binary runs.
 */
export async function installK6(options: InstallOptions): Promise<K6Binary> {
  const version =
    options.versionSpec === 'latest'
      ? await resolveLatestVersion(
          options.apiUrl ?? 'https://api.github.com',
          options.token,
          options.deadline
        )
      : options.versionSpec
  const arch = options.arch ?? process.arch
  const asset = releaseAsset(version, options.platform, arch)

  const cachedDir = tc.find('k6', version, arch)
  if (cachedDir) {
    // A cache entry is used only if it runs as the k6 it claims to be: a
    // poisoned or half-written entry would fail every later run.
    const cached = await confirmK6(path.join(cachedDir, asset.binary)).then(
      (k6) => (k6.version === version ? k6 : `it reports v${k6.version}`),
      (error: Error) => error.message
    )
    if (typeof cached !== 'string') {
      core.info(`Found in cache @ ${cachedDir}`)
      core.addPath(cachedDir)
      return cached
    }
    core.warning(
      `The cached k6 at ${cachedDir} is not k6 v${version} (${cached}); it was removed and k6 is downloaded again.`
    )
    fs.rmSync(cachedDir, { recursive: true, force: true })
    fs.rmSync(`${cachedDir}.complete`, { force: true })
  }
  const installed = await downloadAndCache(
    version,
    asset,
    options.downloadUrl,
    arch,
    options.deadline ?? new Deadline(DEFAULT_INSTALL_MS)
  )
  core.addPath(path.dirname(installed.path))
  return installed
}

/** Without a deadline given, the install's network steps share this. */
const DEFAULT_INSTALL_MS = 180_000

/** Ask the GitHub REST API which k6 release is the newest. */
async function resolveLatestVersion(
  apiUrl: string,
  token?: string,
  deadline = new Deadline(DEFAULT_INSTALL_MS)
): Promise<string> {
  const url = `${apiUrl.replace(/\/+$/, '')}/repos/grafana/k6/releases/latest`
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28'
  }
  if (token) headers.authorization = `Bearer ${token}`
  const http = new HttpClient('perf-gate', [], {
    allowRetries: true,
    maxRetries: 2
  })
  const pin = "Pin a release instead, for example k6-version: '1.3.0'."
  let tag: string | undefined
  try {
    const answered = await deadline.race(
      http.getJson<{ tag_name?: string }>(url, headers)
    )
    if (!answered) {
      throw new K6InstallError(
        `Could not resolve k6-version 'latest': ${url} did not answer within ${deadline.describe()}. ${pin}`
      )
    }
    const response = answered.value
    // getJson resolves a 404 with no body instead of rejecting it.
    if (response.statusCode === 404) {
      throw new HttpClientError('Not Found', 404)
    }
    tag = response.result?.tag_name
  } catch (error) {
    if (error instanceof K6InstallError) throw error
    if (error instanceof HttpClientError) {
      const limited =
        error.statusCode === 429 ||
        (error.statusCode === 403 && /rate limit/i.test(error.message))
      throw new K6InstallError(
        limited
          ? `GitHub's API rate limit stopped perf-gate from resolving k6-version 'latest' (${url}, HTTP ${error.statusCode}). ${pin}`
          : `Could not resolve k6-version 'latest': ${url} answered HTTP ${error.statusCode}. ${pin}`,
        { cause: error }
      )
    }
    throw new K6InstallError(
      `Could not resolve k6-version 'latest': ${url} is unreachable (${(error as Error).message}). ${pin}`,
      { cause: error }
    )
  } finally {
    http.dispose()
  }
  const match = tag ? /^v?(\d+\.\d+\.\d+\S*)$/.exec(tag) : null
  if (!match) {
    throw new K6InstallError(
      `Could not resolve k6-version 'latest': ${url} returned no release tag. ${pin}`
    )
  }
  core.info(`Resolved k6 'latest' to v${match[1]}`)
  return match[1]
}

/** Download, verify, extract, confirm, cache: the installed binary. */
async function downloadAndCache(
  version: string,
  asset: ReleaseAsset,
  downloadUrl: string,
  arch: string,
  deadline: Deadline
): Promise<K6Binary> {
  const archiveUrl = releaseFileUrl(downloadUrl, version, asset.file)
  const checksumsUrl = releaseFileUrl(
    downloadUrl,
    version,
    `k6-v${version}-checksums.txt`
  )

  core.info(`Acquiring k6 v${version} from ${displayUrl(archiveUrl)}`)
  const archive = await download(archiveUrl, `k6 v${version}`, deadline)
  try {
    const checksums = await download(
      checksumsUrl,
      `checksums of k6 v${version}`,
      deadline
    )
    let expected: string | undefined
    try {
      expected = findChecksum(fs.readFileSync(checksums, 'utf8'), asset.file)
    } finally {
      fs.rmSync(checksums, { force: true })
    }
    if (!expected) {
      throw new K6InstallError(
        `${displayUrl(checksumsUrl)} lists no checksum for ${asset.file}; refusing to install an unverified binary.`
      )
    }
    const actual = await sha256File(archive)
    if (actual !== expected) {
      throw new ChecksumMismatchError(asset.file, expected, actual)
    }
    core.info(`Verified sha256 ${actual}`)

    // Extracted into a folder of ours beside the download, removed however
    // extraction ends (tar refuses an entry that climbs out with `..`).
    const extracted = fs.mkdtempSync(
      path.join(path.dirname(archive), 'k6-extract-')
    )
    try {
      if (asset.format === 'zip') await tc.extractZip(archive, extracted)
      else await tc.extractTar(archive, extracted)
      const folder = path.join(extracted, asset.folder)
      const binaryDir = fs.existsSync(path.join(folder, asset.binary))
        ? folder
        : extracted
      if (!fs.existsSync(path.join(binaryDir, asset.binary))) {
        throw new K6InstallError(
          `${asset.file} holds no ${asset.folder}/${asset.binary}; is ${displayUrl(downloadUrl)} a k6 release mirror?`
        )
      }
      // Run it before it is cached: a binary that is not k6 never is.
      const found = await confirmK6(path.join(binaryDir, asset.binary))
      if (found.version !== version) {
        throw new K6InstallError(
          `${asset.file} holds a k6 that reports v${found.version}, not v${version}; nothing was cached.`
        )
      }
      const cached = await tc.cacheDir(binaryDir, 'k6', version, arch)
      core.info(`Cached k6 v${version} @ ${cached}`)
      return { path: path.join(cached, asset.binary), version }
    } finally {
      fs.rmSync(extracted, { recursive: true, force: true })
    }
  } finally {
    fs.rmSync(archive, { force: true })
  }
}

/**
 * A file of a release: the mirror's path with `/vX.Y.Z/<file>` added, its
 * query (a mirror's token) kept after it, where a URL's query goes.
 */
function releaseFileUrl(
  downloadUrl: string,
  version: string,
  file: string
): string {
  const url = new URL(downloadUrl)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v${version}/${file}`
  return url.href
}

/**
 * `tc.downloadTool` (which retries 5xx, 408 and 429) with a readable 404,
 * within the install's deadline, and the URL said without its secrets.
 */
async function download(
  url: string,
  what: string,
  deadline: Deadline
): Promise<string> {
  const shown = displayUrl(url)
  try {
    const done = await deadline.race(tc.downloadTool(url))
    if (!done) {
      throw new K6InstallError(
        `Could not download ${what} from ${shown}: no answer within ${deadline.describe()}. Check k6-download-url, or try again.`
      )
    }
    return done.value
  } catch (error) {
    if (error instanceof K6InstallError) throw error
    if (error instanceof tc.HTTPError) {
      const hint =
        error.httpStatusCode === 404
          ? ' Check k6-version, and k6-download-url if you use a mirror.'
          : ''
      throw new K6InstallError(
        `Could not download ${what} from ${shown}: HTTP ${error.httpStatusCode}.${hint}`,
        { cause: error }
      )
    }
    throw new K6InstallError(
      `Could not download ${what} from ${shown}: ${(error as Error).message.split(url).join(shown)}`,
      { cause: error }
    )
  }
}

/** Find `file`'s hash in a `sha256sum`-format listing. */
function findChecksum(listing: string, file: string): string | undefined {
  for (const line of listing.split(/\r?\n/)) {
    // "<hex>  <name>" or "<hex> *<name>" (binary mode)
    const match = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(line)
    if (match && match[2] === file) return match[1].toLowerCase()
  }
  return undefined
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(fs.createReadStream(file), hash)
  return hash.digest('hex')
}

/** Run `k6 version` to prove the binary works, and read its version. */
export async function confirmK6(k6Path: string): Promise<K6Binary> {
  let stdout: string
  try {
    ;({ stdout } = await execFileAsync(k6Path, ['version'], {
      timeout: 30_000,
      windowsHide: true
    }))
  } catch (error) {
    throw new K6InstallError(
      `${k6Path} does not run as k6 ('k6 version' failed: ${(error as Error).message.split('\n')[0]}).`,
      { cause: error }
    )
  }
  const match = /\bv(\d+\.\d+\.\d+[^\s,)]*)/.exec(stdout)
  if (!match) {
    throw new K6InstallError(
      `${k6Path} does not look like k6: 'k6 version' printed ${JSON.stringify(stdout.trim().slice(0, 120))}.`
    )
  }
  core.info(`Using k6 v${match[1]} (${k6Path})`)
  return { path: k6Path, version: match[1] }
}
