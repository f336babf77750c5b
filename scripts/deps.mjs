// `npm run deps`: which folder of src/ imports which, printed as a table,
// and a failure when two folders import each other (directly or around a
// longer loop), or when a folder imports one that docs/architecture.md's
// table of layers does not allow. Files directly in src/ form the folder
// ".". The layering is the architecture: that table says what each folder
// owns and may import.
import * as fs from 'node:fs'
import * as path from 'node:path'

const root = 'src'
const files = fs
  .readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))

const folderOf = (file) => {
  const dir = path.dirname(file)
  return dir === '.' ? '.' : dir.split(path.sep)[0]
}

/** folder → folder → the files that make the import */
const edges = new Map()
for (const file of files) {
  const text = fs.readFileSync(path.join(root, file), 'utf8')
  // Type-only imports count: a folder that names another's types depends
  // on its shape.
  for (const match of text.matchAll(
    /^\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm
  )) {
    const target = path.normalize(path.join(path.dirname(file), match[1]))
    const from = folderOf(file)
    const to = folderOf(target)
    if (from === to) continue
    if (!edges.has(from)) edges.set(from, new Map())
    const list = edges.get(from).get(to) ?? []
    list.push(`${file} → ${target.replace(/\.js$/, '.ts')}`)
    edges.get(from).set(to, list)
  }
}

const folders = [...new Set(files.map(folderOf))].sort()
console.log('folder → folders it imports')
for (const folder of folders) {
  const to = [...(edges.get(folder)?.keys() ?? [])].sort()
  console.log(`  ${folder.padEnd(10)} → ${to.join(', ') || '(nothing)'}`)
}

// A cycle: depth-first search for a back edge.
const cycles = []
const state = new Map()
const stack = []
function visit(folder) {
  state.set(folder, 'open')
  stack.push(folder)
  for (const next of edges.get(folder)?.keys() ?? []) {
    if (state.get(next) === 'open') {
      cycles.push([...stack.slice(stack.indexOf(next)), next])
    } else if (!state.has(next)) visit(next)
  }
  stack.pop()
  state.set(folder, 'done')
}
for (const folder of folders) if (!state.has(folder)) visit(folder)

// The layers: docs/architecture.md's table, `| `folder/` | owns | `a`, `b` |`.
const allowed = new Map()
const doc = fs.readFileSync('docs/architecture.md', 'utf8')
for (const line of doc.split('\n')) {
  const cells = line.split('|').map((c) => c.trim())
  const folder = /^`([.\w-]+)\/?`$/.exec(cells[1] ?? '')
  if (!folder || cells.length < 5) continue
  const may = cells[3]
  allowed.set(
    folder[1],
    may === 'every folder below'
      ? 'below'
      : new Set([...may.matchAll(/`([\w-]+)`/g)].map((m) => m[1]))
  )
}
const order = [...allowed.keys()]
const unlayered = folders.filter((f) => !allowed.has(f))
if (unlayered.length > 0) {
  console.error(
    `\nFolders docs/architecture.md's table of layers does not list: ${unlayered.join(', ')}`
  )
  process.exit(1)
}
const forbidden = []
for (const [from, targets] of edges) {
  const may = allowed.get(from)
  for (const [to, why] of targets) {
    const ok =
      may === 'below' ? order.indexOf(to) > order.indexOf(from) : may.has(to)
    if (!ok) forbidden.push({ from, to, why })
  }
}
if (forbidden.length > 0) {
  console.error("\nImports docs/architecture.md's layers do not allow:")
  for (const { from, to, why } of forbidden) {
    console.error(`  ${from} → ${to}`)
    for (const w of why.slice(0, 3)) console.error(`      ${w}`)
  }
  process.exit(1)
}

if (cycles.length > 0) {
  console.error('\nImport cycles between folders:')
  for (const cycle of cycles) {
    console.error(`  ${cycle.join(' → ')}`)
    for (let i = 0; i + 1 < cycle.length; i++) {
      for (const why of edges
        .get(cycle[i])
        .get(cycle[i + 1])
        .slice(0, 3)) {
        console.error(`      ${why}`)
      }
    }
  }
  process.exit(1)
}
console.log(
  "\nNo cycles between folders; every import is one docs/architecture.md's layers allow."
)
