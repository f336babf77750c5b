/**
 * A CSV data set read by the rules of Go's encoding/csv, which k6's own
 * parser (k6/experimental/csv) uses: so a file k6 would reject at init is
 * rejected here first, at its line, and one k6 reads is read the same way.
 *
 * - fields are separated by commas and records by LF or CRLF; a lone CR is
 *   data, so a file with CR-only line endings is one long record;
 * - empty lines are skipped;
 * - a quoted field may hold commas, line breaks and `""` for a quote; a
 *   quote inside an unquoted field, or text after a closing quote, is an
 *   error;
 * - every record has as many fields as the first.
 */
interface CsvTable {
  /** The first record's fields (the header), a byte-order mark dropped. */
  header: string[]
  /** Records after the header. */
  rows: number
  /** The file starts with a UTF-8 byte-order mark. */
  bom: boolean
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number
  ) {
    super(message)
    this.name = 'CsvError'
  }
}

const BOM = '\ufeff'

export function readCsv(text: string): CsvTable {
  const bom = text.startsWith(BOM)
  let header: string[] | undefined
  let rows = 0
  try {
    for (const record of records(text)) {
      if (!header) {
        header = record.fields
        if (bom) header[0] = header[0].replace(BOM, '')
      } else if (record.fields.length !== header.length) {
        throw new CsvError(
          `has ${record.fields.length} fields where the header has ${header.length}`,
          record.line
        )
      } else rows++
    }
  } catch (error) {
    if (bom && error instanceof CsvError && error.line === 1) {
      error.message +=
        ' (the file starts with a byte-order mark, which k6 reads as part of the first field: save it as UTF-8 without one)'
    }
    throw error
  }
  return { header: header ?? [], rows, bom }
}

interface CsvRecord {
  fields: string[]
  /** The line the record starts on, from 1. */
  line: number
}

function* records(text: string): Generator<CsvRecord> {
  let i = 0
  let line = 1
  while (i < text.length) {
    if (text[i] === '\n' || text.startsWith('\r\n', i)) {
      // An empty line: skipped, as Go's reader does.
      i += text[i] === '\n' ? 1 : 2
      line++
      continue
    }
    const start = line
    const fields: string[] = []
    for (;;) {
      const field =
        text[i] === '"' ? quoted(text, i, line) : bare(text, i, line)
      fields.push(field.value)
      i = field.end
      line = field.line
      if (text[i] === ',') {
        i++
        continue
      }
      i += text.startsWith('\r\n', i) ? 2 : i < text.length ? 1 : 0
      line++
      break
    }
    yield { fields, line: start }
  }
}

interface Field {
  value: string
  /** Where the field ends: at its comma, its line break or the end. */
  end: number
  line: number
}

function bare(text: string, from: number, line: number): Field {
  let end = from
  while (end < text.length && text[end] !== ',' && text[end] !== '\n') {
    if (text.startsWith('\r\n', end)) break
    if (text[end] === '"') {
      throw new CsvError(
        'has a quote inside a field that does not start with one: quote the whole field ("a ""b"" c")',
        line
      )
    }
    end++
  }
  return { value: text.slice(from, end), end, line }
}

function quoted(text: string, from: number, line: number): Field {
  let value = ''
  let i = from + 1
  let at = line
  for (;;) {
    const close = text.indexOf('"', i)
    if (close < 0) {
      throw new CsvError('has a quoted field that is never closed', line)
    }
    const part = text.slice(i, close)
    value += part
    at += countLines(part)
    if (text[close + 1] === '"') {
      value += '"'
      i = close + 2
      continue
    }
    const next = close + 1
    if (
      next < text.length &&
      text[next] !== ',' &&
      text[next] !== '\n' &&
      !text.startsWith('\r\n', next)
    ) {
      throw new CsvError(
        'has text after a closing quote: a quote inside a quoted field is written ""',
        at
      )
    }
    return { value: value.replace(/\r\n/g, '\n'), end: next, line: at }
  }
}

function countLines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++
  return n
}
