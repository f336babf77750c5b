import * as acorn from 'acorn'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { FIXTURES } from './action.js'

/**
 * A generated script held to k6's parser, not Node's. k6's JavaScript
 * engine (Sobek, a fork of goja) does not insert a semicolon everywhere
 * the language says it may: `export default own.default` followed by a
 * line break and `const` is rejected (`Line 5:1 Unexpected token const`,
 * exit 107, recorded in fixtures/k6/v*\/wrapper-asi). So:
 *
 * 1. Every statement ends with its own `;`: no automatic semicolon
 *    insertion anywhere (stricter than k6, which accepts most of them).
 * 2. Every construct is one that real k6 parsed in a recorded run: each
 *    node type (with its operator), each module imported, and await at the
 *    top level, against the scripts of fixtures/k6 that k6 ran (any exit
 *    code but 107 and 255, a script error or a syntax error).
 */
export function checkK6Syntax(script: string): void {
  const inserted: string[] = []
  let program: acorn.Program
  try {
    program = acorn.parse(script, {
      ecmaVersion: 2022,
      sourceType: 'module',
      locations: true,
      onInsertedSemicolon: (_pos, loc) => {
        if (loc) inserted.push(`${loc.line}:${loc.column + 1}`)
      }
    })
  } catch (error) {
    throw new Error(`the script does not parse: ${(error as Error).message}`)
  }
  if (inserted.length) {
    throw new Error(
      `a statement ends without ';' at ${inserted.join(', ')}: k6's parser may read the next line as part of it`
    )
  }
  const accepted = acceptedFeatures()
  const unknown = [...features(program)].filter(
    (f) => !accepted.has(f) && !UNRECORDED.has(f)
  )
  if (unknown.length) {
    throw new Error(
      `the script uses what no recorded k6 run parsed: ${unknown.join(', ')}`
    )
  }
}

/**
 * What the generated scripts use that no recording has yet, each taken
 * from k6's own documentation of the module: k6's CSV parser, which
 * needs the file opened by k6/experimental/fs and awaited at init.
 */
export const UNRECORDED = new Set([
  // SharedArray for a JSON data set: k6's core module since v0.30.
  'import k6/data',
  'import k6/experimental/csv',
  'import k6/experimental/fs',
  'top-level await'
])

const NEWER_OPERATORS = new Set(['??', '??=', '||=', '&&=', '**', '**='])

/** The constructs a program uses, as named by checkK6Syntax. */
export function features(program: acorn.Node): Set<string> {
  const found = new Set<string>()
  const visit = (node: unknown, inFunction: boolean): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child, inFunction)
      return
    }
    if (!node || typeof node !== 'object') return
    const n = node as Record<string, unknown> & { type?: string }
    if (typeof n.type !== 'string') return
    // Operators of the newer editions are named (`??`, `||=`, `**`); an
    // engine that lacks them rejects the script.
    const operator =
      typeof n.operator === 'string' && NEWER_OPERATORS.has(n.operator)
        ? ` ${n.operator}`
        : ''
    found.add(`${n.type}${operator}`)
    if (n.type === 'Literal' && n.regex) found.add('RegExp literal')
    if (n.type === 'ImportDeclaration') {
      // k6's modules by name; a file of the repository as one kind.
      const from = (n.source as { value: string }).value
      found.add(`import ${from.startsWith('.') ? 'a relative module' : from}`)
    }
    if (n.type === 'AwaitExpression' && !inFunction)
      found.add('top-level await')
    const fn = /Function/.test(n.type)
    for (const [key, value] of Object.entries(n)) {
      if (key === 'loc' || key === 'type') continue
      visit(value, inFunction || fn)
    }
  }
  visit(program, false)
  return found
}

let accepted: Set<string> | undefined

/** Every construct of every recorded script that real k6 parsed. */
export function acceptedFeatures(): Set<string> {
  if (accepted) return accepted
  accepted = new Set()
  for (const file of recordedScripts()) {
    const program = acorn.parse(fs.readFileSync(file, 'utf8'), {
      ecmaVersion: 2022,
      sourceType: 'module'
    })
    for (const f of features(program)) accepted.add(f)
  }
  return accepted
}

/** The recorded scripts k6 parsed: their run exited with any other code. */
export function recordedScripts(root = FIXTURES): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else if (entry.name.endsWith('.js') && parsedByK6(dir)) out.push(file)
    }
  }
  walk(root)
  return out.sort()
}

function parsedByK6(dir: string): boolean {
  // A script beside its run, or a module it imports (perf/ beside the
  // wrapper's perf-gate-results/), or a sharded run's shared script.
  const codes = [dir, path.join(dir, '..', 'perf-gate-results')]
    .map((d) => path.join(d, 'exitcode.txt'))
    .filter((f) => fs.existsSync(f))
    .map((f) => Number(fs.readFileSync(f, 'utf8').trim()))
  const shards = fs.existsSync(path.join(dir, 'whole', 'exitcode.txt'))
  if (codes.length === 0) return shards
  return codes.every((code) => code !== 107 && code !== 255)
}
