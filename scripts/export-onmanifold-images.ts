/**
 * Writes the on-manifold images g(w) of a dataset's splits as NPY files (float32 NHWC in [0,1],
 * with the labels), for training a reference classifier outside the product (for instance the
 * PyTorch example in scripts/pytorch/train_fashion_cnn.py), on exactly the images the audits use.
 *
 *     node bin/run-ts.mjs scripts/export-onmanifold-images.ts resources/om-fashion-mnist OUT_DIR
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { readDataset } from '../src/main/engine/data/dataset';
import { writeNpy } from '../src/main/engine/data/npy';
import { loadGenerator } from '../src/main/engine/models/load';
import { initBackend } from '../src/main/engine/runtime/backend';

const [folder, out] = process.argv.slice(2);
if (!folder || !out) {
  process.stderr.write('usage: export-onmanifold-images.ts DATASET_FOLDER OUT_DIR\n');
  process.exit(2);
}
await initBackend();
const data = await readDataset(folder);
if (!data.generatorPath) {
  process.stderr.write(`${folder}: the dataset has no generator, so no on-manifold images\n`);
  process.exit(2);
}
const { model: generator } = await loadGenerator(data.generatorPath);
mkdirSync(out, { recursive: true });
for (const split of Object.values(data.splits)) {
  if (!split.w) continue;
  const [h, w, c] = generator.imageShape;
  const images = new Float32Array(split.count * h * w * c);
  const per = split.w.shape.slice(1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < split.count; i += 500) {
    const n = Math.min(500, split.count - i);
    const batch = tf.tidy(() => {
      const codes = tf.tensor(split.w!.data.subarray(i * per, (i + n) * per), [
        n,
        ...split.w!.shape.slice(1),
      ]);
      return generator.generate(codes).dataSync() as Float32Array;
    });
    images.set(batch, i * h * w * c);
  }
  await writeNpy(path.join(out, `${split.name}-gw.npy`), {
    dtype: 'float32',
    shape: [split.count, h, w, c],
    data: images,
  });
  await writeNpy(path.join(out, `${split.name}-y.npy`), {
    dtype: 'int32',
    shape: [split.count],
    data: split.y.data,
  });
  process.stdout.write(`${split.name}: ${split.count} images g(w) → ${out}\n`);
}
generator.dispose();
