/**
 * The engine's wasm SIMD modules (src/wasm, AssemblyScript), each instantiated in the memory of
 * the tfjs wasm backend it serves, so its kernels read and write tensors where tfjs keeps them:
 * no copies. One instance per module and backend memory (each worker thread has its own
 * backend).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The parts of tfjs-wasm's emscripten module the SIMD kernels need (not in its typings). */
export interface EmscriptenModule {
  asm?: { memory?: unknown };
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

export function emscriptenModule(backend: BackendWasm): EmscriptenModule {
  return backend.wasm as unknown as EmscriptenModule;
}

const compiled = new Map<string, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, Map<string, unknown>>();

/**
 * The module whose binary is `base64`, instantiated for this backend, or undefined where the
 * backend's memory cannot be reached (a tfjs-wasm build that does not export it): callers then
 * fall back to tfjs ops.
 */
export function simdInstance<T>(backend: BackendWasm, base64: string): T | undefined {
  const memory = emscriptenModule(backend).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  let forMemory = instances.get(memory);
  if (!forMemory) instances.set(memory, (forMemory = new Map()));
  let exports = forMemory.get(base64);
  if (!exports) {
    let module = compiled.get(base64);
    if (!module) {
      module = new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)));
      compiled.set(base64, module);
    }
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    forMemory.set(base64, exports);
  }
  return exports as T;
}

/** Runs `f` with `bytes` of scratch on the backend's heap, freed afterwards. */
export function withScratch<T>(backend: BackendWasm, bytes: number, f: (at: number) => T): T {
  const heap = emscriptenModule(backend);
  const at = heap._malloc(bytes);
  try {
    return f(at);
  } finally {
    heap._free(at);
  }
}
