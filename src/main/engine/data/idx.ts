/**
 * IDX reader (the MNIST / Fashion-MNIST container), gzipped or not.
 *
 * Layout: two zero bytes, a type code, the number of dimensions, then one big-endian uint32 per
 * dimension, then the values in C order, big-endian. Unsigned bytes stay uint8, every integer
 * type becomes int32 and both float types become float32.
 */
import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError, readFailure } from './errors';
import { sizeOf, type NdArray } from './ndarray';

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

export interface IdxReadOptions {
  /** Read only the first `limit` records (along the first axis). */
  limit?: number;
}

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Decode IDX bytes (already gunzipped or not); `file` is only used in error messages. */
export function decodeIdx(raw: Uint8Array, file = '<buffer>', opts: IdxReadOptions = {}): NdArray {
  let buf = raw;
  if (isGzip(buf)) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new DataError(file, `gzip data is damaged: ${(err as Error).message}`);
    }
  }
  if (buf.length < 4) throw new DataError(file, 'file is too short to be IDX', 'magic');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = TYPES[buf[2]];
  const ndim = buf[3];
  if (buf[0] !== 0 || buf[1] !== 0 || !type || ndim === 0) {
    const magic = view.getUint32(0, false).toString(16).padStart(8, '0');
    throw new DataError(
      file,
      `wrong magic number 0x${magic}: an IDX file starts with 0x0000, a type code (08, 09, 0B, 0C, 0D or 0E) and the number of dimensions`,
      'magic',
    );
  }
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen)
    throw new DataError(file, 'file ends inside the header', 'dimensions');
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const total = sizeOf(shape) * type.bytes;
  const have = buf.length - headerLen;
  if (have < total) {
    throw new DataError(
      file,
      `truncated: shape [${shape.join(', ')}] of ${type.name} needs ${total} data bytes, the file has ${have}`,
      'data',
    );
  }
  if (opts.limit !== undefined) shape[0] = Math.min(shape[0], Math.max(0, opts.limit));
  const count = sizeOf(shape);
  const body = buf.subarray(headerLen, headerLen + count * type.bytes);
  return { ...convert(body, type.name, count), shape } as NdArray;
}

function convert(body: Uint8Array, type: string, count: number): Omit<NdArray, 'shape'> {
  if (type === 'ubyte') return { dtype: 'uint8', data: new Uint8Array(body) };
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (type === 'float' || type === 'double') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++)
      out[i] = type === 'float' ? v.getFloat32(4 * i) : v.getFloat64(8 * i);
    return { dtype: 'float32', data: out };
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] =
      type === 'byte' ? v.getInt8(i) : type === 'short' ? v.getInt16(2 * i) : v.getInt32(4 * i);
  }
  return { dtype: 'int32', data: out };
}

export async function readIdx(file: string, opts: IdxReadOptions = {}): Promise<NdArray> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    throw new DataError(file, readFailure(err));
  }
  return decodeIdx(buf, file, opts);
}

export interface LabelledImages {
  /** uint8 [N, H, W, C] in 0–255. */
  x: NdArray<'uint8'>;
  /** int32 [N] labels. */
  y: NdArray<'int32'>;
}

/**
 * Read an IDX image file ([N, H, W] or [N, H, W, C], ubyte) with its label file ([N]), checking
 * that the counts agree.
 */
export async function readIdxPair(
  imagesFile: string,
  labelsFile: string,
  opts: IdxReadOptions = {},
): Promise<LabelledImages> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (images.dtype !== 'uint8' || (images.shape.length !== 3 && images.shape.length !== 4)) {
    throw new DataError(
      imagesFile,
      `expected ubyte images of shape [N, H, W] or [N, H, W, C], found ${images.dtype} [${images.shape.join(', ')}]`,
      'dimensions',
    );
  }
  if (labels.shape.length !== 1) {
    throw new DataError(
      labelsFile,
      `expected labels of shape [N], found [${labels.shape.join(', ')}]`,
      'dimensions',
    );
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new DataError(
      labelsFile,
      `has ${labels.shape[0]} labels but ${imagesFile} has ${images.shape[0]} images`,
      'count',
    );
  }
  const n = Math.min(images.shape[0], opts.limit ?? Infinity);
  const [, h, w, c = 1] = images.shape;
  const row = h * w * c;
  return {
    x: { dtype: 'uint8', shape: [n, h, w, c], data: (images.data as Uint8Array).slice(0, n * row) },
    y: { dtype: 'int32', shape: [n], data: Int32Array.from(labels.data.subarray(0, n)) },
  };
}
