/** The wasm SIMD filter-gradient kernel (src/wasm/filter-grad.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { filterGradWasm, filterGradWasmRelaxed } from './filter-grad-binary';
import { pickBuild, simdInstance } from './instances';
import type { PadKernel } from '../padded-input';
import { memoryOf, nativeKernels } from '../native/native-kernels';

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
  pad: PadKernel;
}

const withNative = new WeakMap<FilterGradExports, FilterGradExports>();

/** The wasm module's kernels, with the filter gradient by the native kernel where it is built. */
export function filterGradKernel(backend: BackendWasm): FilterGradExports | undefined {
  const wasm = simdInstance<FilterGradExports>(
    backend,
    pickBuild(filterGradWasm, filterGradWasmRelaxed),
  );
  const native = nativeKernels();
  const memory = memoryOf(backend);
  if (!wasm || !native || !memory) return wasm;
  let both = withNative.get(wasm);
  if (!both) {
    both = {
      ...wasm,
      filterGrad: (...args) => native.filterGrad(memory.buffer, ...args),
    };
    withNative.set(wasm, both);
  }
  return both;
}
