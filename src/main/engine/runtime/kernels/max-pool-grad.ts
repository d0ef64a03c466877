/**
 * MaxPoolGrad for wasm. The backend's own kernel is wrong when a window holds only negative
 * values (the gradient goes to the window's first element instead of its maximum: tfjs 4.22,
 * checked against the cpu backend in tests/unit/kernels.test.ts) and slow; this one is a single
 * pass over the input on the wasm heap: the 2×2 pool with stride 2 by our SIMD kernel
 * (simd/max-pool-grad-module.ts; the JS loop below where it cannot load), others by a JS loop. Semantics follow the cpu backend exactly: the gradient
 * of each window goes to its first maximum in row-major order (ties: the earliest), NaN never
 * wins, and a window whose values are all −∞ or NaN passes no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32View } from './wasm-heap';
import { maxPoolGradKernel } from './simd/max-pool-grad-module';

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
  const tiles = fh === 2 && fw === 2 && sh === 2 && sw === 2 && padTop === 0 && padLeft === 0;
  // Every window inside the image ('same' on an odd size pads the last one: general loop).
  if (tiles && 2 * OH <= H && 2 * OW <= W) {
    const simd = maxPoolGradKernel(wasm);
    if (simd) {
      simd.maxPoolGrad2x2(x.byteOffset, g.byteOffset, dx.byteOffset, batchSize, H, W, C, OH, OW);
    } else tiled2x2(x, g, dx, batchSize, H, W, C, OH, OW);
    return out;
  }
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

/**
 * The common 2×2 pool with stride 2 and no padding: windows do not overlap, so each input
 * element gets its window's gradient or zero, written once (no fill, no accumulation), with the
 * channel loop innermost over four contiguous streams. Same semantics as the general loop.
 */
function tiled2x2(
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  B: number,
  H: number,
  W: number,
  C: number,
  OH: number,
  OW: number,
): void {
  // Rows and columns past the last window (odd sizes) pass no gradient.
  if (2 * OH !== H || 2 * OW !== W) dx.fill(0);
  const rowStep = W * C;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const i00 = ((b * H + 2 * oh) * W + 2 * ow) * C;
        const i01 = i00 + C;
        const i10 = i00 + rowStep;
        const i11 = i10 + C;
        const gBase = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          // First maximum in row-major order; NaN and −∞ never win (strict >).
          let best = -Infinity;
          let at = -1;
          let v = x[i00 + c];
          if (v > best) {
            best = v;
            at = 0;
          }
          v = x[i01 + c];
          if (v > best) {
            best = v;
            at = 1;
          }
          v = x[i10 + c];
          if (v > best) {
            best = v;
            at = 2;
          }
          v = x[i11 + c];
          if (v > best) at = 3;
          const d = g[gBase + c];
          dx[i00 + c] = at === 0 ? d : 0;
          dx[i01 + c] = at === 1 ? d : 0;
          dx[i10 + c] = at === 2 ? d : 0;
          dx[i11 + c] = at === 3 ? d : 0;
        }
      }
    }
  }
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
