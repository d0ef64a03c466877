/**
 * The built-in generator: a small convolutional decoder with one latent code per synthesis layer
 * (W+-style latent of shape [L, d]).
 *
 * Why this design: StyleGAN's W+ gives every synthesis layer its own code, which is what makes
 * projection (paper eq. 7) reach low error — a single code has to explain coarse shape and fine
 * detail at once. We keep that idea at a size that trains in minutes on two CPU cores: the first
 * code drives a dense layer to a coarse map, each later code modulates one 3×3 convolution
 * (ELU, then a per-channel scale and bias: FiLM, the same role as StyleGAN's style modulation), and
 * nearest-neighbour upsampling doubles the resolution between blocks. It is trained as the
 * decoder of a VAE (see generatorTraining.ts): cheap, stable, no adversarial game, and the
 * standard-normal prior gives latent units of a known scale for on-manifold attacks.
 *
 * Built only from standard tfjs layers, so it saves and loads as an ordinary LayersModel.
 */
import * as tf from '@tensorflow/tfjs';

type Initialiser = ReturnType<typeof tf.initializers.glorotUniform>;

export interface GeneratorArchitecture {
  /** [H, W, C] of the generated image (C = 1 or 3). */
  imageShape: [number, number, number];
  /** Latent code width d: each synthesis layer gets a code of this size. */
  codeSize: number;
  /** Base number of channels (at the coarsest resolution); halves per upsampling, min 16. */
  baseChannels: number;
}

export const DEFAULT_CODE_SIZE = 16;
export const DEFAULT_BASE_CHANNELS = 32;

/** Number of ×2 upsampling blocks and the coarse map size for an image size. */
export function synthesisPlan(imageShape: [number, number, number]): {
  upsamplings: number;
  baseHeight: number;
  baseWidth: number;
} {
  const [h, w] = imageShape;
  const upsamplings = Math.max(1, Math.ceil(Math.log2(Math.max(h, w) / 8)));
  const f = 2 ** upsamplings;
  return { upsamplings, baseHeight: Math.ceil(h / f), baseWidth: Math.ceil(w / f) };
}

/** Latent shape [L, d]: one code for the coarse map, one per upsampling block, one for refinement. */
export function latentShapeFor(arch: GeneratorArchitecture): [number, number] {
  return [synthesisPlan(arch.imageShape).upsamplings + 2, arch.codeSize];
}

function channelsAt(arch: GeneratorArchitecture, level: number): number {
  return Math.max(16, Math.round(arch.baseChannels / 2 ** level));
}

/** Per-channel scale and bias from one latent code (FiLM); scale starts at 1, bias at 0. */
function modulate(h: tf.SymbolicTensor, code: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  const c = h.shape[h.shape.length - 1] as number;
  const scale = tf.layers
    .dense({ units: c, kernelInitializer: 'zeros', biasInitializer: 'ones', name: `${name}_scale` })
    .apply(code) as tf.SymbolicTensor;
  const bias = tf.layers
    .dense({ units: c, kernelInitializer: 'zeros', name: `${name}_bias` })
    .apply(code) as tf.SymbolicTensor;
  const s4 = tf.layers.reshape({ targetShape: [1, 1, c] }).apply(scale) as tf.SymbolicTensor;
  const b4 = tf.layers.reshape({ targetShape: [1, 1, c] }).apply(bias) as tf.SymbolicTensor;
  const scaled = tf.layers.multiply({ name: `${name}_mul` }).apply([h, s4]) as tf.SymbolicTensor;
  return tf.layers.add({ name: `${name}_add` }).apply([scaled, b4]) as tf.SymbolicTensor;
}

/** Seeded Glorot initialisers, so a build with the same seed starts from the same weights. */
function initialisers(seed: number): () => Initialiser {
  let k = 0;
  return () => tf.initializers.glorotUniform({ seed: seed * 1009 + k++ });
}

/**
 * A 3×3 convolution with its ELU inside the layer. Not a style choice: tfjs fuses a convolution
 * whose activation is linear even while taking gradients, and the fused op's gradient always
 * computes the filter gradient too — wasted work when projection or a latent attack only needs
 * ∂/∂w. With a non-linear activation the op stays unfused under gradients, and only the gradients
 * that are asked for get computed.
 */
