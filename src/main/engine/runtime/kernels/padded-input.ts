/**
 * The input a convolution kernel of ours reads: exactly the rows and columns the convolution
 * uses, with its zero padding. Without padding that is x itself (trailing rows and columns no
 * window reaches are simply not read); otherwise a padded copy in scratch on the wasm heap.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DGeometry } from './conv-geometry';
import { withScratch } from './simd/instances';
import { float32View } from './wasm-heap';

/** The SIMD modules' pad (src/wasm/pad.ts). */
export type PadKernel = (
  src: number,
  dst: number,
  n: number,
  h: number,
  w: number,
  c: number,
  top: number,
  bottom: number,
  left: number,
  right: number,
) => void;

/** Runs `f` on the padded input: its heap offset, image height and row width. */
export function withPaddedInput<T>(
  backend: BackendWasm,
  pad: PadKernel,
  x: tf.TensorInfo,
  g: Conv2DGeometry,
  f: (at: number, height: number, width: number) => T,
): T {
  const usedHeight = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const usedWidth = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  const bottom = usedHeight - g.inHeight - g.padTop;
  const right = usedWidth - g.inWidth - g.padLeft;
  const xAt = float32View(backend, x).byteOffset;
  if (g.padTop === 0 && g.padLeft === 0 && bottom <= 0 && right <= 0) {
    return f(xAt, g.inHeight, g.inWidth);
  }
  const bytes = g.batch * usedHeight * usedWidth * g.inChannels * 4;
  return withScratch(backend, bytes, (padded) => {
    pad(
      xAt,
      padded,
      g.batch,
      g.inHeight,
      g.inWidth,
      g.inChannels,
      g.padTop,
      bottom,
      g.padLeft,
      right,
    );
    return f(padded, usedHeight, usedWidth);
  });
}
