/**
 * `dmat generator train`: train the built-in generator (a W+-style decoder, trained as a VAE)
 * on an image set, with its encoder and, when labels are given, the feature network used by
 * projection's perceptual term. The output folder is what `dmat dataset build --generator` takes.
 */
import path from 'node:path';
import { exists } from '../../engine/data/atomic';
import { balancedSample, permutation } from '../../engine/manifold/random';
import {
  DEFAULT_BASE_CHANNELS,
  DEFAULT_CODE_SIZE,
  latentShapeFor,
  type GeneratorArchitecture,
} from '../../engine/manifold/generatorArchitecture';
import {
  DEFAULT_GENERATOR_TRAINING,
  trainGenerator,
} from '../../engine/manifold/generatorTraining';
import { readImageSource, takeSplit } from '../../engine/manifold/imageSource';
import { buildFeatureClassifier, trainClassifier } from '../../engine/manifold/featureNetwork';
import { ENCODER_DIR, FEATURES_DIR, saveModelFolder } from '../../engine/manifold/modelFolder';
import { saveClassifier, saveGenerator } from '../../engine/models/save';
import { initBackend } from '../../engine/runtime/backend';
import { UserError, type CliCommand } from '../command';
import { intFlag, parseFlags, positiveFlag } from '../flags';
import { progressBar } from './progressBar';

const usage = `dmat generator train --images I [--labels L] --out G [options]

Train the built-in generator: a small convolutional decoder with one latent code per synthesis
layer (latent shape [L, d]: L = 2 + number of ×2 upsamplings, from the image size), trained as
the decoder of a VAE. Saves G/ (generator), G/encoder/ (initialises projection) and, when labels
are given, G/features/ (the feature network of projection's perceptual term).

  --images I        folder in the MNIST layout, or an IDX/NPY image file
  --labels L        label file for an image file (a folder brings its own)
  --out G           output folder (must not exist)
  --epochs N        passes over the images (default ${DEFAULT_GENERATOR_TRAINING.epochs})
  --latent D        code width d per synthesis layer (default ${DEFAULT_CODE_SIZE})
  --channels C      channels at the coarsest resolution (default ${DEFAULT_BASE_CHANNELS})
  --samples N       train on a seeded sample of N images (class-balanced when labelled)
  --batch N         batch size (default ${DEFAULT_GENERATOR_TRAINING.batchSize})
  --lr X            Adam learning rate (default ${DEFAULT_GENERATOR_TRAINING.learningRate})
  --kl X            weight β of the KL term (default ${DEFAULT_GENERATOR_TRAINING.klWeight})
  --feature-epochs N  epochs of the feature network (default 1; 0 = none)
  --seed N          seed (default 0)`;

