import * as fs from 'node:fs'
import * as path from 'node:path'
import { isInside } from './paths.js'

/**
 * A file the user names, found and checked before it is read: inside the
 * workspace after every link is followed (a link to /etc/passwd is not a
 * file of the repository), and a regular file (a FIFO would hold the job
 * until the runner kills it, a directory cannot be read).
 */
export type Found = { path: string } | { problem: string }

export function findFile(
  relative: string,
  base: string,
  workspace: string,
  /** What `relative` is relative to, in words for the message. */
  baseName: string,
  /** The file wanted, for a path that is something else. */
  wanted = 'a regular file'
): Found {
  const resolved = path.resolve(base, relative)
  if (!isInside(resolved, workspace)) {
    return {
      problem: `'${relative}' resolves to ${resolved}, outside the workspace: keep the file in the repository (the path is relative to ${baseName})`
    }
  }
  let real: string
  try {
    real = fs.realpathSync(resolved)
  } catch {
    return {
      problem: `'${relative}' does not exist (looked for ${resolved}): the path is relative to ${baseName}`
    }
  }
  if (!isInside(real, realWorkspace(workspace))) {
    return {
      problem: `'${relative}' is a link to ${real}, outside the workspace: keep the file itself in the repository`
    }
  }
  const kind = fileKind(fs.statSync(real))
  if (kind !== 'a file') {
    return {
      problem: `'${relative}' is ${kind}, not a file: name ${wanted}`
    }
  }
  return { path: resolved }
}

function realWorkspace(workspace: string): string {
  try {
    return fs.realpathSync(workspace)
  } catch {
    return workspace
  }
}

/** What a path is, in words: "a file", "a directory", "a FIFO (named pipe)"… */
export function fileKind(stats: fs.Stats): string {
  if (stats.isFile()) return 'a file'
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO (named pipe)'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  return 'not a regular file'
}

export class FileTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number
  ) {
    super(
      `is ${megabytes(size)}, above the ${megabytes(limit)} perf-gate reads`
    )
    this.name = 'FileTooLargeError'
  }
}

/**
 * The bytes of a regular file of at most `limit` bytes. A FIFO, device or
 * directory is refused before it is opened, so no read can block.
 */
export function readRegularFile(file: string, limit: number): Buffer {
  const stats = fs.statSync(file)
  const kind = fileKind(stats)
  if (kind !== 'a file') {
    throw new Error(`${file} is ${kind}, not a file: name a regular file`)
  }
  if (stats.size > limit) throw new FileTooLargeError(stats.size, limit)
  return fs.readFileSync(file)
}

export function megabytes(bytes: number): string {
  return bytes >= 1e6
    ? `${Number((bytes / 1e6).toFixed(1))} MB`
    : `${Math.ceil(bytes / 1e3)} KB`
}

/** The file starts with gzip's magic bytes (whatever its name). */
export function isGzipFile(file: string): boolean {
  const magic = Buffer.alloc(2)
  const fd = fs.openSync(file, 'r')
  try {
    fs.readSync(fd, magic, 0, 2, 0)
  } finally {
    fs.closeSync(fd)
  }
  return magic[0] === 0x1f && magic[1] === 0x8b
}
