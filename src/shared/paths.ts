import * as path from 'node:path'

/**
 * The path rules of a runner's system: Windows runners have drive letters,
 * `\` and names that ignore case. Everything here takes the platform so
 * that tests on Linux hold the Windows rules too.
 */
export function platformPath(
  platform: NodeJS.Platform = process.platform
): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix
}

/** `child` is `parent` or lies inside it. */
export function isInside(
  child: string,
  parent: string,
  platform: NodeJS.Platform = process.platform
): boolean {
  const p = platformPath(platform)
  const relative = p.relative(parent, child)
  return (
    relative === '' ||
    (relative !== '..' &&
      !relative.startsWith(`..${p.sep}`) &&
      !p.isAbsolute(relative))
  )
}

/**
 * A path as a reader of the report knows it: relative to the workspace
 * with `/` when inside it (`.` for the workspace itself), else as given.
 * Runner paths such as /home/runner/work/… mean nothing in a comment.
 */
export function displayPath(
  file: string,
  workspace: string,
  platform: NodeJS.Platform = process.platform
): string {
  const p = platformPath(platform)
  const resolved = p.resolve(workspace, file)
  if (!isInside(resolved, workspace, platform)) return file
  return p.relative(workspace, resolved).split(p.sep).join('/') || '.'
}

/**
 * A file as k6 names it in messages and stacks, as a path of the runner:
 * k6 writes `file:///home/runner/x.js` on Linux and `file:///C:/a/x.js`
 * on Windows (a stack may have lost the `file://`, leaving `/C:/a/x.js`).
 */
export function k6FilePath(
  file: string,
  platform: NodeJS.Platform = process.platform
): string {
  const bare = file.replace(/^file:\/\//, '')
  if (platform !== 'win32') return bare
  const drive = /^\/?([A-Za-z]:[\\/].*)$/.exec(bare)
  return (drive ? drive[1] : bare).replace(/\//g, '\\')
}

/**
 * The forms a workspace takes in k6's messages, each with its separator:
 * the file URL k6 writes, and the path itself (with `/` too on Windows).
 */
export function workspacePrefixes(
  workspace: string,
  platform: NodeJS.Platform = process.platform
): string[] {
  if (platform !== 'win32') {
    const root = workspace.replace(/\/+$/, '')
    return [`file://${root}/`, `${root}/`]
  }
  const root = workspace.replace(/[\\/]+$/, '')
  const slashed = root.replace(/\\/g, '/')
  return [`file:///${slashed}/`, `${root}\\`, `${slashed}/`]
}
