/** `; did you mean 'x'?` for the option nearest to `word`, or nothing. */
export function suggest(word: string, options: readonly string[]): string {
  let best: string | undefined
  let bestDistance = Infinity
  for (const option of options) {
    const d = distance(word.toLowerCase(), option.toLowerCase())
    if (d < bestDistance) {
      best = option
      bestDistance = d
    }
  }
  return best !== undefined &&
    bestDistance <= Math.max(2, Math.floor(word.length / 3))
    ? `; did you mean '${best}'?`
    : ''
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
      previous = current
    }
  }
  return row[b.length]
}
