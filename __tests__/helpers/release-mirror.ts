import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, type LoopbackServer } from './http.js'

export const FAKE_K6 = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fake-k6.mjs'
)

/** `linux-amd64`, `macos-arm64`, `windows-amd64`, … */
export type Target = string

export interface Release {
  version: string
  /** File name → bytes, checksums file included. */
  files: Map<string, Buffer>
}

/**
 * Build release assets in grafana/k6's layout: each archive holds one folder
 * named like the archive, with a launcher of the k6 stand-in as the binary.
 */
export function buildRelease(
  version: string,
  targets: Target[],
  options: {
    /** The binary is a symlink to this program (not k6). */
    binaryLinksTo?: string
    /** An extra entry whose name climbs out of the folder (`../x`). */
    climbingEntry?: boolean
  } = {}
): Release {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'k6-release-'))
  const files = new Map<string, Buffer>()
  try {
    for (const target of targets) {
      const folder = `k6-v${version}-${target}`
      const binary = target.startsWith('windows') ? 'k6.exe' : 'k6'
      fs.mkdirSync(path.join(work, folder))
      if (options.binaryLinksTo) {
        fs.symlinkSync(options.binaryLinksTo, path.join(work, folder, binary))
      } else {
        // A launcher for the stand-in: node will not run a file named k6.exe
        // as a module, and this keeps every asset's binary the same.
        fs.writeFileSync(
          path.join(work, folder, binary),
          `#!/bin/sh\nexec '${process.execPath}' '${FAKE_K6}' "$@"\n`
        )
        fs.chmodSync(path.join(work, folder, binary), 0o755)
      }
      const zip = !target.startsWith('linux')
      const archive = `${folder}.${zip ? 'zip' : 'tar.gz'}`
      if (zip) {
        execFileSync('zip', ['-qry', archive, folder], { cwd: work })
      } else if (options.climbingEntry) {
        // `<folder>/../../outside.txt` stored as it is (-P): an entry that
        // climbs out, which tar refuses.
        const inner = path.join(work, 'inner')
        fs.mkdirSync(inner, { recursive: true })
        fs.writeFileSync(path.join(work, 'outside.txt'), 'outside')
        fs.renameSync(path.join(work, folder), path.join(inner, folder))
        execFileSync(
          'tar',
          [
            '-czPf',
            path.join(work, archive),
            folder,
            `${folder}/../../outside.txt`
          ],
          { cwd: inner }
        )
      } else {
        execFileSync('tar', ['-czf', archive, folder], { cwd: work })
      }
      files.set(archive, fs.readFileSync(path.join(work, archive)))
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
  const listing = [...files]
    .map(([name, bytes]) => `${sha256(bytes)}  ${name}`)
    .join('\n')
  files.set(`k6-v${version}-checksums.txt`, Buffer.from(`${listing}\n`))
  return { version, files }
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export interface MirrorOptions {
  /** Statuses to answer for a file before serving it, in order. */
  failures?: Record<string, number[]>
  /** Accept every connection and never answer (a mirror that hangs). */
  hang?: boolean
}

/** A release mirror on loopback: `GET /v1.3.0/<asset>`. */
export async function startReleaseMirror(
  releases: Release[],
  options: MirrorOptions = {}
): Promise<LoopbackServer> {
  const failures = Object.fromEntries(
    Object.entries(options.failures ?? {}).map(([k, v]) => [k, [...v]])
  )
  return startServer((request, res) => {
    if (options.hang) return
    // A mirror's folder and query (a token) are not part of the file's name.
    const match = /\/v([^/]+)\/([^/?]+)(\?.*)?$/.exec(request.url)
    const release = releases.find((r) => r.version === match?.[1])
    const name = match?.[2] ?? ''
    const pending = failures[name]
    if (pending && pending.length > 0) {
      res.writeHead(pending.shift() as number)
      res.end('injected failure')
      return
    }
    const bytes = release?.files.get(name)
    if (!bytes) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('Not Found')
      return
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.length
    })
    res.end(bytes)
  })
}
