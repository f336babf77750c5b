/**
 * Split a `k6-args` string into an argument array the way a POSIX shell would
 * split words, without a shell: no expansion, no globbing, no operators.
 * Single quotes keep everything literally; double quotes allow `\"` and `\\`;
 * a backslash outside quotes escapes the next character.
 *
 * On Windows a backslash is a path's separator (`json=C:\out\r.json`), so
 * it stays as written; only `\"` inside double quotes is a quote.
 */
export function splitArgs(
  text: string,
  platform: NodeJS.Platform = process.platform
): string[] {
  const windows = platform === 'win32'
  const args: string[] = []
  let current = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  let quoteStart = 0

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quote === "'") {
      if (ch === "'") quote = undefined
      else current += ch
      continue
    }
    if (quote === '"') {
      if (ch === '"') {
        quote = undefined
      } else if (
        ch === '\\' &&
        i + 1 < text.length &&
        (windows ? '"' : '"\\$`').includes(text[i + 1])
      ) {
        current += text[++i]
      } else {
        current += ch
      }
      continue
    }
    if (ch === "'" || ch === '"') {
      quote = ch
      quoteStart = i
      inWord = true
    } else if (ch === '\\' && !windows) {
      if (i + 1 >= text.length) {
        throw new SyntaxError(
          `a trailing backslash at column ${i + 1} escapes nothing`
        )
      }
      const next = text[++i]
      // A backslash-newline continues the line, as in a shell.
      if (next !== '\n') {
        current += next
        inWord = true
      }
    } else if (/\s/.test(ch)) {
      if (inWord) args.push(current)
      current = ''
      inWord = false
    } else {
      current += ch
      inWord = true
    }
  }
  if (quote) {
    const kind = quote === "'" ? 'single' : 'double'
    throw new SyntaxError(
      `the ${kind} quote at column ${quoteStart + 1} is never closed`
    )
  }
  if (inWord) args.push(current)
  return args
}

/** Quote an argument array for display in a log line (never executed). */
export function formatCommand(argv: readonly string[]): string {
  return argv
    .map((arg) =>
      arg === '' || /[^\w@%+=:,./-]/.test(arg)
        ? `'${arg.replace(/'/g, `'\\''`)}'`
        : arg
    )
    .join(' ')
}
