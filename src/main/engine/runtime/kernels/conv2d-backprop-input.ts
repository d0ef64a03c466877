/**
 * Conv2DBackpropInput for wasm. The backend's own kernel is a naive scalar loop; the input
 * gradient is a forward convolution, so the fast (XNNPACK) kernel can do it instead:
 *
 *   dx = conv(dy dilated by the stride and padded, W flipped in space with C_in ↔ C_out)
 *
 * "Dilated by the stride" inserts stride−1 zeros between dy's rows and columns; the padding
 * (KH − 1 − padTop on top, and what makes the output exactly H rows at the bottom) is passed to
 * the convolution as explicit padding (no copy), and where it is negative (explicit forward
 * paddings larger than the filter) dy is cropped instead.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DGeometry, cropAndPadding, type Conv2DPad } from './conv-geometry';

interface Attrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Insert stride−1 zeros between rows and between columns: [B, (H−1)·sh+1, (W−1)·sw+1, C]. */
function dilateByStride(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [b, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const full = tf.reshape(spread, [b, h * sh, w * sw, c]);
  return tf.slice(full, [0, 0, 0, 0], [b, (h - 1) * sh + 1, (w - 1) * sw + 1, c]) as tf.Tensor4D;
}

/** Taps first, first + step, … (count of them) along one spatial axis of a filter. */
interface TapSelection {
  first: number;
  step: number;
  count: number;
}

/**
 * W flipped in space with C_in ↔ C_out: out[i, j, o, c] = W[KH−1−i, KW−1−j, c, o], optionally
 * over a subset of the taps (every s-th, for one phase of a strided convolution). One pass in
 * JavaScript over the filter: wasm's Reverse took 160 ms and its StridedSlice 50 ms on a
 * 3×3×512×512 filter, this takes about 20; the filter is small next to the activations, so the
 * read-back is cheap.
 */
export function flipFilter(
  filter: tf.Tensor4D,
  rows?: TapSelection,
  cols?: TapSelection,
): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const r = rows ?? { first: 0, step: 1, count: kh };
  const c = cols ?? { first: 0, step: 1, count: kw };
  const src = filter.dataSync() as Float32Array;
  const out = new Float32Array(r.count * c.count * ci * co);
  for (let i = 0; i < r.count; i++) {
    for (let j = 0; j < c.count; j++) {
      const si = r.first + (r.count - 1 - i) * r.step;
      const sj = c.first + (c.count - 1 - j) * c.step;
      const from = (si * kw + sj) * ci * co;
      const to = (i * c.count + j) * ci * co;
      for (let a = 0; a < ci; a++) {
        const row = from + a * co;
        for (let o = 0; o < co; o++) out[to + o * ci + a] = src[row + o];
      }
    }
  }
  return tf.tensor4d(out, [r.count, c.count, co, ci]);
}

export function conv2DBackpropInputByConv(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Attrs,
): tf.Tensor4D {
  const g = conv2DGeometry(
    'Conv2DBackpropInput',
    attrs.inputShape,
    filter.shape,
    attrs.strides,
    attrs.pad,
    attrs.dataFormat,
    attrs.dimRoundingMode,
  );
  if (g.strideHeight > 1 || g.strideWidth > 1) return byPhases(dy, filter, g);
  return tf.tidy(() => {
    const spread = dilateByStride(dy, g.strideHeight, g.strideWidth);
    const top = g.filterHeight - 1 - g.padTop;
    const left = g.filterWidth - 1 - g.padLeft;
    const bottom = g.inHeight + g.filterHeight - 1 - spread.shape[1] - top;
    const right = g.inWidth + g.filterWidth - 1 - spread.shape[2] - left;
    const { cropped, pad } = cropAndPadding(spread, top, bottom, left, right);
    return tf.conv2d(cropped, flipFilter(filter), 1, pad);
  });
}

/** One axis of a phase: which taps, which rows of dy, which rows of dx. */
interface Phase {
  /** Taps r, r + s, r + 2s… of the filter along this axis. */
  first: number;
  taps: number;
  /** dy padding before/after (negative: crop) for a valid correlation with those taps. */
  before: number;
  after: number;
  /** Output rows, and the first dx row they land on (the rest follow every s rows). */
  rows: number;
  firstRow: number;
}

