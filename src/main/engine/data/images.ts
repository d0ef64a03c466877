/**
 * A folder of PNG/JPEG images, one subfolder per class (the subfolder name is the class name,
 * classes in sorted order). Images are not resized: they must all have one size, and the first
 * one that differs is named. Colour images whose pixels are all grey are read as one channel
 * unless `channels` says otherwise; alpha is dropped.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { escapeProblem } from '../files/confine';
import { DataError } from './errors';
import type { NdArray } from './ndarray';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export interface ImageFolderOptions {
  /** 1 (luminance) or 3 (RGB); default: 1 when every image is grey, else 3. */
  channels?: 1 | 3;
  /** Read at most this many images per class (in sorted file order). */
  limitPerClass?: number;
}

export interface ImageFolderData {
  /** uint8 [N, H, W, C], 0–255. */
  x: NdArray<'uint8'>;
  /** int32 [N], index into classNames. */
  y: NdArray<'int32'>;
  classNames: string[];
  /** Path of each image, in record order. */
  files: string[];
}

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function decode(file: string, buf: Buffer): Rgba {
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.png') {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: png.data };
    }
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (err) {
    throw new DataError(
      file,
      `cannot decode ${ext === '.png' ? 'PNG' : 'JPEG'}: ${(err as Error).message}`,
    );
  }
}

function isGrey(img: Rgba): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

async function listDir(dir: string) {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(
      dir,
      code === 'ENOENT' ? 'folder not found' : `cannot read folder (${code ?? String(err)})`,
    );
  }
}

/**
 * Entries of `dir` as folders and files, following symbolic links that stay inside `root` and
 * refusing those that lead out of it.
 */
async function listEntries(root: string, dir: string) {
  const out: { name: string; path: string; isDirectory: boolean; isFile: boolean }[] = [];
  for (const e of await listDir(dir)) {
    const p = path.join(dir, e.name);
    let isDirectory = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const problem = escapeProblem(root, path.relative(root, p));
      if (problem) throw new DataError(p, `${problem}; images must lie inside the image folder`);
      const stat = await fs.stat(p).catch(() => undefined);
      isDirectory = stat?.isDirectory() ?? false;
      isFile = stat?.isFile() ?? false;
    }
    out.push({ name: e.name, path: p, isDirectory, isFile });
  }
  return out;
}

export async function readImageFolder(
  folder: string,
  opts: ImageFolderOptions = {},
): Promise<ImageFolderData> {
  const root = path.resolve(folder);
  const entries = await listEntries(root, root);
  const classNames = entries
    .filter((e) => e.isDirectory && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classNames.length < 2) {
    throw new DataError(
      root,
      `found ${classNames.length} class subfolder(s); put the images of each class in its own subfolder (at least two classes)`,
    );
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (const [k, name] of classNames.entries()) {
    const dir = path.join(root, name);
    const images = (await listEntries(root, dir))
      .filter((e) => e.isFile && EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => e.path)
      .sort()
      .slice(0, opts.limitPerClass ?? Infinity);
    if (images.length === 0)
      throw new DataError(dir, 'class folder has no .png, .jpg or .jpeg images');
    files.push(...images);
    labels.push(...images.map(() => k));
  }
  const decoded: Rgba[] = [];
  for (const file of files) {
    const img = decode(file, await fs.readFile(file));
    const first = decoded[0];
    if (first && (img.width !== first.width || img.height !== first.height)) {
      throw new DataError(
        file,
        `is ${img.width}×${img.height} but ${files[0]} is ${first.width}×${first.height}; images are not resized, so give every image the same size`,
        'size',
      );
    }
    decoded.push(img);
  }
  const channels = opts.channels ?? (decoded.every(isGrey) ? 1 : 3);
  const { width, height } = decoded[0];
  const pixels = width * height;
  const x = new Uint8Array(decoded.length * pixels * channels);
  decoded.forEach((img, n) => {
    const base = n * pixels * channels;
    for (let p = 0; p < pixels; p++) {
      const r = img.data[4 * p];
      const g = img.data[4 * p + 1];
      const b = img.data[4 * p + 2];
      if (channels === 1) x[base + p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      else x.set([r, g, b], base + 3 * p);
    }
  });
  return {
    x: { dtype: 'uint8', shape: [decoded.length, height, width, channels], data: x },
    y: { dtype: 'int32', shape: [labels.length], data: Int32Array.from(labels) },
    classNames,
    files,
  };
}
