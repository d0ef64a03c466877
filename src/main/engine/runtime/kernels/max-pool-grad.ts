/**
 * MaxPoolGrad for wasm. The backend's own kernel is wrong when a window holds only negative
 * values (the gradient goes to the window's first element instead of its maximum: tfjs 4.22,
 * checked against the cpu backend in tests/unit/kernels.test.ts) and slow; this one is a single
 * pass over the input on the wasm heap. Semantics follow the cpu backend exactly: the gradient
 * of each window goes to its first maximum in row-major order (ties: the earliest), NaN never
 * wins, and a window whose values are all −∞ or NaN passes no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32View } from './wasm-heap';

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGrad({
  inputs,
  attrs,
  backend,
}: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: unknown;
}): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as Attrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top: padTop, left: padLeft } = info.padInfo;

  const out = wasm.makeOutput(input.shape, 'float32');
  const dx = float32View(wasm, out);
  const x = float32View(wasm, input);
  const g = float32View(wasm, dy);
  dx.fill(0);
  const best = new Float32Array(C);
  const bestAt = new Int32Array(C);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - padTop;
      const rFrom = Math.max(r0, 0);
      const rTo = Math.min(r0 + fh, H);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - padLeft;
        const cFrom = Math.max(c0, 0);
        const cTo = Math.min(c0 + fw, W);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let r = rFrom; r < rTo; r++) {
          for (let col = cFrom; col < cTo; col++) {
            const base = ((b * H + r) * W + col) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                bestAt[c] = base + c;
              }
            }
          }
        }
        const gBase = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          if (bestAt[c] >= 0) dx[bestAt[c]] += g[gBase + c];
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
