/**
 * Kernels the engine registers on the wasm backend: one file per kernel, listed here. Most run
 * the engine's own wasm SIMD modules (simd/, built from src/wasm) in the backend's memory, some
 * are built from the backend's own kernels; each falls back to the backend's kernel for what it
 * does not cover, and each is tested against the pure-JS backend. `replaces: true` marks a kernel
 * that wasm has but runs slowly (or wrongly); ours takes its place.
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
import { depthwiseConv2dGradConfig } from './depthwise-conv2d-grad';
import { maxPoolGradConfig } from './max-pool-grad';
import { identityConfig } from './identity';
import { castKernel } from './cast';
import { axisBlockReductionKernel } from './axis-block-reductions';
import { broadcastBinaryKernel, broadcastOps } from './broadcast-binary';
import { fusedConv2DGradConfig, useLazyFusedConv2d } from './lazy-fused-conv2d';
import { channelKernelConfigs } from './channel-kernels';
import { conv2DKernel } from './conv2d';
import { depthwiseConv2DKernel } from './depthwise-conv2d';
import { gatherV2Kernel } from './gather';
import { concatKernel, packKernel, splitVKernel, unpackKernel } from './axis-copies';
import { transposingMatMul } from './mat-mul-transposed';
import { resizeNearestGradCpuConfig, resizeNearestGradWasmConfig } from './resize-nearest-grad';

export interface WasmKernel {
  kernelName: string;
  /** wasm has this kernel already (slow or wrong) and ours replaces it. */
  replaces: boolean;
  /** Builds our kernel, given wasm's own version (which it may fall back to for some cases). */
  make: (stock: KernelConfig | undefined) => KernelConfig;
}

const fixed = (config: KernelConfig, replaces: boolean): WasmKernel => ({
  kernelName: config.kernelName,
  replaces,
  make: () => config,
});

export const wasmKernels: WasmKernel[] = [
  { kernelName: 'Conv2D', replaces: true, make: (stock) => conv2DKernel('Conv2D', stock) },
  {
    kernelName: 'FusedConv2D',
    replaces: true,
    make: (stock) => conv2DKernel('FusedConv2D', stock),
  },
  {
    kernelName: 'DepthwiseConv2dNative',
    replaces: true,
    make: (stock) => depthwiseConv2DKernel(stock),
  },
  fixed(conv2DBackpropFilterConfig, false),
  {
    kernelName: 'BatchMatMul',
    replaces: true,
    make: (stock) => transposingMatMul('BatchMatMul', stock),
  },
  {
    kernelName: '_FusedMatMul',
    replaces: true,
    make: (stock) => transposingMatMul('_FusedMatMul', stock),
  },
  fixed(conv2DBackpropInputConfig, true),
  fixed(maxPoolGradConfig, true),
  { kernelName: 'GatherV2', replaces: true, make: (stock) => gatherV2Kernel(stock) },
  { kernelName: 'Pack', replaces: true, make: (stock) => packKernel(stock) },
  { kernelName: 'Unpack', replaces: true, make: (stock) => unpackKernel(stock) },
  { kernelName: 'SplitV', replaces: true, make: (stock) => splitVKernel(stock) },
  { kernelName: 'Concat', replaces: true, make: (stock) => concatKernel(stock) },
  fixed(resizeNearestGradWasmConfig, true),
  fixed(identityConfig, true),
  { kernelName: 'Cast', replaces: true, make: (stock) => castKernel(stock) },
  { kernelName: 'Sum', replaces: true, make: (stock) => axisBlockReductionKernel('Sum', stock) },
  { kernelName: 'Mean', replaces: true, make: (stock) => axisBlockReductionKernel('Mean', stock) },
  ...broadcastOps.map((name): WasmKernel => ({
    kernelName: name,
    replaces: true,
    make: (stock) => broadcastBinaryKernel(name, stock),
  })),
  // The engine's own, for batch-norm in training mode (used through runtime/channel-ops.ts).
  ...channelKernelConfigs.map((config) => fixed(config, false)),
];

/** The kernel configs the engine registered on wasm, by name (for tests and the lever bench). */
export const engineKernels = new Map<string, KernelConfig>();

/**
 * Gradients (backend-independent, built from ops) that replace tfjs's own where those do
 * needless work on the hot path, or that tfjs lacks (FusedConv2D recorded as a kernel by the
 * lazy fused conv2d), or whose kernels wasm lacks (depthwise convolution). Registering one
 * affects every backend.
 */
export const gradientOverrides: GradConfig[] = [
  fusedBatchNormGradConfig,
  fusedConv2DGradConfig,
  depthwiseConv2dGradConfig,
];

/** Fixes for the pure-JS cpu backend's own kernels (each says what it fixes). */
const cpuKernelFixes: KernelConfig[] = [resizeNearestGradCpuConfig];

let cpuFixed = false;

export function registerCpuKernelFixes(): void {
  if (cpuFixed) return;
  cpuFixed = true;
  for (const config of cpuKernelFixes) {
    if (getKernel(config.kernelName, 'cpu')) unregisterKernel(config.kernelName, 'cpu');
    registerKernel(config);
  }
}

let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  for (const { kernelName, replaces, make } of wasmKernels) {
    const existing = getKernel(kernelName, 'wasm');
    if (existing && !replaces) continue; // a newer backend version ships it: trust its own.
    const config = make(existing);
    if (existing) unregisterKernel(kernelName, 'wasm');
    registerKernel(config);
    engineKernels.set(kernelName, config);
  }
  for (const g of gradientOverrides) registerGradient(g);
  // Backend-independent and global, like the gradients: tf.fused.conv2d with lazy gradients.
  useLazyFusedConv2d(true);
}
