/**
 * A profile's data set (CSV with a header row, or a JSON array of
 * objects), read as the generated script will read it: what it holds, or
 * why k6 would throw on every iteration.
 */
export interface DataSet {
  /** The fields every row has. */
  columns: string[]
  rows: number
}

export class DataSetError extends Error {}

export function readDataSet(bytes: Buffer, file: string): DataSet {
  if (bytes.includes(0)) {
    throw new DataSetError(
      'is not text (it holds NUL bytes: a binary file?): give a .csv or .json file'
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new DataSetError('is not UTF-8 text: save it as UTF-8')
  }
  if (/\.csv$/i.test(file)) return csvSet(text)
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
  return { columns, rows: rows.length }
}

/** The same parsing as the generated script's parseCsv. */
function csvSet(text: string): DataSet {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  if (lines.length === 0) {
    throw new DataSetError('is empty: a CSV needs a header row, then rows')
  }
  if (lines.length === 1) {
    throw new DataSetError(
      'has a header row but no rows: add at least one row under it'
    )
  }
  return { columns: splitCsvLine(lines[0]), rows: lines.length - 1 }
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"'
      i++
    } else if (c === '"') quoted = !quoted
    else if (c === ',' && !quoted) {
      cells.push(cell)
      cell = ''
    } else cell += c
  }
  cells.push(cell)
  return cells
}

/** The `${data.field}` names a template reads. */
export function dataFields(text: string): string[] {
  return [...text.matchAll(/\$\{\s*data\.([A-Za-z_]\w*)\s*\}/g)].map(
    (m) => m[1]
  )
}
