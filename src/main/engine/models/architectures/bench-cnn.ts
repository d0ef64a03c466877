/**
 * The fixed benchmark CNN: input 32×32×3, three blocks of conv3×3 (32, 64, 64 filters) +
 * batch-norm + ReLU, 2×2 max-pools after the first two blocks, global average pool, dense 10.
 * Its figures in bench/RESULTS.md are only comparable because this network never changes.
 */
import * as tf from '@tensorflow/tfjs';

export function benchCnn(
  inputShape: [number, number, number] = [32, 32, 3],
  numClasses = 10,
): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let h: tf.SymbolicTensor = input;
  for (const [i, filters] of [32, 64, 64].entries()) {
    h = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, name: `conv${i + 1}` })
      .apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: `bn${i + 1}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ name: `relu${i + 1}` }).apply(h) as tf.SymbolicTensor;
    if (i < 2) {
      h = tf.layers
        .maxPooling2d({ poolSize: 2, name: `pool${i + 1}` })
        .apply(h) as tf.SymbolicTensor;
    }
  }
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: numClasses, name: 'logits' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'bench_cnn' });
}