/**
 * Residue r of the padded input index along one axis: dx[q] with (q + pad) mod s = r is a full
 * correlation of dy with taps r, r + s, … (no zeros inserted), at rows m = (q + pad − r) / s.
 */
function phaseOf(
  r: number,
  s: number,
  k: number,
  pad: number,
  inSize: number,
  outSize: number,
): Phase {
  const taps = r < k ? Math.ceil((k - r) / s) : 0;
  const mLo = Math.ceil((pad - r) / s);
  const mHi = Math.floor((pad + inSize - 1 - r) / s);
  const rows = Math.max(mHi - mLo + 1, 0);
  const before = taps - 1 - mLo;
  return {
    first: r,
    taps,
    before,
    after: rows + taps - 1 - outSize - before,
    rows,
    firstRow: mLo * s + r - pad,
  };
}

/**
 * The input gradient of a strided convolution as s_h·s_w stride-1 convolutions, one per output
 * phase, each with the taps that reach that phase. Dilating dy by the stride instead makes the
 * convolution multiply (s_h·s_w − 1)/(s_h·s_w) zeros: three quarters of the work at stride 2,
 * which was most of the input gradient of a ResNet's 7×7 stride-2 stem.
 */
function byPhases(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  g: ReturnType<typeof conv2DGeometry>,
): tf.Tensor4D {
  const { strideHeight: sh, strideWidth: sw } = g;
  const n = dy.shape[0];
  const cin = g.inChannels;
  const hc = Math.ceil(g.inHeight / sh);
  const wc = Math.ceil(g.inWidth / sw);
  const rowsOf = Array.from({ length: sh }, (_, r) =>
    phaseOf(r, sh, g.filterHeight, g.padTop, g.inHeight, g.outHeight),
  );
  const colsOf = Array.from({ length: sw }, (_, r) =>
    phaseOf(r, sw, g.filterWidth, g.padLeft, g.inWidth, g.outWidth),
  );
  return tf.tidy(() => {
    // blocks[φh][φw]: dx at rows φh, φh + sh, … and columns φw, φw + sw, …, as [n, hc, wc, cin].
    const blocks: tf.Tensor4D[][] = Array.from({ length: sh }, () => new Array<tf.Tensor4D>(sw));
    for (const ph of rowsOf) {
      for (const pw of colsOf) {
        const fh = ((ph.firstRow % sh) + sh) % sh;
        const fw = ((pw.firstRow % sw) + sw) % sw;
        let block: tf.Tensor4D;
        if (ph.taps === 0 || pw.taps === 0 || ph.rows === 0 || pw.rows === 0) {
          block = tf.zeros([n, hc, wc, cin]);
        } else {
          const { cropped, pad } = cropAndPadding(dy, ph.before, ph.after, pw.before, pw.after);
          const taps = flipFilter(
            filter,
            { first: ph.first, step: sh, count: ph.taps },
            { first: pw.first, step: sw, count: pw.taps },
          );
          const out = tf.conv2d(cropped, taps, 1, pad);
          // Rows land at firstRow, firstRow + s…: pad to the common grid of hc × wc.
          const top = Math.floor(ph.firstRow / sh);
          const left = Math.floor(pw.firstRow / sw);
          block = tf.pad(out, [
            [0, 0],
            [top, hc - top - ph.rows],
            [left, wc - left - pw.rows],
            [0, 0],
          ]);
        }
        blocks[fh][fw] = block;
      }
    }
    const rows = blocks.map((row) => tf.stack(row, 3)); // [n, hc, wc, sw, cin]
    const grid = tf.reshape(tf.stack(rows, 2), [n, hc * sh, wc * sw, cin]);
    return tf.slice(grid, [0, 0, 0, 0], [n, g.inHeight, g.inWidth, cin]) as tf.Tensor4D;
  });
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    conv2DBackpropInputByConv(
      inputs.dy as tf.Tensor4D,
      inputs.filter as tf.Tensor4D,
      attrs as unknown as Attrs,
    ),
};
