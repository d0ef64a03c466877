/** The wasm SIMD forward convolutions, dense and depthwise (src/wasm/conv2d.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { PadKernel } from '../padded-input';
import { conv2dWasm, conv2dWasmRelaxed } from './conv2d-binary';
import { pickBuild, simdInstance } from './instances';
import { memoryOf, nativeKernels } from '../native/native-kernels';

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

const withNative = new WeakMap<Conv2dExports, Conv2dExports>();

/** The wasm module's kernels, with its dense convolution by the native kernel where that is built. */
export function conv2dKernel(backend: BackendWasm): Conv2dExports | undefined {
  const wasm = simdInstance<Conv2dExports>(backend, pickBuild(conv2dWasm, conv2dWasmRelaxed));
  const native = nativeKernels();
  const memory = memoryOf(backend);
  if (!wasm || !native || !memory) return wasm;
  let both = withNative.get(wasm);
  if (!both) {
    // The panel scratch (last argument) is the wasm kernel's; the native one keeps its own.
    both = {
      ...wasm,
      conv2d: (...args) => native.conv2d(memory.buffer, ...args.slice(0, 16)),
    };
    withNative.set(wasm, both);
  }
  return both;
}
