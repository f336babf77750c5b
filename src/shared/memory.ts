import * as v8 from 'node:v8'
import * as vm from 'node:vm'

let collect: (() => void) | undefined | null

/**
 * A full garbage collection now. After reading results.json, the buffers
 * its bytes passed through (hundreds of megabytes, a megabyte at a time)
 * are garbage the collector has not freed yet; freed before the report
 * and the upload, their memory serves those instead of adding to it.
 */
export function releaseGarbage(): void {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      collect = vm.runInNewContext('gc') as () => void
    } catch {
      collect = null
    }
  }
  collect?.()
}
