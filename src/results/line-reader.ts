import { SearchFeed, type LineTap } from './taps.js'

/**
 * A reader of the sample lines of a few named metrics, each handed to
 * `line` as text with the metric's index: by the analyser's kernel as it
 * reads (a LineTap), or found by a byte search in bytes pushed to it.
 */
export class MetricLineReader implements LineTap {
  private readonly feed = new SearchFeed(this)

  constructor(private readonly metricNames: readonly string[]) {}

  metrics(): readonly string[] {
    return this.metricNames
  }

  sample(metric: string, bytes: Buffer, start: number, end: number): void {
    this.line(
      bytes.toString('utf8', start, end),
      this.metricNames.indexOf(metric)
    )
  }

  /** Bytes fed without an analyser; lines may span calls. */
  push(chunk: Buffer): void {
    this.feed.push(chunk)
  }

  /** The last line, when the bytes did not end in a newline. */
  protected flush(): void {
    this.feed.flush()
  }

  /** One sample line as text, with its metric's index in the names given. */
  protected line(_text: string, _metric: number): void {}
}
