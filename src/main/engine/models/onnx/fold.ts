/**
 * Evaluating ONNX nodes whose inputs are all constants, at load time: the shape arithmetic that
 * `torch.onnx.export` emits for a dynamic batch axis, `F.pad` and `view(x.size(0), -1)`, plus
 * constant weights computed in the graph. Values are float64 arrays (integers are exact), so no
 * backend is involved. The batch size is the sentinel BATCH: a Reshape whose target carries it
 * keeps the batch axis.
 */
import type { ConstTensor } from './proto';
import { DataType } from './schema';

/** Stands for the (unknown) batch size in shape arithmetic. */
export const BATCH = 1_000_003;

export const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function constOf(
  dims: number[],
  values: ArrayLike<number>,
  dataType: number = DataType.INT64,
): ConstTensor {
  const data = dataType === DataType.FLOAT ? Float32Array.from(values) : Float64Array.from(values);
  return { dataType, dims, data };
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** out[i] = src[index(i's multi-index)] for every element of an output of `dims`. */
function gatherBy(
  src: ConstTensor,
  dims: number[],
  index: (multi: number[]) => number,
  dataType = src.dataType,
): ConstTensor {
  const n = size(dims);
  const out = dataType === DataType.FLOAT ? new Float32Array(n) : new Float64Array(n);
  const multi = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    out[i] = src.data[index(multi)];
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++multi[a] < dims[a]) break;
      multi[a] = 0;
    }
  }
  return { dataType, dims, data: out };
}

export function transposeConst(t: ConstTensor, perm: number[]): ConstTensor {
  const st = stridesOf(t.dims);
  const dims = perm.map((p) => t.dims[p]);
  return gatherBy(t, dims, (m) => m.reduce((acc, v, i) => acc + v * st[perm[i]], 0));
}

export function broadcastTo(t: ConstTensor, dims: number[]): ConstTensor {
  const pad = dims.length - t.dims.length;
  const src = [...new Array<number>(pad).fill(1), ...t.dims];
  const st = stridesOf(src);
  return gatherBy(t, dims, (m) => m.reduce((acc, v, i) => acc + (src[i] === 1 ? 0 : v * st[i]), 0));
}

function broadcastDims(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    return x === 1 ? y : x;
  });
}

export function elementwise(
  inputs: ConstTensor[],
  f: (...v: number[]) => number,
  dataType = inputs[0].dataType,
): ConstTensor {
  const dims = inputs.map((t) => t.dims).reduce(broadcastDims);
  const full = inputs.map((t) => broadcastTo(t, dims));
  const n = size(dims);
  const out = dataType === DataType.FLOAT ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(...full.map((t) => t.data[i]));
  return { dataType, dims, data: out };
}

const isInt = (t: number) => t !== DataType.FLOAT && t !== DataType.DOUBLE && t !== 10;

function divide(dataType: number) {
  return (a: number, b: number) => (isInt(dataType) ? Math.trunc(a / b) : a / b);
}

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

