import * as v8 from 'node:v8'
import * as vm from 'node:vm'

let collect: ((options?: { type: 'minor' }) => void) | undefined | null

function collector(): typeof collect {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      collect = vm.runInNewContext('gc') as typeof collect
    } catch {
      collect = null
    }
  }
  return collect
}

/**
 * Garbage collected now. After reading results.json, the buffers its
 * bytes passed through (hundreds of megabytes, a megabyte at a time) and
 * the kernels' memory are garbage the collector has not freed yet; freed
 * before the report and the upload, they do not add to what those need.
 * Two rounds, each after what was pending (a stream's close): the first
 * finds the buffers, the second frees what their finalizers released.
 * About 15 ms; nothing where V8's gc cannot be had.
 */
export async function releaseGarbage(): Promise<void> {
  const gc = collector()
  for (let round = 0; round < 2; round++) {
    await new Promise((resolve) => setImmediate(resolve))
    gc?.()
  }
}

/**
 * The young generation collected now: the buffers a stream has passed on
 * (zlib's output, a megabyte each) freed as it goes. A pass whose parsing
 * is WebAssembly allocates little JavaScript, so the collector seldom runs
 * by itself, and spent buffers piled up to 50-65 MB before it did. Every
 * few megabytes, not every buffer: a collection while a buffer is still
 * queued moves it to the old generation, which only a full one frees.
 */
export function releaseSpentBuffers(): void {
  collector()?.({ type: 'minor' })
}
