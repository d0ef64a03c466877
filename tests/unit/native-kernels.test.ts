/**
 * The native AVX2/FMA convolution kernels (native/) against the wasm SIMD kernels they stand in
 * for, on the same tensors in the wasm backend's memory: the forward convolution (with bias and
 * ReLU) and the filter gradient over geometries that reach every tile and tail of both (16- and
 * 8-wide channel panels, 6/2/1 and 12/4/1 positions per tile, one to four output channels as
 * dot products, strides, non-square filters).
 * kernels.test.ts checks the whole path, native kernels included, against the pure-JS backend.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../../src/main/engine/runtime/backend';
import { nativeKernels } from '../../src/main/engine/runtime/kernels/native/native-kernels';
import { conv2dKernel } from '../../src/main/engine/runtime/kernels/simd/conv2d-module';
import {
  conv2dWasm,
  conv2dWasmRelaxed,
} from '../../src/main/engine/runtime/kernels/simd/conv2d-binary';
import {
  filterGradWasm,
  filterGradWasmRelaxed,
} from '../../src/main/engine/runtime/kernels/simd/filter-grad-binary';
import type { Conv2dExports } from '../../src/main/engine/runtime/kernels/simd/conv2d-module';
import type { FilterGradExports } from '../../src/main/engine/runtime/kernels/simd/filter-grad-module';
import {
  emscriptenModule,
  pickBuild,
  simdInstance,
  withScratch,
} from '../../src/main/engine/runtime/kernels/simd/instances';
import { float32View } from '../../src/main/engine/runtime/kernels/wasm-heap';

/** Whether this machine can run the addon: x86-64 with AVX2 and FMA. */
function cpuCanRunNative(): boolean {
  if (process.arch !== 'x64') return false;
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    return /\bavx2\b/.test(flags) && /\bfma\b/.test(flags);
  } catch {
    return false;
  }
}

function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  expect(worst / Math.max(scale, 1e-30)).toBeLessThan(tol);
}

interface Geometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  s: number;
}

const cases: Geometry[] = [
  { n: 2, h: 10, w: 15, ci: 3, co: 32, kh: 3, kw: 3, s: 1 }, // first layer, 16-wide panels
  { n: 2, h: 9, w: 14, ci: 32, co: 64, kh: 3, kw: 3, s: 1 },
  { n: 1, h: 8, w: 8, ci: 64, co: 64, kh: 3, kw: 3, s: 1 },
  { n: 2, h: 12, w: 29, ci: 32, co: 3, kh: 3, kw: 3, s: 1 }, // narrow: 12/4/1 positions
  { n: 2, h: 7, w: 9, ci: 5, co: 13, kh: 3, kw: 3, s: 1 }, // 13 of 16 lanes
  { n: 3, h: 9, w: 11, ci: 4, co: 17, kh: 3, kw: 3, s: 2 }, // one lane past a panel, stride 2
  { n: 2, h: 8, w: 13, ci: 6, co: 9, kh: 5, kw: 3, s: 1 }, // 9 channels: 16-wide, non-square
  { n: 1, h: 6, w: 7, ci: 16, co: 2, kh: 1, kw: 1, s: 1 }, // 1×1, two channels
  { n: 2, h: 11, w: 10, ci: 7, co: 8, kh: 3, kw: 3, s: 2 }, // exactly one narrow panel
  { n: 1, h: 5, w: 5, ci: 1, co: 40, kh: 3, kw: 3, s: 1 }, // one input channel, 40 outputs
  { n: 2, h: 12, w: 11, ci: 7, co: 1, kh: 5, kw: 5, s: 1 }, // few channels: one, span 35
  { n: 2, h: 9, w: 10, ci: 5, co: 3, kh: 3, kw: 3, s: 2 }, // few channels, scalar span tail
  { n: 1, h: 7, w: 9, ci: 8, co: 4, kh: 3, kw: 3, s: 1 }, // four, bias and ReLU per lane
  { n: 2, h: 6, w: 8, ci: 2, co: 4, kh: 3, kw: 3, s: 1 }, // span 6 < 8: the narrow path
];

const outSize = (g: Geometry) => ({
  oh: Math.floor((g.h - g.kh) / g.s) + 1,
  ow: Math.floor((g.w - g.kw) / g.s) + 1,
});
const label = (g: Geometry) =>
  `x ${g.n}×${g.h}×${g.w}×${g.ci}, k ${g.kh}×${g.kw}, c_out ${g.co}, stride ${g.s}`;

