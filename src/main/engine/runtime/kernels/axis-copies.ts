/**
 * Pack (tf.stack), Unpack (tf.unstack), SplitV (tf.split) and Concat of float32 tensors for wasm
 * as strided copies by our wasm kernel (simd/gather-module.ts). The backend builds them from a
 * Slice per output or a Concat of expanded inputs, ≈ 3.3–5.8 ms to split or join a [32,32,32,c]
 * along its last axis (the Elastic attack's flow field, the JPEG and Snow attacks' colour
 * channels); one strided pass takes a fraction of that. Other dtypes go to the backend's own.
 *
 * Every case is the same copy: with a tensor seen as [outer, n·rest] around the axis, a part
 * covering positions [from, from + size) of the axis is `outer` runs of size·rest floats.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gatherKernel, type GatherExports } from './simd/gather-module';
import { float32View } from './wasm-heap';

type Args = Parameters<tf.KernelFunc>[0];

/** Parts of a tensor along an axis: where each starts and how long it is, in floats per run. */
interface Layout {
  outer: number;
  /** Floats per run of the whole tensor (n·rest). */
  whole: number;
  /** Offset (floats) and length (floats) of each part's run. */
  parts: { from: number; length: number }[];
}

function layout(shape: number[], axis: number, sizes: number[]): Layout {
  const outer = tf.util.sizeFromShape(shape.slice(0, axis));
  const rest = tf.util.sizeFromShape(shape.slice(axis + 1));
  let from = 0;
  const parts = sizes.map((s) => {
    const part = { from: from * rest, length: s * rest };
    from += s;
    return part;
  });
  return { outer, whole: from * rest, parts };
}

/** Copies each part out of `whole` (split) or into it (join). */
function copyParts(
  simd: GatherExports,
  wholeAt: number,
  partsAt: number[],
  l: Layout,
  direction: 'split' | 'join',
): void {
  l.parts.forEach(({ from, length }, k) => {
    if (length === 0 || l.outer === 0) return;
    const whole = wholeAt + 4 * from;
    const [src, dst, srcStride, dstStride] =
      direction === 'split'
        ? [whole, partsAt[k], 4 * l.whole, 4 * length]
        : [partsAt[k], whole, 4 * length, 4 * l.whole];
    simd.strided(src, dst, l.outer, length, srcStride, dstStride);
  });
}

function withStock(
  kernelName: string,
  stock: tf.KernelConfig | undefined,
  ours: (
    args: Args,
    simd: GatherExports,
    wasm: BackendWasm,
  ) => tf.TensorInfo | tf.TensorInfo[] | undefined,
): tf.KernelConfig {
  if (!stock) throw new Error(`wasm has no ${kernelName} kernel to fall back to`);
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const wasm = args.backend as BackendWasm;
      const tensors = Object.values(args.inputs) as tf.TensorInfo[];
      const simd = tensors.every((t) => t.dtype === 'float32') ? gatherKernel(wasm) : undefined;
      return (simd && ours(args, simd, wasm)) || stock.kernelFunc(args);
    },
  };
}

const at = (wasm: BackendWasm, t: tf.TensorInfo) => float32View(wasm, t).byteOffset;

export function unpackKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStock('Unpack', stock, (args, simd, wasm) => {
    const { value } = args.inputs as { value: tf.TensorInfo };
    const [axis] = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, value.shape);
    const n = value.shape[axis];
    const outShape = value.shape.filter((_, i) => i !== axis);
    const outs = Array.from({ length: n }, () => wasm.makeOutput(outShape, 'float32'));
    const l = layout(value.shape, axis, new Array<number>(n).fill(1));
    copyParts(
      simd,
      at(wasm, value),
      outs.map((o) => at(wasm, o)),
      l,
      'split',
    );
    return outs;
  });
}

export function splitVKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStock('SplitV', stock, (args, simd, wasm) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as {
      numOrSizeSplits: number | number[];
      axis: number;
    };
    const [a] = tf.util.parseAxisParam(axis, x.shape);
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, a);
    const outs = sizes.map((s) =>
      wasm.makeOutput(
        x.shape.map((d, i) => (i === a ? s : d)),
        'float32',
      ),
    );
    copyParts(
      simd,
      at(wasm, x),
      outs.map((o) => at(wasm, o)),
      layout(x.shape, a, sizes),
      'split',
    );
    return outs;
  });
}

export function packKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStock('Pack', stock, (args, simd, wasm) => {
    const inputs = Object.values(args.inputs) as tf.TensorInfo[];
    const first = inputs[0];
    if (inputs.length < 2 || !inputs.every((t) => tf.util.arraysEqual(t.shape, first.shape))) {
      return undefined;
    }
    const rank = first.shape.length + 1;
    const [axis] = tf.util.parseAxisParam(
      (args.attrs as { axis: number }).axis,
      new Array(rank).fill(1),
    );
    const outShape = [...first.shape.slice(0, axis), inputs.length, ...first.shape.slice(axis)];
    const out = wasm.makeOutput(outShape, 'float32');
    const l = layout(outShape, axis, new Array<number>(inputs.length).fill(1));
    copyParts(
      simd,
      at(wasm, out),
      inputs.map((t) => at(wasm, t)),
      l,
      'join',
    );
    return out;
  });
}

export function concatKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStock('Concat', stock, (args, simd, wasm) => {
    const inputs = Object.values(args.inputs) as tf.TensorInfo[];
    const first = inputs[0];
    const [axis] = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, first.shape);
    const rank = first.shape.length;
    const fits = (t: tf.TensorInfo) =>
      t.shape.length === rank && t.shape.every((d, i) => i === axis || d === first.shape[i]);
    if (inputs.length < 2 || !inputs.every(fits)) return undefined;
    const sizes = inputs.map((t) => t.shape[axis]);
    const outShape = first.shape.map((d, i) => (i === axis ? sizes.reduce((a, b) => a + b, 0) : d));
    const out = wasm.makeOutput(outShape, 'float32');
    copyParts(
      simd,
      at(wasm, out),
      inputs.map((t) => at(wasm, t)),
      layout(outShape, axis, sizes),
      'join',
    );
    return out;
  });
}
