/** The wasm SIMD per-channel passes of batch-norm (src/wasm/channel-ops.ts). */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { channelOpsWasm } from './channel-ops-binary';
import { simdInstance } from './instances';

export interface ChannelOpsExports {
  moments(x: number, rows: number, c: number, out: number, scratch: number): void;
  sums(dy: number, x: number, rows: number, c: number, out: number, scratch: number): void;
  columnSums(
    x: number,
    outer: number,
    rows: number,
    c: number,
    out: number,
    scratch: number,
    scale: number,
  ): void;
  broadcast(
    x: number,
    s: number,
    out: number,
    outer: number,
    mid: number,
    inner: number,
    op: number,
    smallFirst: number,
  ): void;
  compareBroadcast(
    x: number,
    s: number,
    out: number,
    outer: number,
    mid: number,
    inner: number,
    op: number,
    smallFirst: number,
  ): void;
  affine(x: number, a: number, b: number, y: number, rows: number, c: number): void;
  affine2(
    dy: number,
    x: number,
    a: number,
    b: number,
    k: number,
    out: number,
    rows: number,
    c: number,
  ): void;
}

export function channelOpsKernel(backend: BackendWasm): ChannelOpsExports | undefined {
  return simdInstance<ChannelOpsExports>(backend, channelOpsWasm);
}
