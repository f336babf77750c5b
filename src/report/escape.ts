/**
 * Strings a user chose (endpoint, check and scenario names, threshold
 * keys, exception messages, file names) are data: in the comment and the
 * job summary they must not open tags, close `<details>`, start a table
 * cell, link, or mention anyone, whatever they hold. Every renderer puts
 * such a string through one of these.
 */

/** Characters of a name shown before it is cut with an ellipsis. */
export const MAX_NAME = 120
/** A sentence of ours built around user strings (a reason, a message). */
export const MAX_LINE = 1000

/** One line, control characters and line separators made spaces, capped. */
function flatten(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const line = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/**
 * Plain text as inert markdown: HTML's specials as entities, markdown's
 * punctuation backslash-escaped (table pipes included), and `@name` kept
 * from mentioning by a zero-width space.
 */
export function text(value: string, max = MAX_NAME): string {
  return flatten(value, max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()#+!|~{}])/g, '\\$1')
    .replace(/^([-=])/, '\\$1')
    .replace(/@(?=\w)/g, '@\u200b')
}

/**
 * A code span holding any text: fenced by more backticks than it holds
 * in a row. In a table cell (`cell`) a pipe is escaped, as GFM asks even
 * inside code; elsewhere it stays as it is.
 */
export function code(
  value: string,
  options: { cell?: boolean; max?: number } = {}
): string {
  let body = flatten(value, options.max ?? MAX_NAME)
  if (options.cell) body = body.replace(/\|/g, '\\|')
  const longest = Math.max(
    0,
    ...[...body.matchAll(/`+/g)].map((m) => m[0].length)
  )
  const fence = '`'.repeat(longest + 1)
  // A span that starts or ends with a backtick needs a space inside.
  const pad = /^`|`$/.test(body) || /^ .* $/.test(body) ? ' ' : ''
  return `${fence}${pad}${body}${pad}${fence}`
}
