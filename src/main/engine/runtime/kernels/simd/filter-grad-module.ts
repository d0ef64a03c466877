/** The wasm SIMD filter-gradient kernel (src/wasm/filter-grad.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { filterGradWasm, filterGradWasmRelaxed } from './filter-grad-binary';
import { pickBuild, simdInstance } from './instances';
import type { PadKernel } from '../padded-input';

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

export function filterGradKernel(backend: BackendWasm): FilterGradExports | undefined {
  return simdInstance<FilterGradExports>(backend, pickBuild(filterGradWasm, filterGradWasmRelaxed));
}
