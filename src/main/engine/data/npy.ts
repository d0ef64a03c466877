/**
 * NPY reader and writer (NumPy's `.npy`, format versions 1–3), C order only.
 *
 * Stored dtypes: float32 (`<f4`), uint8 (`|u1`), int32 (`<i4`). For convenience the reader also
 * accepts what NumPy produces by default and converts it: float64 → float32, int64 → int32 (when
 * every value fits), bool → uint8. Anything else is refused with a message that names the file
 * and says how to convert it.
 */
import { promises as fs } from 'node:fs';
import { DataError, readFailure } from './errors';
import { writeFileAtomic } from './atomic';
import { sizeOf, type DType, type NdArray } from './ndarray';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR_OF: Record<DType, string> = { float32: '<f4', uint8: '|u1', int32: '<i4' };

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function parseHeader(buf: Uint8Array, file: string): Header {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) {
    throw new DataError(file, 'not an NPY file (the magic string \\x93NUMPY is missing)', 'magic');
  }
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new DataError(file, 'file ends inside the header', 'header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new DataError(
      file,
      `NPY format version ${major} is not supported (1, 2 or 3)`,
      'version',
    );
  }
  if (start + headerLen > buf.length) {
    throw new DataError(file, 'file ends inside the header', 'header');
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    buf.subarray(start, start + headerLen),
  );
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) throw new DataError(file, 'header has no dtype', 'descr');
  if (fortran === undefined)
    throw new DataError(file, 'header has no fortran_order', 'fortran_order');
  if (shapeText === undefined) throw new DataError(file, 'header has no shape', 'shape');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new DataError(file, `bad dimension "${s}"`, 'shape');
      return n;
    });
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLen };
}

interface SourceType {
  bytes: number;
  target: DType;
  read: (view: DataView, offset: number) => number;
}

const SOURCES: Record<string, SourceType> = {
  f4: { bytes: 4, target: 'float32', read: (v, o) => v.getFloat32(o, true) },
  f8: { bytes: 8, target: 'float32', read: (v, o) => v.getFloat64(o, true) },
  u1: { bytes: 1, target: 'uint8', read: (v, o) => v.getUint8(o) },
  b1: { bytes: 1, target: 'uint8', read: (v, o) => v.getUint8(o) },
  i4: { bytes: 4, target: 'int32', read: (v, o) => v.getInt32(o, true) },
  i8: { bytes: 8, target: 'int32', read: (v, o) => Number(v.getBigInt64(o, true)) },
};

/** Decode NPY bytes; `file` is only used in error messages. */
export function decodeNpy(buf: Uint8Array, file = '<buffer>'): NdArray {
  const h = parseHeader(buf, file);
  if (h.fortranOrder) {
    throw new DataError(
      file,
      'array is in Fortran order; save it in C order (numpy.ascontiguousarray) before use',
      'fortran_order',
    );
  }
  const order = h.descr[0];
  const code = h.descr.slice(1);
  const src = SOURCES[code];
  if (!src || !['<', '|', '='].includes(order) || (order === '|' && src.bytes > 1)) {
    const hint = order === '>' ? ' (big-endian: convert with .astype("<f4") or similar)' : '';
    throw new DataError(
      file,
      `dtype "${h.descr}" is not supported${hint}; use float32, uint8 or int32`,
      'descr',
    );
  }
  const count = sizeOf(h.shape);
  const need = count * src.bytes;
  const have = buf.length - h.dataOffset;
  if (have < need) {
    throw new DataError(
      file,
      `truncated: shape [${h.shape.join(', ')}] needs ${need} data bytes, the file has ${have}`,
      'data',
    );
  }
  const body = buf.subarray(h.dataOffset, h.dataOffset + need);
  return { dtype: src.target, shape: h.shape, data: convert(body, src, count, file) } as NdArray;
}

function convert(body: Uint8Array, src: SourceType, count: number, file: string): NdArray['data'] {
  // A fresh copy: typed arrays need aligned offsets, and callers may keep the array for long.
  const copy = new Uint8Array(body);
  if (src.bytes === 4 && src.target !== 'uint8') {
    return src.target === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
  }
  if (src.bytes === 1) return copy;
  const view = new DataView(copy.buffer);
  const out = src.target === 'float32' ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = src.read(view, i * src.bytes);
    if (src.target === 'int32' && (v > 2147483647 || v < -2147483648)) {
      throw new DataError(file, `value ${v} at index ${i} does not fit in int32`, 'data');
    }
    out[i] = v;
  }
  return out;
}

/** Encode an array as NPY version 1.0 bytes (header padded to 64 bytes, as NumPy does). */
export function encodeNpy(a: NdArray): Uint8Array {
  const descr = DESCR_OF[a.dtype];
  if (!descr) throw new Error(`cannot write dtype ${String(a.dtype)} to NPY`);
  if (a.data.length !== sizeOf(a.shape)) {
    throw new Error(`array of ${a.data.length} values does not fit shape [${a.shape.join(', ')}]`);
  }
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + a.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), 10 + header.length);
  return out;
}

export async function readNpy(file: string): Promise<NdArray> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    throw new DataError(file, readFailure(err));
  }
  return decodeNpy(buf, file);
}

/** Write an array to `file` atomically. */
export async function writeNpy(file: string, a: NdArray): Promise<void> {
  await writeFileAtomic(file, encodeNpy(a));
}
