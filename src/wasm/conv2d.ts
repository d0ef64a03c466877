/**
 * Forward 2-D convolution (NHWC, no dilation) with optional bias and ReLU, compiled to wasm SIMD
 * by AssemblyScript (`npm run build:wasm`). Its input gradient (a convolution of dy with the
 * flipped filter) runs through it too.
 *
 *   out[b, oh, ow, co] = Σ_{kh, kw, ci} xpad[b, oh·sh + kh, ow·sw + kw, ci] · w[kh, kw, ci, co]
 *
 * A 4×8 register tile: four consecutive output positions of one row by eight output channels.
 * For fixed kh, the (kw, ci) patch entries of a position are contiguous in xpad and the matching
 * filter rows are contiguous in w, so the reduction is one flat loop: two vector loads of w and
 * four scalar loads of x per step. The filter is first packed into panels of eight output
 * channels (KH·KW·Ci × 8, contiguous), so a tile's panel and the input rows under one output row
 * stay in L1 while the tile walks along the row.
 */

import { madd } from './madd';

// The geometry of the current call, set by conv2d. Wasm globals, not linear memory: the module
// runs in the memory of the tfjs wasm backend (imported) and must write nothing of its own there.
let kernelRows: i32 = 0; // kh
let span: i32 = 0; // kw·ci: contiguous (kw, ci) entries of one patch row
let xPosition: usize = 0; // bytes between consecutive output positions in x
let xRow: usize = 0; // bytes between input rows
let wRow: usize = 0; // bytes between filter rows (one per (kh, kw, ci))
let wKernelRow: usize = 0; // bytes between kh blocks of the filter
let panelKernelRow: usize = 0; // bytes between kh blocks of a packed panel (8 channels wide)
let outPosition: usize = 0; // bytes between output positions
let withRelu: bool = false;

function finish(v: v128): v128 {
  return withRelu ? f32x4.max(v, f32x4.splat(0)) : v;
}

function tile4x8(xp: usize, wp: usize, b0: v128, b1: v128, op: usize): void {
  let a00 = b0;
  let a01 = b1;
  let a10 = b0;
  let a11 = b1;
  let a20 = b0;
  let a21 = b1;
  let a30 = b0;
  let a31 = b1;
  const px = xPosition;
  for (let k = 0; k < kernelRows; k++) {
    let xq = xp + <usize>k * xRow;
    let wq = wp + <usize>k * panelKernelRow;
    for (let t = 0; t < span; t++) {
      const w0 = v128.load(wq);
      const w1 = v128.load(wq, 16);
      const x0 = v128.load32_splat(xq);
      const x1 = v128.load32_splat(xq + px);
      const x2 = v128.load32_splat(xq + 2 * px);
      const x3 = v128.load32_splat(xq + 3 * px);
      a00 = madd(a00, x0, w0);
      a01 = madd(a01, x0, w1);
      a10 = madd(a10, x1, w0);
      a11 = madd(a11, x1, w1);
      a20 = madd(a20, x2, w0);
      a21 = madd(a21, x2, w1);
      a30 = madd(a30, x3, w0);
      a31 = madd(a31, x3, w1);
      xq += 4;
      wq += 32;
    }
  }
  const os = outPosition;
  v128.store(op, finish(a00));
  v128.store(op, finish(a01), 16);
  v128.store(op + os, finish(a10));
  v128.store(op + os, finish(a11), 16);
  v128.store(op + 2 * os, finish(a20));
  v128.store(op + 2 * os, finish(a21), 16);
  v128.store(op + 3 * os, finish(a30));
  v128.store(op + 3 * os, finish(a31), 16);
}

function tile1x8(xp: usize, wp: usize, b0: v128, b1: v128, op: usize): void {
  let a0 = b0;
  let a1 = b1;
  for (let k = 0; k < kernelRows; k++) {
    let xq = xp + <usize>k * xRow;
    let wq = wp + <usize>k * panelKernelRow;
    for (let t = 0; t < span; t++) {
      const x0 = v128.load32_splat(xq);
      a0 = madd(a0, x0, v128.load(wq));
      a1 = madd(a1, x0, v128.load(wq, 16));
      xq += 4;
      wq += 32;
    }
  }
  v128.store(op, finish(a0));
  v128.store(op, finish(a1), 16);
}

