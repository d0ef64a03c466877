/**
 * Multiply, Add, Sub, Maximum, Minimum and RealDiv, and the comparisons Equal, NotEqual, Greater,
 * GreaterEqual, Less and LessEqual, for wasm when one operand is broadcast over one block of axes
 * of the other: per-image channel scales [B,1,1,C] (the generator's FiLM
 * modulation), per-pixel values [B,H,W,1] against channels (the Snow attack's Maximum), per-image
 * scalars [B,1,1,1]. The backend's broadcasting path is a general index loop, 5–100× slower than
 * one pass (simd/channel-ops-module.ts): a [32,32,32,3] Maximum with [32,32,32,1] took 13 ms, a
 * per-image Equal in the Fog and Gabor attacks 4 ms.
 * Anything else (equal shapes, both operands broadcast, other dtypes) goes to the backend's own.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { channelOpsKernel } from './simd/channel-ops-module';
import { float32View } from './wasm-heap';

/** The operation codes of src/wasm/channel-ops.ts's broadcast and compareBroadcast. */
const OPS = { Multiply: 0, Add: 1, Sub: 2, Maximum: 3, Minimum: 4, RealDiv: 5 } as const;
const COMPARISONS = {
  Equal: 0,
  NotEqual: 1,
  Greater: 2,
  GreaterEqual: 3,
  Less: 4,
  LessEqual: 5,
} as const;
export type BroadcastOp = keyof typeof OPS | keyof typeof COMPARISONS;
export const broadcastOps = [...Object.keys(OPS), ...Object.keys(COMPARISONS)] as BroadcastOp[];

/**
 * big as [outer, mid, inner] with small as [outer, 1, inner], or undefined when small is not
 * big broadcast over one block of axes (shapes aligned at the right, as broadcasting does).
 */
export function broadcastBlock(
  big: number[],
  small: number[],
): { outer: number; mid: number; inner: number } | undefined {
  if (small.length > big.length) return undefined;
  const s = [...new Array<number>(big.length - small.length).fill(1), ...small];
  // Per axis: 'k' kept (same size), 'b' broadcast (1 against more), '-' size 1 in both.
  const kinds = big.map((d, i) => {
    if (s[i] === d) return d === 1 ? '-' : 'k';
    return s[i] === 1 ? 'b' : 'x'; // 'x': small is the larger here, both would broadcast
  });
  const pattern = kinds.filter((k) => k !== '-').join('');
  if (!/^k*b+k*$/.test(pattern)) return undefined;
  const first = kinds.indexOf('b');
  const last = kinds.lastIndexOf('b');
  const size = (from: number, to: number) => tf.util.sizeFromShape(big.slice(from, to));
  return { outer: size(0, first), mid: size(first, last + 1), inner: size(last + 1, big.length) };
}

export function broadcastBinaryKernel(
  kernelName: BroadcastOp,
  stock: tf.KernelConfig | undefined,
): tf.KernelConfig {
  if (!stock) throw new Error(`wasm has no ${kernelName} kernel to fall back to`);
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const wasm = args.backend as BackendWasm;
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const floats = a.dtype === 'float32' && b.dtype === 'float32';
      const simd = floats ? channelOpsKernel(wasm) : undefined;
      const aBig = tf.util.sizeFromShape(a.shape) >= tf.util.sizeFromShape(b.shape);
      const [x, s] = aBig ? [a, b] : [b, a];
      const block = simd ? broadcastBlock(x.shape, s.shape) : undefined;
      if (!simd || !block) return stock.kernelFunc(args);
      const comparison = kernelName in COMPARISONS;
      const out = wasm.makeOutput(x.shape, comparison ? 'bool' : 'float32');
      const run = comparison ? simd.compareBroadcast : simd.broadcast;
      const code = comparison
        ? COMPARISONS[kernelName as keyof typeof COMPARISONS]
        : OPS[kernelName as keyof typeof OPS];
      run(
        float32View(wasm, x).byteOffset,
        float32View(wasm, s).byteOffset,
        wasm.typedArrayFromHeap(out).byteOffset,
        block.outer,
        block.mid,
        block.inner,
        code,
        aBig ? 0 : 1,
      );
      return out;
    },
  };
}
