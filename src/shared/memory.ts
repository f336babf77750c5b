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
