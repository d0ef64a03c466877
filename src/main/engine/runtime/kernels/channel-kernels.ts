/**
 * The per-channel passes of batch-norm in training mode as wasm kernels (our SIMD module,
 * simd/channel-ops-module.ts). Inputs are float32 activations whose last axis is the channel
 * one, seen as [rows, c]; per-channel operands have c values. They exist on wasm only: callers
 * go through runtime/channel-ops.ts, which uses tfjs ops on other backends.
 *
 *   DmatChannelMoments {x}              → [2, c]: mean, M2 = Σ (x − mean)²
 *   DmatChannelSums    {dy, x}          → [2, c]: Σ dy, Σ dy·x
 *   DmatChannelAffine  {x, a, b}        → x·a + b
 *   DmatChannelAffine2 {dy, x, a, b, k} → dy·a + x·b + k
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { channelOpsKernel, type ChannelOpsExports } from './simd/channel-ops-module';
import { withScratch } from './simd/instances';
import { float32View } from './wasm-heap';

type Inputs = Record<string, tf.TensorInfo>;

function kernelFor(backend: unknown): { wasm: BackendWasm; ops: ChannelOpsExports } {
  const wasm = backend as BackendWasm;
  const ops = channelOpsKernel(wasm);
  // runtime/channel-ops.ts calls these only where the module loads.
  if (!ops) throw new Error('the wasm SIMD channel kernels cannot reach the backend memory');
  return { wasm, ops };
}

function rowsAndChannels(x: tf.TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1];
  return [c === 0 ? 0 : x.shape.reduce((n, d) => n * d, 1) / c, c];
}

const at = (wasm: BackendWasm, t: tf.TensorInfo) => float32View(wasm, t).byteOffset;

/** Reductions to [2, c], with 2c f64 of scratch for the running sums. */
function reduction(
  kernelName: string,
  run: (
    ops: ChannelOpsExports,
    wasm: BackendWasm,
    inputs: Inputs,
    rows: number,
    c: number,
    out: number,
    scratch: number,
  ) => void,
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { wasm, ops } = kernelFor(backend);
      const x = (inputs as Inputs).x;
      const [rows, c] = rowsAndChannels(x);
      const out = wasm.makeOutput([2, c], 'float32');
      const outAt = at(wasm, out);
      withScratch(wasm, 16 * Math.max(c, 1), (scratch) =>
        run(ops, wasm, inputs as Inputs, rows, c, outAt, scratch),
      );
      return out;
    },
  };
}

export const channelMomentsConfig = reduction(
  'DmatChannelMoments',
  (ops, wasm, { x }, rows, c, out, scratch) => ops.moments(at(wasm, x), rows, c, out, scratch),
);

export const channelSumsConfig = reduction(
  'DmatChannelSums',
  (ops, wasm, { dy, x }, rows, c, out, scratch) =>
    ops.sums(at(wasm, dy), at(wasm, x), rows, c, out, scratch),
);

export const channelAffineConfig: tf.KernelConfig = {
  kernelName: 'DmatChannelAffine',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { wasm, ops } = kernelFor(backend);
    const { x, a, b } = inputs as Inputs;
    const [rows, c] = rowsAndChannels(x);
    const y = wasm.makeOutput(x.shape, 'float32');
    ops.affine(at(wasm, x), at(wasm, a), at(wasm, b), at(wasm, y), rows, c);
    return y;
  },
};

export const channelAffine2Config: tf.KernelConfig = {
  kernelName: 'DmatChannelAffine2',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { wasm, ops } = kernelFor(backend);
    const { dy, x, a, b, k } = inputs as Inputs;
    const [rows, c] = rowsAndChannels(x);
    const out = wasm.makeOutput(x.shape, 'float32');
    ops.affine2(
      at(wasm, dy),
      at(wasm, x),
      at(wasm, a),
      at(wasm, b),
      at(wasm, k),
      at(wasm, out),
      rows,
      c,
    );
    return out;
  },
};

export const channelKernelConfigs = [
  channelMomentsConfig,
  channelSumsConfig,
  channelAffineConfig,
  channelAffine2Config,
];