function conv(filters: number, kernel: number, name: string, init: Initialiser): tf.layers.Layer {
  return tf.layers.conv2d({
    filters,
    kernelSize: kernel,
    padding: 'same',
    activation: 'elu',
    name,
    kernelInitializer: init,
  });
}

/** Build the decoder g: [B, L, d] → [B, H, W, C] in [0,1]. */
export function buildGenerator(arch: GeneratorArchitecture, seed = 0): tf.LayersModel {
  const init = initialisers(seed);
  const [h, w, c] = arch.imageShape;
  if (c !== 1 && c !== 3) throw new Error(`generator: images must have 1 or 3 channels, got ${c}`);
  const plan = synthesisPlan(arch.imageShape);
  const [layers, d] = latentShapeFor(arch);
  const input = tf.input({ shape: [layers, d], name: 'latent' });
  // tfjs has no Cropping1D: select code i as a one-row crop of the latent seen as an image.
  const asImage = tf.layers
    .reshape({ targetShape: [layers, d, 1] })
    .apply(input) as tf.SymbolicTensor;
  const codes = Array.from({ length: layers }, (_, i) => {
    const crop = tf.layers
      .cropping2D({
        cropping: [
          [i, layers - 1 - i],
          [0, 0],
        ],
        name: `code${i}_select`,
      })
      .apply(asImage) as tf.SymbolicTensor;
    return tf.layers.flatten({ name: `code${i}` }).apply(crop) as tf.SymbolicTensor;
  });
  const c0 = channelsAt(arch, 0);
  let x = tf.layers
    .dense({
      units: plan.baseHeight * plan.baseWidth * c0,
      name: 'coarse',
      kernelInitializer: init(),
    })
    .apply(codes[0]) as tf.SymbolicTensor;
  x = tf.layers
    .reshape({ targetShape: [plan.baseHeight, plan.baseWidth, c0] })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.elu().apply(x) as tf.SymbolicTensor;
  for (let u = 0; u < plan.upsamplings; u++) {
    x = tf.layers.upSampling2d({ size: [2, 2], name: `up${u}` }).apply(x) as tf.SymbolicTensor;
    x = conv(channelsAt(arch, u + 1), 3, `synth${u}`, init()).apply(x) as tf.SymbolicTensor;
    x = modulate(x, codes[u + 1], `style${u + 1}`);
  }
  const last = layers - 1;
  x = conv(channelsAt(arch, plan.upsamplings), 3, 'refine', init()).apply(x) as tf.SymbolicTensor;
  x = modulate(x, codes[last], `style${last}`);
  x = tf.layers
    .conv2d({ filters: c, kernelSize: 1, name: 'to_image', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  const [gh, gw] = [
    plan.baseHeight * 2 ** plan.upsamplings,
    plan.baseWidth * 2 ** plan.upsamplings,
  ];
  if (gh !== h || gw !== w) {
    const top = Math.floor((gh - h) / 2);
    const left = Math.floor((gw - w) / 2);
    x = tf.layers
      .cropping2D({
        cropping: [
          [top, gh - h - top],
          [left, gw - w - left],
        ],
        name: 'crop',
      })
      .apply(x) as tf.SymbolicTensor;
  }
  const out = tf.layers
    .activation({ activation: 'sigmoid', name: 'image' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'dmat_generator' });
}

/**
 * The VAE encoder used to train the generator and to initialise projection: two strided 3×3
 * convolutions and a dense head giving mean and log-variance of q(w | x), each [L·d].
 */
export function buildEncoder(arch: GeneratorArchitecture, seed = 0): tf.LayersModel {
  const init = initialisers(seed + 7919);
  const [layers, d] = latentShapeFor(arch);
  const input = tf.input({ shape: arch.imageShape, name: 'image' });
  let x = tf.layers
    .conv2d({
      filters: 16,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'enc0',
      kernelInitializer: init(),
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.leakyReLU({ alpha: 0.2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: 32,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'enc1',
      kernelInitializer: init(),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.leakyReLU({ alpha: 0.2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 256, name: 'enc_hidden', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.leakyReLU({ alpha: 0.2 }).apply(x) as tf.SymbolicTensor;
  const mean = tf.layers
    .dense({ units: layers * d, name: 'enc_mean', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  const logVar = tf.layers
    .dense({ units: layers * d, kernelInitializer: 'zeros', name: 'enc_logvar' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [mean, logVar], name: 'dmat_encoder' });
}
