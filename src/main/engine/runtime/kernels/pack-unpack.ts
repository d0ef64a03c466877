/**
 * Pack (tf.stack) and Unpack (tf.unstack) of float32 tensors for wasm as strided copies by our
 * wasm kernel (simd/gather-module.ts). The backend builds them from a Slice per output or a
 * Concat of expanded inputs, 3.3 ms to split or join a [32,32,32,2] along its last axis (the
 * Elastic attack's flow field); one strided pass takes a fraction of that. Other dtypes go to the
 * backend's own kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gatherKernel } from './simd/gather-module';
import { float32View } from './wasm-heap';

export function unpackKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (!stock) throw new Error('wasm has no Unpack kernel to fall back to');
  return {
    kernelName: 'Unpack',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const wasm = args.backend as BackendWasm;
      const { value } = args.inputs as { value: tf.TensorInfo };
      const simd = value.dtype === 'float32' ? gatherKernel(wasm) : undefined;
      if (!simd) return stock.kernelFunc(args);
      const [axis] = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, value.shape);
      const n = value.shape[axis];
      const outShape = value.shape.filter((_, i) => i !== axis);
      const outer = tf.util.sizeFromShape(value.shape.slice(0, axis));
      const inner = tf.util.sizeFromShape(value.shape.slice(axis + 1));
      const outs = Array.from({ length: n }, () => wasm.makeOutput(outShape, 'float32'));
      const at = float32View(wasm, value).byteOffset;
      outs.forEach((out, k) =>
        simd.strided(
          at + 4 * k * inner,
          float32View(wasm, out).byteOffset,
          outer,
          inner,
          4 * n * inner,
          4 * inner,
        ),
      );
      return outs;
    },
  };
}

export function packKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (!stock) throw new Error('wasm has no Pack kernel to fall back to');
  return {
    kernelName: 'Pack',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const wasm = args.backend as BackendWasm;
      const inputs = Object.values(args.inputs) as tf.TensorInfo[];
      const first = inputs[0];
      const same =
        inputs.length > 1 &&
        inputs.every((t) => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, first.shape));
      const simd = same ? gatherKernel(wasm) : undefined;
      if (!simd) return stock.kernelFunc(args);
      const n = inputs.length;
      const outRank = first.shape.length + 1;
      const [axis] = tf.util.parseAxisParam(
        (args.attrs as { axis: number }).axis,
        new Array(outRank).fill(1),
      );
      const outShape = [...first.shape.slice(0, axis), n, ...first.shape.slice(axis)];
      const outer = tf.util.sizeFromShape(first.shape.slice(0, axis));
      const inner = tf.util.sizeFromShape(first.shape.slice(axis));
      const out = wasm.makeOutput(outShape, 'float32');
      const at = float32View(wasm, out).byteOffset;
      inputs.forEach((t, k) =>
        simd.strided(
          float32View(wasm, t).byteOffset,
          at + 4 * k * inner,
          outer,
          inner,
          4 * inner,
          4 * n * inner,
        ),
      );
      return out;
    },
  };
}