describe('native convolution kernels', () => {
  let backend: BackendWasm;
  let wasmConv: Conv2dExports;
  let wasmGrad: FilterGradExports;
  const native = nativeKernels();

  beforeAll(async () => {
    await useBackend('wasm');
    backend = tf.backend() as BackendWasm;
    wasmConv = simdInstance<Conv2dExports>(backend, pickBuild(conv2dWasm, conv2dWasmRelaxed))!;
    wasmGrad = simdInstance<FilterGradExports>(
      backend,
      pickBuild(filterGradWasm, filterGradWasmRelaxed),
    )!;
  });

  it('are built and used where the CPU can run them (x86-64 with AVX2 and FMA)', () => {
    if (!cpuCanRunNative()) {
      expect(native).toBeUndefined();
      return;
    }
    expect(native).toBeDefined();
    expect(conv2dKernel(backend)!.conv2d).not.toBe(wasmConv.conv2d);
  });

  const at = (t: tf.Tensor) => float32View(backend, t).byteOffset;
  const memory = () => emscriptenModule(backend).asm!.memory as WebAssembly.Memory;

  for (const g of cases) {
    for (const [bias, relu] of [
      [false, false],
      [true, true],
    ] as const) {
      it(`forward ${label(g)}${bias ? ', bias' : ''}${relu ? ', relu' : ''} equals the wasm kernel`, () => {
        if (!native) return expect(cpuCanRunNative()).toBe(false);
        const { oh, ow } = outSize(g);
        const x = tf.tensor(randomArray(g.n * g.h * g.w * g.ci, 1), [g.n, g.h, g.w, g.ci]);
        const w = tf.tensor(randomArray(g.kh * g.kw * g.ci * g.co, 2), [g.kh, g.kw, g.ci, g.co]);
        const b = tf.tensor(randomArray(g.co, 3), [g.co]);
        const outs = [0, 1].map(() => tf.zeros([g.n, oh, ow, g.co]));
        const args = [g.n, g.h, g.w, g.ci, oh, ow, g.co, g.kh, g.kw, g.s, g.s] as const;
        withScratch(backend, g.kh * g.kw * g.ci * (g.co + 4) * 4, (panels) =>
          wasmConv.conv2d(
            at(x),
            at(w),
            bias ? at(b) : 0,
            at(outs[0]),
            ...args,
            relu ? 1 : 0,
            panels,
          ),
        );
        native.conv2d(
          memory().buffer,
          at(x),
          at(w),
          bias ? at(b) : 0,
          at(outs[1]),
          ...args,
          relu ? 1 : 0,
        );
        expectClose(outs[1].dataSync() as Float32Array, outs[0].dataSync() as Float32Array);
        tf.dispose([x, w, b, ...outs]);
      });
    }
    it(`filter gradient ${label(g)} equals the wasm kernel`, () => {
      if (!native) return expect(cpuCanRunNative()).toBe(false);
      const { oh, ow } = outSize(g);
      const x = tf.tensor(randomArray(g.n * g.h * g.w * g.ci, 4), [g.n, g.h, g.w, g.ci]);
      const dy = tf.tensor(randomArray(g.n * oh * ow * g.co, 5), [g.n, oh, ow, g.co]);
      const outs = [0, 1].map(() => tf.fill([g.kh, g.kw, g.ci, g.co], 7));
      const args = [g.n, g.h, g.w, g.ci, oh, ow, g.co, g.kh, g.kw, g.s, g.s] as const;
      wasmGrad.filterGrad(at(x), at(dy), at(outs[0]), ...args);
      native.filterGrad(memory().buffer, at(x), at(dy), at(outs[1]), ...args);
      expectClose(outs[1].dataSync() as Float32Array, outs[0].dataSync() as Float32Array);
      tf.dispose([x, dy, ...outs]);
    });
  }

  it('refuse a tensor outside the memory with one clear error', () => {
    if (!native) return expect(cpuCanRunNative()).toBe(false);
    const bytes = memory().buffer.byteLength;
    expect(() =>
      native.conv2d(memory().buffer, bytes - 4, 0, 0, 0, 1, 3, 3, 1, 1, 1, 1, 3, 3, 1, 1, 0),
    ).toThrow(/outside the memory/);
  });

  it('refuse a geometry that would read past the padded input', () => {
    if (!native) return expect(cpuCanRunNative()).toBe(false);
    // A 3×3 input cannot give a 2×2 output of a 3×3 filter at stride 1.
    expect(() =>
      native.conv2d(memory().buffer, 0, 64, 0, 128, 1, 3, 3, 1, 2, 2, 1, 3, 3, 1, 1, 0),
    ).toThrow(/inconsistent convolution geometry/);
    expect(() =>
      native.filterGrad(memory().buffer, 0, 64, 128, 1, 3, 3, 1, 2, 2, 1, 3, 3, 1, 1),
    ).toThrow(/inconsistent convolution geometry/);
  });
});
