/**
 * `npm run build:wasm`: compiles the engine's hand-written wasm SIMD kernels (src/wasm, in
 * AssemblyScript) and writes each binary, base64, into a TypeScript module under
 * src/main/engine/runtime/kernels/simd/, so the engine loads it from any bundle or worker without
 * a file path. The generated modules are committed; a unit test rebuilds them and fails when one
 * is stale.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmKernelSources, compileWasmKernelBuilds, generatedModule } from './wasm-kernels';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const source of wasmKernelSources) {
  const builds = await compileWasmKernelBuilds(source, path.join(root, source.input));
  await fs.writeFile(path.join(root, source.output), generatedModule(source, builds));
  const sizes = [builds.plain, builds.relaxed].filter((b) => b).map((b) => b!.length);
  console.log(`${source.input} → ${source.output} (${sizes.join(' + ')} bytes)`);
}
