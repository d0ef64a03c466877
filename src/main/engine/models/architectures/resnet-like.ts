/**
 * A ResNet-18-style network for larger images: a 3×3 stem, four stages of basic residual
 * blocks (two 3×3 conv + batch-norm, identity or 1×1 projection shortcut) whose width doubles
 * and resolution halves from stage to stage, then global average pooling and a linear head.
 * `blocks` [2,2,2,2] and `width` 64 give ResNet-18's layout; smaller values make cheap variants.
 */
import * as tf from '@tensorflow/tfjs';

export interface ResnetLikeOptions {
  /** Filters of the first stage (default 64; 16 is a cheap variant). */
  width?: number;
  /** Residual blocks per stage (default [2, 2, 2, 2]). */
  blocks?: number[];
}

type Sym = tf.SymbolicTensor;

function convBn(x: Sym, filters: number, kernelSize: number, strides: number, name: string): Sym {
  const c = tf.layers
    .conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, name: `${name}_conv` })
    .apply(x) as Sym;
  return tf.layers.batchNormalization({ name: `${name}_bn` }).apply(c) as Sym;
}

function basicBlock(x: Sym, filters: number, strides: number, name: string): Sym {
  const inFilters = x.shape[3];
  let h = convBn(x, filters, 3, strides, `${name}_a`);
  h = tf.layers.reLU({ name: `${name}_a_relu` }).apply(h) as Sym;
  h = convBn(h, filters, 3, 1, `${name}_b`);
  const shortcut =
    strides !== 1 || inFilters !== filters ? convBn(x, filters, 1, strides, `${name}_proj`) : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([h, shortcut]) as Sym;
  return tf.layers.reLU({ name: `${name}_out` }).apply(sum) as Sym;
}

export function resnetLike(
  inputShape: [number, number, number],
  numClasses: number,
  opts: ResnetLikeOptions = {},
): tf.LayersModel {
  const width = opts.width ?? 64;
  const blocks = opts.blocks ?? [2, 2, 2, 2];
  if (!Number.isInteger(width) || width < 1)
    throw new Error(`resnetLike: width must be a positive integer, got ${width}`);
  if (blocks.length === 0 || blocks.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new Error(`resnetLike: blocks must be positive integers, got [${blocks.join(', ')}]`);
  }
  const input = tf.input({ shape: inputShape });
  let h = convBn(input, width, 3, 1, 'stem');
  h = tf.layers.reLU({ name: 'stem_relu' }).apply(h) as Sym;
  blocks.forEach((count, stage) => {
    const filters = width * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const strides = stage > 0 && b === 0 ? 2 : 1;
      h = basicBlock(h, filters, strides, `s${stage + 1}b${b + 1}`);
    }
  });
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as Sym;
  const logits = tf.layers.dense({ units: numClasses, name: 'logits' }).apply(h) as Sym;
  return tf.model({ inputs: input, outputs: logits, name: 'resnet_like' });
}
