import { PlanError } from '../profile/plan.js'

/**
 * The pieces of JavaScript every emitter of the generated script uses:
 * strings and templates escaped by construction, and the profile's
 * template variables turned into expressions.
 */

/**
 * Any string as a JavaScript string literal: JSON's quoting, and the two
 * line separators JSON leaves raw written as escapes.
 */
export function js(text: string): string {
  return JSON.stringify(text)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** Text for a `//` comment: one line, whatever it holds. */
export function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ')
}

/**
 * Text inside a template literal, exactly: backslashes, backticks and `${`
 * escaped, and line breaks written as escapes (a raw CR would read back as
 * LF, and a line separator breaks older parsers).
 */
export function escapeTemplate(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/`/g, '\\`')
    .replace(/\$\{/g, '\\${')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

export type TemplatePlace = 'path' | 'header' | 'follow' | 'body'

/**
 * How a `${data.field}` reads its row: a CSV row is an array (k6's parser
 * reads it so, whatever its header holds), a JSON row an object.
 */
export type DataAccess = (field: string) => string

/**
 * A profile template → the inside of a JS template literal. Variables:
 * ${data.field}, ${__VU}, ${__ITER}, ${random:a|b}, ${env.NAME} and, in a
 * follow-up, ${response.field}.
 */
export function template(
  text: string,
  where: TemplatePlace,
  data: DataAccess = objectField
): string {
  let out = ''
  let last = 0
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    out += escapeTemplate(text.slice(last, match.index))
    out += `\${${variable(match[1].trim(), where, data)}}`
    last = (match.index ?? 0) + match[0].length
  }
  return out + escapeTemplate(text.slice(last))
}

export function objectField(field: string): string {
  return `data.${field}`
}

function variable(name: string, where: string, data: DataAccess): string {
  if (name === '__VU' || name === '__ITER') return name
  let m = /^data\.([A-Za-z_][\w]*)$/.exec(name)
  if (m) return data(m[1])
  m = /^env\.([A-Za-z_][\w]*)$/.exec(name)
  if (m) return `__ENV.${m[1]}`
  m = /^random:(.+)$/.exec(name)
  if (m) return `pick([${m[1].split('|').map(js).join(', ')}])`
  m = /^response\.([A-Za-z_][\w.]*)$/.exec(name)
  if (m && where === 'follow') return `res.json(${js(m[1])})`
  throw new PlanError(
    `unknown template variable \${${name}}: use \${data.field}, \${__VU}, \${__ITER}, \${random:a|b}, \${env.NAME}` +
      (where === 'follow' ? ' or ${response.field}' : '')
  )
}

export function hasTemplate(value: unknown): boolean {
  return /\$\{/.test(JSON.stringify(value))
}

/** A request body with templates, as a JavaScript expression. */
export function bodyCode(value: unknown, data: DataAccess): string {
  if (typeof value === 'string')
    return hasTemplate(value)
      ? `\`${template(value, 'body', data)}\``
      : js(value)
  if (Array.isArray(value))
    return `[${value.map((v) => bodyCode(v, data)).join(', ')}]`
  if (value && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${js(k)}: ${bodyCode(v, data)}`)
      .join(', ')} }`
  }
  return JSON.stringify(value)
}

/** A value as JSON, pretty, with the line separators escaped. */
export function jsonCode(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** Lines indented by `depth` levels of two spaces. */
export function indent(lines: readonly string[], depth = 1): string[] {
  const pad = '  '.repeat(depth)
  return lines.map((line) => (line ? pad + line : line))
}
