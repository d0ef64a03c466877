/**
 * The wasm SIMD filter-gradient kernel (src/wasm/filter-grad.ts), instantiated in the memory of
 * the tfjs wasm backend it serves, so it reads x and dy and writes dW where tfjs keeps them: no
 * copies. One instance per backend memory (each worker thread has its own backend).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { filterGradWasm } from './filter-grad-binary';

export interface FilterGradExports {
  filterGrad(
    x: number,
    dy: number,
    dw: number,
    n: number,
    hp: number,
    wp: number,
    ci: number,
    oh: number,
    ow: number,
    co: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
  ): void;
  pad(
    src: number,
    dst: number,
    n: number,
    h: number,
    w: number,
    c: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
  ): void;
}

/** The parts of tfjs-wasm's emscripten module this needs (not in its public typings). */
interface EmscriptenModule {
  asm?: { memory?: unknown };
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

let compiled: WebAssembly.Module | undefined;
const instances = new WeakMap<WebAssembly.Memory, FilterGradExports>();

export function emscriptenModule(backend: BackendWasm): EmscriptenModule {
  return backend.wasm as unknown as EmscriptenModule;
}

/**
 * The kernel for this backend, or undefined where its memory cannot be reached (a tfjs-wasm
 * build that does not export it): callers then fall back to the XNNPACK formulation.
 */
export function filterGradKernel(backend: BackendWasm): FilterGradExports | undefined {
  const memory = emscriptenModule(backend).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  let kernel = instances.get(memory);
  if (!kernel) {
    compiled ??= new WebAssembly.Module(
      Uint8Array.from(atob(filterGradWasm), (c) => c.charCodeAt(0)),
    );
    kernel = new WebAssembly.Instance(compiled, { env: { memory } })
      .exports as unknown as FilterGradExports;
    instances.set(memory, kernel);
  }
  return kernel;
}