/** Stores the first `lanes` lanes of v at op (all four with one store). */
function storeLanes(op: usize, v: v128, lanes: i32): void {
  const out = finish(v);
  if (lanes == 4) {
    v128.store(op, out);
    return;
  }
  store<f32>(op, f32x4.extract_lane(out, 0));
  if (lanes > 1) store<f32>(op, f32x4.extract_lane(out, 1), 4);
  if (lanes > 2) store<f32>(op, f32x4.extract_lane(out, 2), 8);
}

/** Four channels from filter rows `ws` bytes apart (kh blocks `wk` apart); `lanes` stored. */
function tile4x4(
  xp: usize,
  wp: usize,
  ws: usize,
  wk: usize,
  b0: v128,
  op: usize,
  lanes: i32,
): void {
  let a0 = b0;
  let a1 = b0;
  let a2 = b0;
  let a3 = b0;
  const px = xPosition;
  for (let k = 0; k < kernelRows; k++) {
    let xq = xp + <usize>k * xRow;
    let wq = wp + <usize>k * wk;
    for (let t = 0; t < span; t++) {
      const w0 = v128.load(wq);
      a0 = madd(a0, v128.load32_splat(xq), w0);
      a1 = madd(a1, v128.load32_splat(xq + px), w0);
      a2 = madd(a2, v128.load32_splat(xq + 2 * px), w0);
      a3 = madd(a3, v128.load32_splat(xq + 3 * px), w0);
      xq += 4;
      wq += ws;
    }
  }
  const os = outPosition;
  storeLanes(op, a0, lanes);
  storeLanes(op + os, a1, lanes);
  storeLanes(op + 2 * os, a2, lanes);
  storeLanes(op + 3 * os, a3, lanes);
}

function tile1x4(
  xp: usize,
  wp: usize,
  ws: usize,
  wk: usize,
  b0: v128,
  op: usize,
  lanes: i32,
): void {
  let a = b0;
  for (let k = 0; k < kernelRows; k++) {
    let xq = xp + <usize>k * xRow;
    let wq = wp + <usize>k * wk;
    for (let t = 0; t < span; t++) {
      a = madd(a, v128.load32_splat(xq), v128.load(wq));
      xq += 4;
      wq += ws;
    }
  }
  storeLanes(op, a, lanes);
}

/** The sum of the four lanes of v. */
function lanes(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    f32x4.extract_lane(v, 2) +
    f32x4.extract_lane(v, 3)
  );
}

/**
 * One output channel (the Snow attack's 13×13 filters, an input gradient towards a one-channel
 * image): each output is a dot product of the patch rows with the filter rows, both contiguous,
 * vectorised along them, four positions at a time so that each filter load serves four.
 */
function singleChannel(
  x: usize,
  w: usize,
  bias: f32,
  out: usize,
  n: i32,
  hp: i32,
  oh: i32,
  ow: i32,
  sh: i32,
): void {
  const px = xPosition;
  const vectorSpan = span & ~3;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const xr = x + <usize>(b * hp + r * sh) * xRow;
      const or = out + ((<usize>(b * oh + r) * <usize>ow) << 2);
      let p = 0;
      for (; p < ow; p += 4) {
        const count = min(4, ow - p);
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        let s0: f32 = 0;
        let s1: f32 = 0;
        let s2: f32 = 0;
        let s3: f32 = 0;
        const xp = xr + <usize>p * px;
        for (let k = 0; k < kernelRows; k++) {
          const xk = xp + <usize>k * xRow;
          const wk = w + <usize>k * wKernelRow;
          let t = 0;
          for (; t < vectorSpan; t += 4) {
            const o = (<usize>t) << 2;
            const f = v128.load(wk + o);
            a0 = madd(a0, v128.load(xk + o), f);
            if (count > 1) a1 = madd(a1, v128.load(xk + px + o), f);
            if (count > 2) a2 = madd(a2, v128.load(xk + 2 * px + o), f);
            if (count > 3) a3 = madd(a3, v128.load(xk + 3 * px + o), f);
          }
          for (; t < span; t++) {
            const o = (<usize>t) << 2;
            const f = load<f32>(wk + o);
            s0 += load<f32>(xk + o) * f;
            if (count > 1) s1 += load<f32>(xk + px + o) * f;
            if (count > 2) s2 += load<f32>(xk + 2 * px + o) * f;
            if (count > 3) s3 += load<f32>(xk + 3 * px + o) * f;
          }
        }
        const op = or + ((<usize>p) << 2);
        store<f32>(op, single(lanes(a0) + s0 + bias));
        if (count > 1) store<f32>(op, single(lanes(a1) + s1 + bias), 4);
        if (count > 2) store<f32>(op, single(lanes(a2) + s2 + bias), 8);
        if (count > 3) store<f32>(op, single(lanes(a3) + s3 + bias), 12);
      }
    }
  }
}

