import type { KernelExports } from './kernel-exports.js'
import { KERNEL_WASM } from './kernel-wasm.js'

/**
 * The results kernel (wasm/results-kernel.ts), instantiated. Its exports'
 * type is generated from the kernel's source (kernel-exports.ts): the
 * JavaScript side reads every figure through a named accessor, never by
 * position in the kernel's memory.
 */
export type Kernel = KernelExports

/** A kernel built with its assertions found one false (a logic error). */
export class KernelAssertionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KernelAssertionError'
  }
}

// WebAssembly's types come with the DOM library, which this project leaves
// out: the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>
  ) => { exports: object }
}

const modules = new Map<string, object>()

/**
 * An instance of the kernel: the release build, or the one given (the
 * tests' build with assertions, which reports a failed one by throwing).
 * Each module is compiled once (a few milliseconds); instances are cheap.
 */
export function instantiateKernel(base64 = KERNEL_WASM): Kernel {
  let module = modules.get(base64)
  if (!module) {
    module = new WebAssembly.Module(Buffer.from(base64, 'base64'))
    modules.set(base64, module)
  }
  // The instance, once made: abort() reads its messages from its memory.
  const made: { kernel?: Kernel } = {}
  const text = (at: number): string => {
    // AssemblyScript's strings: UTF-16, their byte length just before.
    const buffer = made.kernel?.memory.buffer
    if (!buffer || at === 0) return ''
    const bytes = new Uint32Array(buffer, at - 4, 1)[0]
    return Buffer.from(buffer, at, bytes).toString('utf16le')
  }
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(message: number, file: number, line: number, column: number) {
        throw new KernelAssertionError(
          `results kernel: ${text(message) || 'assertion failed'} at ${text(file)}:${line}:${column}`
        )
      }
    }
  })
  made.kernel = instance.exports as Kernel
  return made.kernel
}
