/**
 * Build a large results.json by tiling a real recorded run: each copy's
 * timestamps are shifted by the run's length, so the file reads as one long
 * run of the same traffic. Metric headers are written once.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'

const TIME = /"time":"([^"]+)"/

export async function generate(
  source: string,
  target: string,
  targetBytes: number
): Promise<number> {
  const lines = fs.readFileSync(source, 'utf8').split('\n').filter(Boolean)
  const headers = lines.filter((l) => l.startsWith('{"type":"Metric"'))
  const points = lines.filter((l) => !l.startsWith('{"type":"Metric"'))
  const times = points.map((l) =>
    Date.parse((TIME.exec(l) as RegExpExecArray)[1])
  )
  const span = Math.max(...times) - Math.min(...times) + 100
  // Keep the fractional digits k6 writes: shift whole milliseconds only.
  const parts = points.map((l) => {
    const m = TIME.exec(l) as RegExpExecArray
    const iso = m[1]
    const frac = /\.(\d+)Z$/.exec(iso)?.[1] ?? ''
    return {
      before: l.slice(0, m.index + 8),
      after: l.slice(m.index + 8 + iso.length),
      ms: Date.parse(iso),
      sub: frac.slice(3)
    }
  })
  let written = 0
  function* chunks(): Generator<string> {
    const head = headers.join('\n') + '\n'
    written += Buffer.byteLength(head)
    yield head
    for (let copy = 0; written < targetBytes; copy++) {
      const out: string[] = []
      for (const p of parts) {
        const d = new Date(p.ms + copy * span).toISOString() // ….mmmZ
        out.push(`${p.before}${d.slice(0, 23)}${p.sub}Z${p.after}`)
      }
      const text = out.join('\n') + '\n'
      written += Buffer.byteLength(text)
      yield text
    }
  }
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const sink = fs.createWriteStream(target)
  if (target.endsWith('.gz')) {
    await pipeline(Readable.from(chunks()), zlib.createGzip({ level: 6 }), sink)
  } else {
    await pipeline(Readable.from(chunks()), sink)
  }
  return fs.statSync(target).size
}