function single(v: f32): f32 {
  return withRelu ? max<f32>(v, 0) : v;
}

/**
 * out [n, oh, ow, co] from the padded input x [n, hp, wp, ci] (exactly the rows and columns the
 * convolution reads), the filter w [kh, kw, ci, co], and bias [co] (0: none); ReLU if relu ≠ 0.
 * `panels` is scratch for the packed filter: kh·kw·ci·(co + 4) f32. All pointers are byte offsets in
 * the imported memory.
 */
export function conv2d(
  x: usize,
  w: usize,
  bias: usize,
  out: usize,
  n: i32,
  hp: i32,
  wp: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  relu: i32,
  panels: usize,
): void {
  kernelRows = kh;
  span = kw * ci;
  xPosition = (<usize>(sw * ci)) << 2;
  xRow = (<usize>(wp * ci)) << 2;
  wRow = (<usize>co) << 2;
  wKernelRow = (<usize>(kw * ci * co)) << 2;
  outPosition = (<usize>co) << 2;
  withRelu = relu != 0;
  if (co == 1 && span >= 8) {
    singleChannel(x, w, bias ? load<f32>(bias) : 0, out, n, hp, oh, ow, sh);
    return;
  }
  const depth = kh * kw * ci;
  const panelBytes = (<usize>depth) << 5;
  panelKernelRow = (<usize>span) << 5;
  for (let c = 0; c + 8 <= co; c += 8) {
    const panel = panels + <usize>(c >> 3) * panelBytes;
    for (let t = 0; t < depth; t++) {
      const from = w + ((<usize>(t * co + c)) << 2);
      v128.store(panel + ((<usize>t) << 5), v128.load(from));
      v128.store(panel + ((<usize>t) << 5), v128.load(from, 16), 16);
    }
  }
  // The last co % 4 channels, zero-padded to four, after the 8-wide panels.
  const tail = panels + <usize>(co >> 3) * panelBytes;
  const tailFrom = co & ~3;
  if (tailFrom < co) {
    for (let t = 0; t < depth; t++) {
      const to = tail + ((<usize>t) << 4);
      v128.store(to, f32x4.splat(0));
      for (let c = tailFrom; c < co; c++) {
        store<f32>(
          to + ((<usize>(c - tailFrom)) << 2),
          load<f32>(w + ((<usize>(t * co + c)) << 2)),
        );
      }
    }
  }
  const zero = f32x4.splat(0);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const xr = x + ((<usize>((b * hp + r * sh) * wp * ci)) << 2);
      const or = out + ((<usize>((b * oh + r) * ow * co)) << 2);
      let c = 0;
      for (; c + 8 <= co; c += 8) {
        const cb = (<usize>c) << 2;
        const b0 = bias ? v128.load(bias + cb) : zero;
        const b1 = bias ? v128.load(bias + cb, 16) : zero;
        const panel = panels + <usize>(c >> 3) * panelBytes;
        let p = 0;
        for (; p + 4 <= ow; p += 4) {
          tile4x8(xr + <usize>p * xPosition, panel, b0, b1, or + <usize>p * outPosition + cb);
        }
        for (; p < ow; p++) {
          tile1x8(xr + <usize>p * xPosition, panel, b0, b1, or + <usize>p * outPosition + cb);
        }
      }
      for (; c + 4 <= co; c += 4) {
        const cb = (<usize>c) << 2;
        const b0 = bias ? v128.load(bias + cb) : zero;
        for (let p = 0; p < ow; p += 4) {
          const at = xr + <usize>p * xPosition;
          const op = or + <usize>p * outPosition + cb;
          if (p + 4 <= ow) tile4x4(at, w + cb, wRow, wKernelRow, b0, op, 4);
          else
            for (let q = p; q < ow; q++)
              tile1x4(
                xr + <usize>q * xPosition,
                w + cb,
                wRow,
                wKernelRow,
                b0,
                or + <usize>q * outPosition + cb,
                4,
              );
        }
      }
      if (c < co) {
        // The last one to three channels: a zero-padded four-wide panel, stored lane by lane.
        const lanes = co - c;
        const cb = (<usize>c) << 2;
        let b0 = zero;
        if (bias) {
          b0 = f32x4.replace_lane(b0, 0, load<f32>(bias + cb));
          if (lanes > 1) b0 = f32x4.replace_lane(b0, 1, load<f32>(bias + cb, 4));
          if (lanes > 2) b0 = f32x4.replace_lane(b0, 2, load<f32>(bias + cb, 8));
        }
        const wk = (<usize>span) << 4;
        for (let p = 0; p < ow; p += 4) {
          const op = or + <usize>p * outPosition + cb;
          if (p + 4 <= ow) tile4x4(xr + <usize>p * xPosition, tail, 16, wk, b0, op, lanes);
          else
            for (let q = p; q < ow; q++)
              tile1x4(
                xr + <usize>q * xPosition,
                tail,
                16,
                wk,
                b0,
                or + <usize>q * outPosition + cb,
                lanes,
              );
        }
      }
    }
  }
}

