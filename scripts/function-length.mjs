// `npm run function-length`: every function in src/ with its length in
// lines, the longest first; fails when one is longer than the limit
// (80 lines, `-- --limit N` to try another). A function's lines are those
// of its own body, nested functions included: what a reader has to hold.
import * as fs from 'node:fs'
import * as path from 'node:path'
import ts from 'typescript'

const limitArg = process.argv.indexOf('--limit')
const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : 80
const top = process.argv.includes('--all') ? Infinity : 15

const files = fs
  .readdirSync('src', { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))

const functions = []
for (const file of files) {
  const full = path.join('src', file)
  const source = ts.createSourceFile(
    full,
    fs.readFileSync(full, 'utf8'),
    ts.ScriptTarget.Latest,
    true
  )
  const visit = (node, owner) => {
    let name = owner
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessor(node) ||
      ts.isSetAccessor(node)
    ) {
      name = functionName(node) ?? `${owner ?? '(anonymous)'} → λ`
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      functions.push({
        where: `${full}:${start + 1}`,
        name,
        lines: end - start + 1
      })
    }
    ts.forEachChild(node, (child) => visit(child, name))
  }
  visit(source, undefined)
}

function functionName(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text
  const parent = node.parent
  if (
    parent &&
    ts.isVariableDeclaration(parent) &&
    ts.isIdentifier(parent.name)
  )
    return parent.name.text
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name))
    return parent.name.text
  return undefined
}

functions.sort((a, b) => b.lines - a.lines)
console.log(`${functions.length} functions in src/; the longest:`)
for (const f of functions.slice(0, top))
  console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`)
const over = functions.filter((f) => f.lines > limit)
if (over.length > 0) {
  console.error(`\n${over.length} function(s) over ${limit} lines:`)
  for (const f of over) console.error(`  ${f.where} ${f.name} (${f.lines})`)
  process.exit(1)
}
console.log(`\nNone over ${limit} lines.`)
