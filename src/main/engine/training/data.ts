/**
 * What training reads: on-manifold records (g(w) image in [0,1], latent w, label) held in memory,
 * served as minibatches by index. Seeded epoch order lives in the loop, not here.
 */
import * as tf from '@tensorflow/tfjs';
import type { MethodBatch } from './methods/types';

export interface TrainingSetArrays {
  /** g(w) images, NHWC, float in [0,1] or uint8 in 0..255. */
  images: Float32Array | Uint8Array;
  imageShape: [number, number, number];
  labels: Int32Array | Uint8Array;
  /** Latent codes w, [N, ...latentShape], when a generator exists. */
  latents?: Float32Array;
  latentShape?: number[];
}

export class TrainingSet {
  readonly size: number;
  private readonly imageSize: number;
  private readonly latentSize: number;

  constructor(readonly arrays: TrainingSetArrays) {
    const { images, imageShape, labels, latents, latentShape } = arrays;
    this.size = labels.length;
    this.imageSize = imageShape.reduce((a, b) => a * b, 1);
    this.latentSize = latentShape ? latentShape.reduce((a, b) => a * b, 1) : 0;
    if (images.length !== this.size * this.imageSize) {
      throw new Error(
        `training set: ${this.size} labels but ${images.length / this.imageSize} images of shape [${imageShape}]`,
      );
    }
    if (latents && latents.length !== this.size * this.latentSize) {
      throw new Error(
        `training set: ${this.size} labels but latents do not match [${latentShape}]`,
      );
    }
  }

  get imageShape(): [number, number, number] {
    return this.arrays.imageShape;
  }

  get latentShape(): number[] | undefined {
    return this.arrays.latents ? this.arrays.latentShape : undefined;
  }

  /** The records at `indices` as tensors (the caller disposes them). */
  batch(indices: readonly number[]): MethodBatch {
    const { images, labels, latents, latentShape } = this.arrays;
    const scale = images instanceof Uint8Array ? 1 / 255 : 1;
    const x = new Float32Array(indices.length * this.imageSize);
    const y = new Int32Array(indices.length);
    const w = latents ? new Float32Array(indices.length * this.latentSize) : undefined;
    indices.forEach((r, i) => {
      for (let j = 0; j < this.imageSize; j++) {
        x[i * this.imageSize + j] = images[r * this.imageSize + j] * scale;
      }
      y[i] = labels[r];
      w?.set(
        latents!.subarray(r * this.latentSize, (r + 1) * this.latentSize),
        i * this.latentSize,
      );
    });
    return {
      x: tf.tensor4d(x, [indices.length, ...this.imageShape]),
      y: tf.tensor1d(y, 'int32'),
      w: w ? tf.tensor(w, [indices.length, ...(latentShape as number[])]) : undefined,
    };
  }

  /** The first `n` records (or all), as a new set sharing no mutable state. */
  head(n: number): TrainingSet {
    const k = Math.min(n, this.size);
    const { images, labels, latents } = this.arrays;
    return new TrainingSet({
      ...this.arrays,
      images: images.subarray(0, k * this.imageSize),
      labels: labels.subarray(0, k),
      latents: latents?.subarray(0, k * this.latentSize),
    });
  }
}

export function disposeBatch(b: MethodBatch): void {
  tf.dispose([b.x, b.y, ...(b.w ? [b.w] : [])]);
}
