/**
 * The committed wasm SIMD kernels are what their AssemblyScript sources compile to: a change to
 * src/wasm without `npm run build:wasm` fails here instead of shipping a stale binary.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { compileWasmKernel, generatedModule, wasmKernelSources } from '../../scripts/wasm-kernels';

describe('wasm SIMD kernels', () => {
  for (const source of wasmKernelSources) {
    it(`${source.output} is up to date with ${source.input}`, async () => {
      const binary = await compileWasmKernel(source.input);
      const committed = await fs.readFile(source.output, 'utf8');
      expect(committed).toBe(generatedModule(source, binary));
    });

    it(`${source.input} imports only the backend's memory and keeps no data in it`, async () => {
      const binary = await compileWasmKernel(source.input);
      const module = new WebAssembly.Module(new Uint8Array(binary));
      expect(WebAssembly.Module.imports(module)).toEqual([
        { module: 'env', name: 'memory', kind: 'memory' },
      ]);
      // A data segment would be written over the tfjs heap at instantiation.
      const dataSection = 11;
      expect(sectionIds(binary)).not.toContain(dataSection);
    });
  }
});

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