export function sliceConst(
  t: ConstTensor,
  starts: number[],
  ends: number[],
  axes: number[],
  steps: number[],
): ConstTensor {
  const rank = t.dims.length;
  const begin = t.dims.map(() => 0);
  const step = t.dims.map(() => 1);
  const dims = [...t.dims];
  axes.forEach((ax, k) => {
    const a = normAxis(ax, rank);
    const d = t.dims[a];
    const s = steps[k] ?? 1;
    if (s === 0) throw new Error('a Slice step is 0');
    let b = starts[k] < 0 ? starts[k] + d : starts[k];
    let e = ends[k] < 0 ? ends[k] + d : ends[k];
    if (s > 0) {
      b = Math.min(Math.max(b, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      b = Math.min(Math.max(b, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    begin[a] = b;
    step[a] = s;
    dims[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const st = stridesOf(t.dims);
  return gatherBy(t, dims, (m) =>
    m.reduce((acc, v, i) => acc + (begin[i] + v * step[i]) * st[i], 0),
  );
}

export function concatConst(ts: ConstTensor[], axis: number): ConstTensor {
  const rank = ts[0].dims.length;
  const a = normAxis(axis, rank);
  const dims = [...ts[0].dims];
  dims[a] = ts.reduce((s, t) => s + t.dims[a], 0);
  const offsets: number[] = [];
  ts.reduce((o, t) => (offsets.push(o), o + t.dims[a]), 0);
  const n = size(dims);
  const dataType = ts[0].dataType;
  const out = dataType === DataType.FLOAT ? new Float32Array(n) : new Float64Array(n);
  const multi = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let k = ts.length - 1;
    while (offsets[k] > multi[a]) k--;
    const src = ts[k];
    const st = stridesOf(src.dims);
    let idx = 0;
    for (let d = 0; d < rank; d++) idx += (d === a ? multi[d] - offsets[k] : multi[d]) * st[d];
    out[i] = src.data[idx];
    for (let d = rank - 1; d >= 0; d--) {
      if (++multi[d] < dims[d]) break;
      multi[d] = 0;
    }
  }
  return { dataType, dims, data: out };
}

export function gatherConst(t: ConstTensor, indices: ConstTensor, axis: number): ConstTensor {
  const a = normAxis(axis, t.dims.length);
  const dims = [...t.dims.slice(0, a), ...indices.dims, ...t.dims.slice(a + 1)];
  const st = stridesOf(t.dims);
  const ir = indices.dims.length;
  const ist = stridesOf(indices.dims);
  return gatherBy(t, dims, (m) => {
    let iIdx = 0;
    for (let k = 0; k < ir; k++) iIdx += m[a + k] * ist[k];
    let g = indices.data[iIdx];
    if (g < 0) g += t.dims[a];
    if (g < 0 || g >= t.dims[a])
      throw new Error(`Gather index ${indices.data[iIdx]} is out of range`);
    let idx = g * st[a];
    for (let d = 0; d < a; d++) idx += m[d] * st[d];
    for (let d = a + 1; d < t.dims.length; d++) idx += m[d + ir - 1] * st[d];
    return idx;
  });
}

/** ONNX Reshape's target: 0 copies the input's dim (unless allowzero), −1 is inferred. */
export function reshapeTarget(input: number[], target: number[], allowZero = false): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = size(out.filter((_, i) => i !== unknown));
    const total = size(input);
    if (known === 0 || total % known !== 0) {
      throw new Error(`cannot reshape [${input}] to [${target}]`);
    }
    out[unknown] = total / known;
  }
  if (size(out) !== size(input)) throw new Error(`cannot reshape [${input}] to [${target}]`);
  return out;
}

export function unsqueezeDims(dims: number[], axes: number[]): number[] {
  const rank = dims.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank)).sort((x, y) => x - y);
  const out = [...dims];
  for (const a of norm) out.splice(a, 0, 1);
  return out;
}

export function squeezeDims(dims: number[], axes: number[] | undefined): number[] {
  const norm = axes?.map((a) => normAxis(a, dims.length));
  return dims.filter((d, i) => (norm ? !norm.includes(i) : d !== 1));
}

const CAST_TYPES = new Set<number>([1, 2, 3, 6, 7, 9, 10, 11]);

export function castConst(t: ConstTensor, to: number): ConstTensor {
  if (!CAST_TYPES.has(to)) throw new Error(`Cast to type ${to} is not supported`);
  const f =
    to === DataType.BOOL ? (v: number) => (v ? 1 : 0) : isInt(to) ? Math.trunc : (v: number) => v;
  return elementwise([t], f, to === 10 ? DataType.FLOAT : to);
}

export const BINARY_FOLDS: Record<string, (dataType: number) => (a: number, b: number) => number> =
  {
    Add: () => (a, b) => a + b,
    Sub: () => (a, b) => a - b,
    Mul: () => (a, b) => a * b,
    Div: divide,
    Pow: () => (a, b) => a ** b,
    Max: () => Math.max,
    Min: () => Math.min,
    Equal: () => (a, b) => (a === b ? 1 : 0),
    Less: () => (a, b) => (a < b ? 1 : 0),
    Greater: () => (a, b) => (a > b ? 1 : 0),
    Mod: () => (a, b) => a - b * Math.floor(a / b),
  };

export const UNARY_FOLDS: Record<string, (v: number) => number> = {
  Neg: (v) => -v,
  Sqrt: Math.sqrt,
  Abs: Math.abs,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Exp: Math.exp,
  Log: Math.log,
  Reciprocal: (v) => 1 / v,
  Not: (v) => (v ? 0 : 1),
  Relu: (v) => Math.max(0, v),
  Sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  Tanh: Math.tanh,
};

export const boolResult = new Set(['Equal', 'Less', 'Greater', 'Not']);
