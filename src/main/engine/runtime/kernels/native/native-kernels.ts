/**
 * The optional native convolution kernels (native/, AVX2 + FMA, built by node-gyp at install):
 * the same functions as the wasm SIMD modules' conv2d and filterGrad, on the same tensors in
 * the tfjs wasm backend's memory. Wasm SIMD is 128 bits wide, so the wasm kernels reach about
 * half of the arithmetic a core's 256-bit FMA units do; the native ones close that gap. Where
 * the addon is absent (no compiler at install, not x86-64, a CPU without AVX2) or
 * DMAT_NATIVE_KERNELS=0, the wasm kernels run: same results within float rounding.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { emscriptenModule } from '../simd/instances';

export interface NativeKernels {
  conv2d(memory: ArrayBuffer, ...args: number[]): void;
  filterGrad(memory: ArrayBuffer, ...args: number[]): void;
}

let loaded: NativeKernels | null | undefined;

export function nativeKernels(): NativeKernels | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  if (process.env.DMAT_NATIVE_KERNELS === '0') return undefined;
  try {
    const mod = createRequire(import.meta.url)('@dmat/native-kernels') as {
      kernels?: NativeKernels;
    };
    loaded = mod.kernels ?? null;
  } catch {
    loaded = null;
  }
  return loaded ?? undefined;
}

/**
 * The wasm backend's memory (its buffer is read at each call: it is replaced when the heap
 * grows), or undefined where the native kernels cannot use it: a threaded build's shared
 * memory is not an ArrayBuffer.
 */
export function memoryOf(backend: BackendWasm): WebAssembly.Memory | undefined {
  const memory = emscriptenModule(backend).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  return memory.buffer instanceof ArrayBuffer ? memory : undefined;
}
