/** The wasm gather along one axis and strided copies (src/wasm/gather.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gatherWasm } from './gather-binary';
import { simdInstance } from './instances';

export interface GatherExports {
  gather(
    x: number,
    indices: number,
    out: number,
    outer: number,
    n: number,
    inner: number,
    count: number,
  ): number;
  strided(
    src: number,
    dst: number,
    outer: number,
    inner: number,
    srcStride: number,
    dstStride: number,
  ): void;
}

export function gatherKernel(backend: BackendWasm): GatherExports | undefined {
  return simdInstance<GatherExports>(backend, gatherWasm);
}
