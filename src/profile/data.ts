import { CsvError, readCsv } from './csv.js'

/**
 * A profile's data set (CSV with a header row, or a JSON array of
 * objects), read as k6 will read it: what it holds, or why k6 would throw
 * at init or on every iteration.
 */
export interface DataSet {
  /** The fields every row has; a CSV's in the order of its header. */
  columns: string[]
  rows: number
  format: 'csv' | 'json'
}

/**
 * The largest data set perf-gate reads: k6 loads the whole file at init,
 * in every run (a 28 MB CSV of 1.5 M rows already takes seconds).
 */
export const DATA_SET_LIMIT = 50e6

export class DataSetError extends Error {}

export function readDataSet(bytes: Buffer, file: string): DataSet {
  if (bytes.includes(0)) {
    throw new DataSetError(
      'is not text (it holds NUL bytes: a binary file?): give a .csv or .json file'
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      bytes
    )
  } catch {
    throw new DataSetError('is not UTF-8 text: save it as UTF-8')
  }
  if (/\.csv$/i.test(file)) return csvSet(text)
  text = text.replace(/^\ufeff/, '')
  let rows: unknown
  try {
    rows = JSON.parse(text)
  } catch (error) {
    throw new DataSetError(`is not JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new DataSetError(
      'must be a JSON array with at least one row (an object per row)'
    )
  }
  const objects = rows.filter(
    (r): r is Record<string, unknown> =>
      typeof r === 'object' && r !== null && !Array.isArray(r)
  )
  if (objects.length !== rows.length) {
    throw new DataSetError('must hold one object per row, as [{"id": 1}]')
  }
  const columns = Object.keys(objects[0]).filter((k) =>
    objects.every((o) => k in o)
  )
  return { columns, rows: rows.length, format: 'json' }
}

/** Go's encoding/csv rules, which k6's own CSV parser follows. */
function csvSet(text: string): DataSet {
  let table
  try {
    table = readCsv(text)
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    throw new DataSetError(`line ${error.line} ${error.message}`)
  }
  if (table.header.length === 0) {
    throw new DataSetError('is empty: a CSV needs a header row, then rows')
  }
  if (table.rows === 0) {
    throw new DataSetError(
      'has a header row but no rows: add at least one row under it'
    )
  }
  return { columns: table.header, rows: table.rows, format: 'csv' }
}

/** The `${data.field}` names a template reads. */
export function dataFields(text: string): string[] {
  return [...text.matchAll(/\$\{\s*data\.([A-Za-z_]\w*)\s*\}/g)].map(
    (m) => m[1]
  )
}
