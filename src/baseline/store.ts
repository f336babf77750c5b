import type { BaselineEntry, BaselineFile } from './entry.js'

/** What reading a store gave: entries, and what to warn about. */
export interface StoreRead {
  file: BaselineFile
  /** Where the entries came from, for the comment: a commit or run link. */
  source?: string
  /** A problem that made perf-gate ignore the stored file. */
  warning?: string
  /** The file is from a newer perf-gate: do not overwrite it. */
  readOnly?: boolean
}

export interface StoreWrite {
  written: boolean
  /** The data-branch commit or artifact written. */
  location?: string
  attempts: number
  warning?: string
}

export interface BaselineStore {
  readonly kind: 'branch' | 'artifact'
  read(objective: string): Promise<StoreRead>
  append(
    objective: string,
    entry: BaselineEntry,
    keep: number
  ): Promise<StoreWrite>
}
