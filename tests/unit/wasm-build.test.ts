/**
 * The committed wasm SIMD kernels are what their AssemblyScript sources compile to (a change to
 * src/wasm without `npm run build:wasm` fails here instead of shipping a stale binary), they
 * write nothing of their own into the memory they share with tfjs, and the relaxed-SIMD build of
 * a module computes what its plain build does.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  compileWasmKernelBuilds,
  generatedModule,
  wasmKernelSources,
} from '../../scripts/wasm-kernels';
import { useBackend } from '../../src/main/engine/runtime/backend';
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
  relaxedSimd,
  simdInstance,
} from '../../src/main/engine/runtime/kernels/simd/instances';

/** The ids of the sections of a wasm binary, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8; // magic + version
  while (at < bytes.length) {
    ids.push(bytes[at]);
    at += 1;
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    at += size;
  }
  return ids;
}

/** Each source compiled once for both of its checks. */
const compiled = new Map<string, ReturnType<typeof compileWasmKernelBuilds>>();
function buildsOf(source: (typeof wasmKernelSources)[number]) {
  let builds = compiled.get(source.input);
  if (!builds) compiled.set(source.input, (builds = compileWasmKernelBuilds(source)));
  return builds;
}

describe('wasm SIMD kernels', () => {
  for (const source of wasmKernelSources) {
    it(`${source.output} is up to date with ${source.input}`, async () => {
      const builds = await buildsOf(source);
      const committed = await fs.readFile(source.output, 'utf8');
      expect(committed).toBe(generatedModule(source, builds));
    });

    it(`${source.input} imports only the backend's memory and keeps no data in it`, async () => {
      const { plain, relaxed } = await buildsOf(source);
      for (const binary of relaxed ? [plain, relaxed] : [plain]) {
        if (binary === relaxed && !relaxedSimd()) continue;
        const module = new WebAssembly.Module(new Uint8Array(binary));
        expect(WebAssembly.Module.imports(module)).toEqual([
          { module: 'env', name: 'memory', kind: 'memory' },
        ]);
        // A data segment would be written over the tfjs heap at instantiation.
        const dataSection = 11;
        expect(sectionIds(binary)).not.toContain(dataSection);
      }
    });
  }
});

describe('relaxed-SIMD builds (fused multiply-add) against the plain builds', () => {
  it('runs relaxed SIMD in this Node (flag switched on where needed)', () => {
    expect(relaxedSimd()).toBe(true);
  });

  /** Runs `f` with float32 arrays placed on the wasm heap; returns `out`'s values after. */
  function onHeap(arrays: Float32Array[], outLength: number, f: (at: number[]) => void) {
    const backend = tf.backend() as BackendWasm;
    const heap = emscriptenModule(backend);
    const sizes = [...arrays.map((a) => a.length), outLength, 16 * 1024];
    const at = sizes.map((n) => heap._malloc(n * 4));
    const memory = heap.asm?.memory as WebAssembly.Memory; // read after the allocations
    try {
      arrays.forEach((a, i) => new Float32Array(memory.buffer, at[i], a.length).set(a));
      f(at);
      return new Float32Array(memory.buffer, at[arrays.length], outLength).slice();
    } finally {
      at.forEach((p) => heap._free(p));
    }
  }

  const values = (n: number, seed: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed));

  it('conv2d and filterGrad agree within float rounding', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const [n, hp, wp, ci, co] = [2, 9, 10, 5, 13];
    const [oh, ow] = [hp - 2, wp - 2];
    const x = values(n * hp * wp * ci, 1);
    const w = values(9 * ci * co, 2);
    const dy = values(n * oh * ow * co, 3);
    const results = [conv2dWasm, conv2dWasmRelaxed].map((binary) => {
      const k = simdInstance<Conv2dExports>(backend, binary)!;
      return onHeap([x, w], n * oh * ow * co, ([xa, wa, out, scratch]) =>
        k.conv2d(xa, wa, 0, out, n, hp, wp, ci, oh, ow, co, 3, 3, 1, 1, 0, scratch),
      );
    });
    const grads = [filterGradWasm, filterGradWasmRelaxed].map((binary) => {
      const k = simdInstance<FilterGradExports>(backend, binary)!;
      return onHeap([x, dy], 9 * ci * co, ([xa, da, out]) =>
        k.filterGrad(xa, da, out, n, hp, wp, ci, oh, ow, co, 3, 3, 1, 1),
      );
    });
    for (const [plain, fused] of [results, grads]) {
      const scale = Math.max(...plain.map(Math.abs));
      const worst = Math.max(...plain.map((v, i) => Math.abs(v - fused[i])));
      expect(worst / scale).toBeLessThan(1e-5);
      expect(plain.some((v, i) => v !== fused[i])).toBe(true); // really two different builds
    }
  });
});