export { pad } from './pad';

/**
 * Depthwise convolution with one filter per channel (channel multiplier 1, NHWC, no dilation):
 * out[b, oh, ow, c] = Σ_{kh, kw} xpad[b, oh·sh + kh, ow·sw + kw, c] · w[kh, kw, c]. Tiles of four
 * output positions by four channels: one filter load and four input loads per tap. Used for large
 * filters (the Gabor attack's 23×23), which the backend's kernel runs at under 1 GMAC/s.
 */
export function depthwise(
  x: usize,
  w: usize,
  out: usize,
  n: i32,
  hp: i32,
  wp: i32,
  c: i32,
  oh: i32,
  ow: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
): void {
  const pixel = (<usize>c) << 2;
  const step = <usize>sw * pixel; // next output position, in x
  const row = <usize>wp * pixel;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const xr = x + <usize>(b * hp + r * sh) * row;
      const or = out + <usize>(b * oh + r) * <usize>ow * pixel;
      let p = 0;
      for (; p + 4 <= ow; p += 4) {
        const xp = xr + <usize>p * step;
        const op = or + <usize>p * pixel;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const k = (<usize>ch) << 2;
          let a0 = f32x4.splat(0);
          let a1 = f32x4.splat(0);
          let a2 = f32x4.splat(0);
          let a3 = f32x4.splat(0);
          for (let i = 0; i < kh; i++) {
            let xq = xp + <usize>i * row + k;
            let wq = w + <usize>(i * kw) * pixel + k;
            for (let j = 0; j < kw; j++) {
              const f = v128.load(wq);
              a0 = madd(a0, v128.load(xq), f);
              a1 = madd(a1, v128.load(xq + step), f);
              a2 = madd(a2, v128.load(xq + 2 * step), f);
              a3 = madd(a3, v128.load(xq + 3 * step), f);
              xq += pixel;
              wq += pixel;
            }
          }
          v128.store(op + k, a0);
          v128.store(op + pixel + k, a1);
          v128.store(op + 2 * pixel + k, a2);
          v128.store(op + 3 * pixel + k, a3);
        }
        for (; ch < c; ch++) {
          for (let q = 0; q < 4; q++)
            depthwiseOne(xp + <usize>q * step, w, op + <usize>q * pixel, ch, kh, kw, pixel, row);
        }
      }
      for (; p < ow; p++) {
        const xp = xr + <usize>p * step;
        const op = or + <usize>p * pixel;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const k = (<usize>ch) << 2;
          let a = f32x4.splat(0);
          for (let i = 0; i < kh; i++) {
            let xq = xp + <usize>i * row + k;
            let wq = w + <usize>(i * kw) * pixel + k;
            for (let j = 0; j < kw; j++) {
              a = madd(a, v128.load(xq), v128.load(wq));
              xq += pixel;
              wq += pixel;
            }
          }
          v128.store(op + k, a);
        }
        for (; ch < c; ch++) depthwiseOne(xp, w, op, ch, kh, kw, pixel, row);
      }
    }
  }
}

/** One output value of the depthwise convolution (channel tails). */
function depthwiseOne(
  xp: usize,
  w: usize,
  op: usize,
  ch: i32,
  kh: i32,
  kw: i32,
  pixel: usize,
  row: usize,
): void {
  const k = (<usize>ch) << 2;
  let a: f32 = 0;
  for (let i = 0; i < kh; i++) {
    let xq = xp + <usize>i * row + k;
    let wq = w + <usize>(i * kw) * pixel + k;
    for (let j = 0; j < kw; j++) {
      a += load<f32>(xq) * load<f32>(wq);
      xq += pixel;
      wq += pixel;
    }
  }
  store<f32>(op + k, a);
}
