/**
 * The engine's wasm SIMD modules (src/wasm, AssemblyScript), each instantiated in the memory of
 * the tfjs wasm backend it serves, so its kernels read and write tensors where tfjs keeps them:
 * no copies. One instance per module and backend memory (each worker thread has its own
 * backend).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';

/** The parts of tfjs-wasm's emscripten module the SIMD kernels need (not in its typings). */
export interface EmscriptenModule {
  asm?: { memory?: unknown };
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

export function emscriptenModule(backend: BackendWasm): EmscriptenModule {
  return backend.wasm as unknown as EmscriptenModule;
}

/** A module whose one function is f32x4.relaxed_madd: valid where relaxed SIMD runs. */
const RELAXED_PROBE = Uint8Array.from([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0,
  32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

let relaxed: boolean | undefined;

/**
 * Whether the modules' relaxed-SIMD builds (fused multiply-add: 1.3–1.5× faster convolutions)
 * can run. Relaxed SIMD is a finished WebAssembly feature, on by default from V8 11.4 (Node 22,
 * Electron); Node 20's V8 11.3 has it behind a flag, which is switched on here, before any module
 * that uses it is compiled. DMAT_WASM_RELAXED_SIMD=0 keeps the plain builds.
 */
export function relaxedSimd(): boolean {
  if (relaxed !== undefined) return relaxed;
  if (process.env.DMAT_WASM_RELAXED_SIMD === '0') return (relaxed = false);
  if (!WebAssembly.validate(RELAXED_PROBE)) {
    try {
      const v8 = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // Not Node, or no such flag: the plain builds run.
    }
  }
  return (relaxed = WebAssembly.validate(RELAXED_PROBE));
}

/** The relaxed build of a module where it can run, else the plain one. */
export function pickBuild(plain: string, relaxedBuild: string): string {
  return relaxedSimd() ? relaxedBuild : plain;
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
