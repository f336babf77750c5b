import { ResultsAnalyser, type AnalyserLimits } from './analyser.js'
import type { ResultsAnalysis } from './types.js'

/**
 * results.json without the samples of one tag value, analysed as the
 * bytes stream by: the lines tagged `"key":"value"` (as k6 writes its
 * tags; quoted, the needle is the whole key and value, and inside another
 * string its quotes would be escaped) are left out by the kernel of an
 * analyser of its own, which reads the same bytes (no copy, no search
 * here). A paired run's change target alone is the run without
 * `"target":"reference"`: its requests and checks, and what belongs to
 * neither (VUs, iterations), read as a single run against it would be.
 */
export class TagFilteredStream {
  private readonly analyser: ResultsAnalyser

  constructor(
    key: string,
    dropValue: string,
    limits: Partial<AnalyserLimits> = {}
  ) {
    this.analyser = new ResultsAnalyser({
      ...limits,
      dropLinesWith: `${JSON.stringify(key)}:${JSON.stringify(dropValue)}`
    })
  }

  push(chunk: Buffer): void {
    this.analyser.push(chunk)
  }

  finish(): ResultsAnalysis {
    return this.analyser.finish()
  }
}
