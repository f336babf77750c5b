import type { BaselineEntry, BaselineFile } from './entry.js'
import type { HistoryFile } from './history.js'

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
  /** The history could not be written (the baseline may have been). */
  historyWarning?: string
}

/** What reading the history gave. */
export interface HistoryRead {
  file: HistoryFile
  warning?: string
  /** Written by a newer perf-gate: do not overwrite it. */
  readOnly?: boolean
}

/** This run added to the history, and the page drawn from it. */
export interface HistoryUpdate {
  add: (file: HistoryFile) => HistoryFile
  /** The self-contained HTML page of the history written. */
  page: (file: HistoryFile) => string
}

export interface BaselineStore {
  readonly kind: 'branch' | 'artifact'
  read(objective: string): Promise<StoreRead>
  /** The run's entry added; with `history`, the history and its page too. */
  append(
    objective: string,
    entry: BaselineEntry,
    keep: number,
    history?: HistoryUpdate
  ): Promise<StoreWrite>
  /** The compact history of the objective's runs (empty when none). */
  readHistory(objective: string): Promise<HistoryRead>
}
