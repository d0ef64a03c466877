/**
 * Natural labelled images for generator training and dataset builds, from:
 *  - a folder in the MNIST layout (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
 *    t10k-…): both splits;
 *  - an IDX or NPY image file with its label file: one split.
 * Images come back as uint8 [N, H, W, C] (float NPY in [0,1] is rounded to 0–255).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readIdx } from '../data/idx';
import { readNpy } from '../data/npy';
import type { NdArray } from '../data/ndarray';
import type { SplitData } from './datasetBuild';
import { ManifoldError } from './errors';

export interface ImageSource {
  /** 'train' and, from an MNIST-layout folder, 'test'. */
  splits: Record<string, SplitData>;
  /** Files read, for provenance. */
  files: string[];
}

const MNIST_NAMES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

async function findVariant(dir: string, base: string): Promise<string | undefined> {
  for (const name of [base, `${base}.gz`]) {
    try {
      await fs.access(path.join(dir, name));
      return path.join(dir, name);
    } catch {
      /* try the next name */
    }
  }
  return undefined;
}

async function readArray(file: string): Promise<NdArray> {
  return /\.npy$/i.test(file) ? readNpy(file) : readIdx(file);
}

function toImages(a: NdArray, file: string): NdArray<'uint8'> {
  if (a.shape.length !== 3 && a.shape.length !== 4) {
    throw new ManifoldError(
      `${file}: images must be [N, H, W] or [N, H, W, C], found [${a.shape.join(', ')}]`,
    );
  }
  const [n, h, w, c = 1] = a.shape;
  if (c !== 1 && c !== 3)
    throw new ManifoldError(`${file}: images must have 1 or 3 channels, found ${c}`);
  if (a.dtype === 'uint8')
    return { dtype: 'uint8', shape: [n, h, w, c], data: a.data as Uint8Array };
  if (a.dtype === 'float32') {
    const data = new Uint8Array(a.data.length);
    for (let i = 0; i < data.length; i++) {
      const v = a.data[i];
      if (!(v >= 0 && v <= 1))
        throw new ManifoldError(
          `${file}: float images must lie in [0,1]; value ${v} at index ${i}`,
        );
      data[i] = Math.round(v * 255);
    }
    return { dtype: 'uint8', shape: [n, h, w, c], data };
  }
  throw new ManifoldError(
    `${file}: images must be uint8 (0–255) or float32 in [0,1], found ${a.dtype}`,
  );
}

/** Read an image file and its label file into one split, checking that they agree. */
export async function readLabelledFile(
  imagesFile: string,
  labelsFile: string | undefined,
): Promise<SplitData> {
  if (!labelsFile) {
    throw new ManifoldError(`${imagesFile}: labels are missing; give the label file with --labels`);
  }
  const x = toImages(await readArray(imagesFile), imagesFile);
  const labels = await readArray(labelsFile);
  if (labels.shape.length !== 1 || labels.dtype === 'float32') {
    throw new ManifoldError(
      `${labelsFile}: labels must be integers of shape [N], found ${labels.dtype} [${labels.shape.join(', ')}]`,
    );
  }
  if (labels.shape[0] !== x.shape[0]) {
    throw new ManifoldError(
      `${labelsFile}: ${labels.shape[0]} labels for ${x.shape[0]} images in ${imagesFile}`,
    );
  }
  return { x, y: Int32Array.from(labels.data) };
}

/** Read a folder in the MNIST layout, or an image file with `labelsFile`. */
export async function readImageSource(images: string, labelsFile?: string): Promise<ImageSource> {
  let stat;
  try {
    stat = await fs.stat(images);
  } catch {
    throw new ManifoldError(`${images}: no such file or folder`);
  }
  if (!stat.isDirectory()) {
    return {
      splits: { train: await readLabelledFile(images, labelsFile) },
      files: [images, labelsFile!],
    };
  }
  const splits: Record<string, SplitData> = {};
  const files: string[] = [];
  for (const [split, [imgBase, lblBase]] of Object.entries(MNIST_NAMES)) {
    const img = await findVariant(images, imgBase);
    if (!img) continue;
    const lbl = await findVariant(images, lblBase);
    if (!lbl)
      throw new ManifoldError(
        `${images}: ${path.basename(img)} has no label file ${lblBase}[.gz] beside it`,
      );
    splits[split] = await readLabelledFile(img, lbl);
    files.push(img, lbl);
  }
  if (!splits.train) {
    throw new ManifoldError(
      `${images}: no ${MNIST_NAMES.train[0]}[.gz] in this folder; give an image file and --labels instead`,
    );
  }
  return { splits, files };
}

/** Take rows `indices` of a split (a copy). */
export function takeSplit(s: SplitData, indices: readonly number[]): SplitData {
  const row = s.x.shape[1] * s.x.shape[2] * s.x.shape[3];
  const data = new Uint8Array(indices.length * row);
  indices.forEach((i, k) => data.set(s.x.data.subarray(i * row, (i + 1) * row), k * row));
  return {
    x: { dtype: 'uint8', shape: [indices.length, ...s.x.shape.slice(1)], data },
    y: Int32Array.from(indices, (i) => s.y[i]),
  };
}
