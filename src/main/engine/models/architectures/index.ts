/**
 * The built-in networks, listed once so the UI and the CLI can offer them by name. Every
 * builder returns a LayersModel whose output is logits (no softmax).
 */
import type * as tf from '@tensorflow/tfjs';
import { benchCnn } from './bench-cnn';
import { resnetLike } from './resnet-like';
import { smallCnn } from './small-cnn';

export { benchCnn } from './bench-cnn';
export { resnetLike, type ResnetLikeOptions } from './resnet-like';
export { smallCnn, type SmallCnnOptions } from './small-cnn';

export interface ArchitectureEntry {
  /** Display name. */
  name: string;
  /** One sentence for the UI: what it is and what it suits. */
  description: string;
  /** Input shapes it is meant for, as a hint ([H, W, C]); any shape with H, W ≥ 8 builds. */
  suggestedInputShape: [number, number, number];
  build: (inputShape: [number, number, number], numClasses: number) => tf.LayersModel;
}

export const architectures: Record<string, ArchitectureEntry> = {
  'small-cnn': {
    name: 'Small CNN',
    description:
      'Two conv blocks (32, 64 filters, batch-norm, 2×2 max-pool) and a 128-unit dense layer; fast, for 28×28 grayscale images.',
    suggestedInputShape: [28, 28, 1],
    build: (shape, classes) => smallCnn(shape, classes),
  },
  'resnet18-like': {
    name: 'ResNet-18-like',
    description:
      'ResNet-18 layout (4 stages × 2 basic residual blocks, 64–512 filters) for larger colour images; slow on CPU.',
    suggestedInputShape: [64, 64, 3],
    build: (shape, classes) => resnetLike(shape, classes, { width: 64, blocks: [2, 2, 2, 2] }),
  },
  'resnet-small': {
    name: 'Small ResNet',
    description:
      'ResNet-18 layout at a quarter of the width (16–128 filters); a cheap residual network for 32×32 to 64×64 images.',
    suggestedInputShape: [32, 32, 3],
    build: (shape, classes) => resnetLike(shape, classes, { width: 16, blocks: [2, 2, 2, 2] }),
  },
  'bench-cnn': {
    name: 'Benchmark CNN',
    description:
      'The fixed benchmark network: 3 × (conv3×3 32/64/64 + batch-norm + ReLU), two 2×2 max-pools, global average pool, dense.',
    suggestedInputShape: [32, 32, 3],
    build: (shape, classes) => benchCnn(shape, classes),
  },
};