async function train(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    images: { type: 'string' },
    labels: { type: 'string' },
    out: { type: 'string' },
    epochs: { type: 'string' },
    latent: { type: 'string' },
    channels: { type: 'string' },
    samples: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    kl: { type: 'string' },
    'feature-epochs': { type: 'string' },
    seed: { type: 'string' },
  });
  if (!values.images) throw new UserError(`--images is required\n\n${usage}`);
  if (!values.out) throw new UserError(`--out is required\n\n${usage}`);
  if (await exists(values.out))
    throw new UserError(`${values.out} exists already; choose a new --out folder`);
  const seed = intFlag(values.seed, 'seed', 0);
  const opts = {
    epochs: intFlag(values.epochs, 'epochs', DEFAULT_GENERATOR_TRAINING.epochs, 1),
    batchSize: intFlag(values.batch, 'batch', DEFAULT_GENERATOR_TRAINING.batchSize, 1),
    learningRate: positiveFlag(values.lr, 'lr', DEFAULT_GENERATOR_TRAINING.learningRate),
    klWeight: positiveFlag(values.kl, 'kl', DEFAULT_GENERATOR_TRAINING.klWeight),
    seed,
  };
  const featureEpochs = intFlag(values['feature-epochs'], 'feature-epochs', 1);

  const report = await initBackend();
  const source = await readImageSource(values.images, values.labels);
  let data = source.splits.train;
  const numClasses = Math.max(...data.y) + 1;
  if (values.samples !== undefined) {
    const n = intFlag(values.samples, 'samples', 0, 1);
    if (n > data.y.length)
      throw new UserError(`--samples ${n} exceeds the ${data.y.length} images in ${values.images}`);
    const idx =
      n % numClasses === 0
        ? balancedSample(data.y, numClasses, n, seed)
        : permutation(data.y.length, seed).slice(0, n);
    data = takeSplit(data, idx);
  }
  const arch: GeneratorArchitecture = {
    imageShape: data.x.shape.slice(1) as [number, number, number],
    codeSize: intFlag(values.latent, 'latent', DEFAULT_CODE_SIZE, 1),
    baseChannels: intFlag(values.channels, 'channels', DEFAULT_BASE_CHANNELS, 1),
  };
  const latent = latentShapeFor(arch);
  console.log(
    `training a generator for [${arch.imageShape.join(', ')}] images, latent [${latent.join(', ')}] (latent units), on ${data.y.length} images; backend ${report.backend}`,
  );
  const bar = progressBar('generator');
  const trained = await trainGenerator(data.x, arch, {
    ...opts,
    onProgress: (p) =>
      bar.update(
        p.step,
        p.total,
        `epoch ${p.epoch + 1}: L1 ${p.l1.toFixed(4)} KL ${p.kl.toFixed(1)}`,
      ),
  });
  bar.stop();
  const provenance = {
    training: {
      method: 'VAE decoder',
      ...opts,
      images: data.y.length,
      source: source.files,
      history: trained.history,
    },
    createdAt: new Date().toISOString(),
    tool: 'dmat generator train',
  };
  const out = path.resolve(values.out);
  await saveGenerator(out, trained.generator, {
    name: path.basename(out),
    latentShape: latent,
    imageShape: arch.imageShape,
    architecture: `dmat-wplus-decoder (W+-style: one code per synthesis layer; ${JSON.stringify(arch)})`,
    provenance,
  });
  await saveModelFolder(trained.encoder, path.join(out, ENCODER_DIR), {
    kind: 'encoder',
    name: `${path.basename(out)} encoder`,
    inputShape: arch.imageShape,
    latentShape: latent,
    architecture: { ...arch },
    provenance,
  });
  trained.generator.dispose();
  trained.encoder.dispose();
  const last = trained.history[trained.history.length - 1];
  console.log(
    `generator saved to ${out}: final reconstruction L1 ${last.l1.toFixed(4)} ([0,1] pixel units)`,
  );

  if (featureEpochs > 0 && numClasses >= 2) {
    const features = buildFeatureClassifier(arch.imageShape, numClasses, seed);
    const fbar = progressBar('features ');
    const fopts = { epochs: featureEpochs, batchSize: 64, learningRate: 1e-3, seed: seed + 1 };
    await trainClassifier(features, data.x, data.y, numClasses, {
      ...fopts,
      onProgress: (d, t, l) => fbar.update(d, t, `loss ${l.toFixed(3)}`),
    });
    fbar.stop();
    await saveClassifier(path.join(out, FEATURES_DIR), features, {
      name: `${path.basename(out)} feature network`,
      inputShape: arch.imageShape,
      numClasses,
      preprocessing: { inputRange: [0, 1], channelOrder: 'rgb' },
      architecture: 'dmat-feature-cnn (conv 16, 32/2, 64/2, dense)',
      provenance: {
        training: { ...fopts, images: data.y.length },
        createdAt: provenance.createdAt,
      },
    });
    features.dispose();
    console.log(`feature network saved to ${path.join(out, FEATURES_DIR)}`);
  }
  return 0;
}

export const generatorCommand: CliCommand = {
  name: 'generator',
  summary: 'train the built-in latent generator on an image set (generator train)',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'train') return train(rest);
    throw new UserError(`unknown subcommand "${sub ?? ''}"\n\n${usage}`);
  },
};
