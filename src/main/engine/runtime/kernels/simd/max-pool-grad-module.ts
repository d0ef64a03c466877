/** The wasm SIMD 2×2 MaxPoolGrad (src/wasm/max-pool-grad.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { maxPoolGradWasm } from './max-pool-grad-binary';
import { simdInstance } from './instances';

export interface MaxPoolGradExports {
  maxPoolGrad2x2(
    x: number,
    g: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
  ): void;
}

export function maxPoolGradKernel(backend: BackendWasm): MaxPoolGradExports | undefined {
  return simdInstance<MaxPoolGradExports>(backend, maxPoolGradWasm);
}
