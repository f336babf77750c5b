/**
 * The complete lines of results.json that begin with one of `needles`, as
 * the bytes stream by (a line may span chunks): each handed to `line`
 * with the needle's index. Other lines are skipped by a byte search.
 */
export abstract class NeedleLineReader {
  private carry: Buffer | undefined

  constructor(private readonly needles: readonly Buffer[]) {}

  push(chunk: Buffer): void {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    const end = bytes.lastIndexOf(10)
    if (end < 0) {
      this.carry = bytes
      return
    }
    this.scan(bytes, end + 1)
    this.carry = end + 1 < bytes.length ? bytes.subarray(end + 1) : undefined
  }

  /** The last line, when the file does not end in a newline. */
  protected flush(): void {
    if (!this.carry) return
    const last = Buffer.concat([this.carry, Buffer.from('\n')])
    this.carry = undefined
    this.scan(last, last.length)
  }

  protected abstract line(text: string, needle: number): void

  private scan(bytes: Buffer, end: number): void {
    this.needles.forEach((needle, n) => {
      for (let at = bytes.indexOf(needle); at >= 0 && at < end;) {
        const lineEnd = bytes.indexOf(10, at)
        const stop = lineEnd < 0 ? end : lineEnd
        if (at === 0 || bytes[at - 1] === 10)
          this.line(bytes.toString('utf8', at, stop), n)
        at = bytes.indexOf(needle, stop)
      }
    })
  }
}
