/**
 * Kernels the engine registers on the wasm backend: one file per kernel, listed here.
 * Each is built from the backend's own fast kernels and tested against the pure-JS backend.
 * `replaces: true` marks a kernel that wasm has but runs slowly; ours takes its place.
 */
import {
  registerGradient,
  registerKernel,
  unregisterKernel,
  getKernel,
  type GradConfig,
  type KernelConfig,
} from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { fusedBatchNormGradConfig } from './fused-batch-norm-grad';
import { maxPoolGradConfig } from './max-pool-grad';

interface WasmKernel {
  config: KernelConfig;
  /** wasm has this kernel already (a slow one) and ours replaces it. */
  replaces: boolean;
}

export const wasmKernels: WasmKernel[] = [
  { config: conv2DBackpropFilterConfig, replaces: false },
  { config: conv2DBackpropInputConfig, replaces: true },
  { config: maxPoolGradConfig, replaces: true },
];

/**
 * Gradients (backend-independent, built from ops) that replace tfjs's own where those do
 * needless work on the hot path. Registering one affects every backend.
 */
export const gradientOverrides: GradConfig[] = [fusedBatchNormGradConfig];

let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  for (const { config, replaces } of wasmKernels) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing && !replaces) continue; // a newer backend version ships it: trust its own.
    if (existing) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
  for (const g of gradientOverrides) registerGradient(g);
}
