/** The wasm SIMD gradient of nearest-neighbour upsampling (src/wasm/resize-grad.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { resizeGradWasm } from './resize-grad-binary';
import { simdInstance } from './instances';

export interface ResizeGradExports {
  resizeNearestGrad(
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    kh: number,
    kw: number,
  ): void;
}

export function resizeGradKernel(backend: BackendWasm): ResizeGradExports | undefined {
  return simdInstance<ResizeGradExports>(backend, resizeGradWasm);
}
