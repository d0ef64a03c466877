/** A plain typed array with a shape: what the file readers return, before any tensor exists. */
export type DType = 'float32' | 'uint8' | 'int32';

export type TypedArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'uint8'
    ? Uint8Array
    : Int32Array;

export interface NdArray<D extends DType = DType> {
  dtype: D;
  /** C order (row major). */
  shape: number[];
  data: TypedArrayOf<D>;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function ndarray<D extends DType>(
  dtype: D,
  shape: number[],
  data: TypedArrayOf<D>,
): NdArray<D> {
  if (data.length !== sizeOf(shape)) {
    throw new Error(`array of ${data.length} values does not fit shape [${shape.join(', ')}]`);
  }
  return { dtype, shape, data };
}

/** Rows [start, end) of an array along its first axis (a view, no copy). */
export function sliceRows<D extends DType>(a: NdArray<D>, start: number, end: number): NdArray<D> {
  const row = sizeOf(a.shape.slice(1));
  return {
    dtype: a.dtype,
    shape: [end - start, ...a.shape.slice(1)],
    data: a.data.subarray(start * row, end * row) as TypedArrayOf<D>,
  };
}

/** Rows picked by index along the first axis (a copy). */
export function takeRows<D extends DType>(a: NdArray<D>, indices: readonly number[]): NdArray<D> {
  const row = sizeOf(a.shape.slice(1));
  const Ctor = a.data.constructor as new (n: number) => TypedArrayOf<D>;
  const out = new Ctor(indices.length * row);
  indices.forEach((idx, i) => out.set(a.data.subarray(idx * row, (idx + 1) * row), i * row));
  return { dtype: a.dtype, shape: [indices.length, ...a.shape.slice(1)], data: out };
}
