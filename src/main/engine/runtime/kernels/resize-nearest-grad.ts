/**
 * ResizeNearestNeighborGrad, the gradient of nearest-neighbour resizing (tf.layers.upSampling2d,
 * the generator's upsampling), on wasm and cpu.
 *
 * Every dy pixel goes back to the pixel the forward pass copied it from, found with the forward's
 * own index rule (tfjs-core's cpu ResizeNearestNeighbor: corners, half-pixel centres). When that
 * rule makes blocks (an integer factor, corners not aligned), wasm sums each block in one SIMD
 * pass (simd/resize-grad-module.ts: ≈0.5 ms against 6.5 ms for the backend's loop on a
 * 64×28×28×16 dy); otherwise, and on cpu, a scatter loop does it.
 *
 * Also a fix on cpu: tfjs-backend-cpu 4.22 reads dy at the image's batch offset instead of dy's,
 * so every image but the first gets the wrong gradient (tests/unit/kernels.test.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { resizeGradKernel } from './simd/resize-grad-module';
import { float32View } from './wasm-heap';

interface Attrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** The source index of each of `outSize` outputs, as the forward pass picks it. */
export function nearestSources(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const aligned = alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  return Int32Array.from({ length: outSize }, (_, o) => {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    const near = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    return halfPixelCenters ? Math.max(0, near) : near;
  });
}

/** Whether `sources` sends each run of `factor` outputs to one input, in order. */
function blocks(sources: Int32Array, inSize: number): number {
  if (inSize === 0 || sources.length % inSize !== 0) return 0;
  const factor = sources.length / inSize;
  return sources.every((s, o) => s === Math.floor(o / factor)) ? factor : 0;
}

/** dx = Σ of dy over the outputs each input pixel went to (dx must start at zero). */
function scatter(
  dy: Float32Array,
  dx: Float32Array,
  [n, h, w, c]: number[],
  rows: Int32Array,
  cols: Int32Array,
): void {
  const outH = rows.length;
  const outW = cols.length;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < outH; r++) {
      const dxRow = (b * h + rows[r]) * w;
      const dyRow = (b * outH + r) * outW;
      for (let q = 0; q < outW; q++) {
        const to = (dxRow + cols[q]) * c;
        const from = (dyRow + q) * c;
        for (let d = 0; d < c; d++) dx[to + d] += dy[from + d];
      }
    }
  }
}

function sourcesOf(images: tf.TensorInfo, dy: tf.TensorInfo, attrs: Attrs) {
  const [, h, w] = images.shape;
  const [, outH, outW] = dy.shape;
  const { alignCorners, halfPixelCenters } = attrs;
  return {
    rows: nearestSources(h, outH, alignCorners, halfPixelCenters),
    cols: nearestSources(w, outW, alignCorners, halfPixelCenters),
  };
}

type Args = Parameters<tf.KernelFunc>[0];

function wasmGrad(args: Args): tf.TensorInfo {
  const wasm = args.backend as BackendWasm;
  const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { rows, cols } = sourcesOf(images, dy, args.attrs as unknown as Attrs);
  const [n, h, w, c] = images.shape;
  const kh = blocks(rows, h);
  const kw = blocks(cols, w);
  const simd = resizeGradKernel(wasm);
  const out = wasm.makeOutput(images.shape, 'float32');
  if (simd && kh && kw) {
    const dxAt = float32View(wasm, out).byteOffset;
    simd.resizeNearestGrad(float32View(wasm, dy).byteOffset, dxAt, n, h, w, c, kh, kw);
    return out;
  }
  const dx = float32View(wasm, out);
  dx.fill(0);
  scatter(float32View(wasm, dy), dx, images.shape, rows, cols);
  return out;
}

interface CpuBackend {
  data: { get(id: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuGrad(args: Args): tf.TensorInfo {
  const cpu = args.backend as unknown as CpuBackend;
  const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { rows, cols } = sourcesOf(images, dy, args.attrs as unknown as Attrs);
  const dx = new Float32Array(images.shape.reduce((a, b) => a * b, 1));
  scatter(cpu.data.get(dy.dataId).values, dx, images.shape, rows, cols);
  return cpu.makeTensorInfo(images.shape, 'float32', dx);
}

export const resizeNearestGradWasmConfig: tf.KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'wasm',
  kernelFunc: wasmGrad as tf.KernelFunc,
};

export const resizeNearestGradCpuConfig: tf.KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'cpu',
  kernelFunc: cpuGrad as tf.KernelFunc,
};
