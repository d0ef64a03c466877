/**
 * Training the built-in generator as the decoder of a variational autoencoder.
 *
 * Why a VAE rather than a GAN: on two CPU cores a GAN needs far more steps and careful balancing,
 * while a VAE converges in one or two passes over Fashion-MNIST and never collapses. Its decoder
 * is a generator in the paper's sense — every g(w) is exactly on its range — and the encoder gives
 * projection a starting point close to the optimum, so eq. 7 needs tens of steps, not 1,000.
 *
 * Loss per image, averaged over pixels:  mean|x − g(z)| + β·KL(q(z|x) ‖ N(0, I)) / P, with
 * z = μ + σ·ε. The L1 reconstruction (a Laplace likelihood) keeps edges sharper than L2, and
 * matches the L1 term of the projection objective.
 */
import * as tf from '@tensorflow/tfjs';
import type { NdArray } from '../data/ndarray';
import { epochBatches, imageBatch, nextTick } from './batches';
import { trainable } from './featureNetwork';
import {
  buildEncoder,
  buildGenerator,
  latentShapeFor,
  type GeneratorArchitecture,
} from './generatorArchitecture';

export interface GeneratorTrainingOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** β: weight of the KL term (per image) relative to the summed L1 reconstruction error. */
  klWeight: number;
  seed: number;
  onProgress?: (p: { step: number; total: number; epoch: number; l1: number; kl: number }) => void;
}

export const DEFAULT_GENERATOR_TRAINING: Omit<GeneratorTrainingOptions, 'onProgress'> = {
  epochs: 2,
  batchSize: 64,
  learningRate: 2e-3,
  klWeight: 0.1,
  seed: 0,
};

export interface TrainedGenerator {
  generator: tf.LayersModel;
  encoder: tf.LayersModel;
  latentShape: [number, number];
  /** Per epoch: mean reconstruction L1 ([0,1] pixel units) and mean KL per image (nats). */
  history: { epoch: number; l1: number; kl: number }[];
}

/** Train generator + encoder on images (uint8 0–255 or float [0,1], NHWC). */
export async function trainGenerator(
  images: NdArray,
  arch: GeneratorArchitecture,
  opts: GeneratorTrainingOptions,
): Promise<TrainedGenerator> {
  const latentShape = latentShapeFor(arch);
  const generator = buildGenerator(arch, opts.seed);
  const encoder = buildEncoder(arch, opts.seed);
  const vars = [...trainable(generator), ...trainable(encoder)];
  const optimizer = tf.train.adam(opts.learningRate);
  const n = images.shape[0];
  const pixels = arch.imageShape[0] * arch.imageShape[1] * arch.imageShape[2];
  const perEpoch = Math.ceil(n / opts.batchSize);
  const total = perEpoch * opts.epochs;
  const history: TrainedGenerator['history'] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      let sumL1 = 0;
      let sumKl = 0;
      for (const idx of epochBatches(n, opts.batchSize, opts.seed * 7 + epoch)) {
        // Cosine decay over the whole run: large steps early, a settled decoder at the end.
        const lr = opts.learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / total));
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        const [l1, kl] = tf.tidy(() => {
          const x = imageBatch(images, idx);
          let parts: tf.Scalar[] = [];
          optimizer.minimize(
            () => {
              const [mu, logVar] = encoder.apply(x, { training: true }) as tf.Tensor2D[];
              const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', opts.seed * 100003 + step);
              const z = mu
                .add(logVar.mul(0.5).exp().mul(eps))
                .reshape([idx.length, ...latentShape]);
              const rec = generator.apply(z, { training: true }) as tf.Tensor4D;
              const l1Mean = rec.sub(x).abs().mean() as tf.Scalar;
              const klPerImage = mu
                .square()
                .add(logVar.exp())
                .sub(logVar)
                .sub(1)
                .sum(1)
                .mul(0.5)
                .mean() as tf.Scalar;
              parts = [tf.keep(l1Mean), tf.keep(klPerImage)];
              return l1Mean.add(klPerImage.mul(opts.klWeight / pixels)) as tf.Scalar;
            },
            false,
            vars,
          );
          const values = parts.map((t) => t.dataSync()[0]);
          tf.dispose(parts);
          return values;
        });
        sumL1 += l1 * idx.length;
        sumKl += kl * idx.length;
        step++;
        opts.onProgress?.({ step, total, epoch, l1, kl });
        if (step % 4 === 0) await nextTick();
      }
      history.push({ epoch, l1: sumL1 / n, kl: sumKl / n });
    }
  } catch (err) {
    generator.dispose();
    encoder.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
  return { generator, encoder, latentShape, history };
}
