/** The wasm SIMD forward convolutions, dense and depthwise (src/wasm/conv2d.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { PadKernel } from '../padded-input';
import { conv2dWasm, conv2dWasmRelaxed } from './conv2d-binary';
import { pickBuild, simdInstance } from './instances';

export interface Conv2dExports {
  conv2d(
    x: number,
    w: number,
    bias: number,
    out: number,
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
    relu: number,
    panels: number,
  ): void;
  depthwise(
    x: number,
    w: number,
    out: number,
    n: number,
    hp: number,
    wp: number,
    c: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
  ): void;
  pad: PadKernel;
}

export function conv2dKernel(backend: BackendWasm): Conv2dExports | undefined {
  return simdInstance<Conv2dExports>(backend, pickBuild(conv2dWasm, conv2dWasmRelaxed));
}
