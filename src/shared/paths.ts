import * as path from 'node:path'

/** `child` is `parent` or lies inside it. */
export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child)
  return (
    relative === '' ||
    (relative !== '..' &&
      !relative.startsWith(`..${path.sep}`) &&
      !path.isAbsolute(relative))
  )
}

/**
 * A path as a reader of the report knows it: relative to the workspace
 * with `/` when inside it (`.` for the workspace itself), else as given.
 * Runner paths such as /home/runner/work/… mean nothing in a comment.
 */
export function displayPath(file: string, workspace: string): string {
  const resolved = path.resolve(workspace, file)
  if (!isInside(resolved, workspace)) return file
  return path.relative(workspace, resolved).split(path.sep).join('/') || '.'
}
