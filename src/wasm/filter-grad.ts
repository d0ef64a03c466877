/**
 * Filter gradient of a 2-D convolution (NHWC, no dilation), compiled to wasm SIMD by
 * AssemblyScript: `npm run build:wasm` regenerates src/main/engine/runtime/kernels/simd/.
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} xpad[b, oh·sh + kh, ow·sw + kw, ci] · dy[b, oh, ow, co]
 *
 * Why not XNNPACK: as a convolution this is a matrix product with a tiny output (KH·KW·Ci × Co)
 * and a reduction over every position (up to 131,072), and XNNPACK's GEMM does not block the
 * reduction, so it streams the whole operand from L3 for every tile of the output. Here the
 * reduction runs one image at a time (its x and dy stay in L2) into a 4×8 register tile of dW:
 * for fixed kh, the (kw, ci) patch entries of a position are contiguous in xpad, so four of them
 * are four scalar loads and eight dy channels are two vector loads.
 */

import { madd } from './madd';

// The walk over one image's positions, set by filterGrad. Wasm globals, not linear memory: the
// module runs in the memory of the tfjs wasm backend (imported) and must write nothing of its own
// there.
let outHeight: i32 = 0;
let outWidth: i32 = 0;
/** Bytes to the next output column in x, the next output row in x, the next position in dy. */
let xCol: usize = 0;
let xRow: usize = 0;
let dyStep: usize = 0;
/** Bytes between rows of dW (one row per (kh, kw, ci), Co wide). */
let wRow: usize = 0;

function tile4x8(xp: usize, dp: usize, wp: usize): void {
  const rs = wRow;
  let a00 = v128.load(wp);
  let a01 = v128.load(wp, 16);
  let a10 = v128.load(wp + rs);
  let a11 = v128.load(wp + rs, 16);
  let a20 = v128.load(wp + 2 * rs);
  let a21 = v128.load(wp + 2 * rs, 16);
  let a30 = v128.load(wp + 3 * rs);
  let a31 = v128.load(wp + 3 * rs, 16);
  const ow = outWidth;
  const step = xCol;
  const dStep = dyStep;
  let dq = dp;
  for (let r = 0; r < outHeight; r++) {
    let xq = xp + <usize>r * xRow;
    for (let c = 0; c < ow; c++) {
      const d0 = v128.load(dq);
      const d1 = v128.load(dq, 16);
      const x0 = v128.load32_splat(xq);
      const x1 = v128.load32_splat(xq, 4);
      const x2 = v128.load32_splat(xq, 8);
      const x3 = v128.load32_splat(xq, 12);
      a00 = madd(a00, x0, d0);
      a01 = madd(a01, x0, d1);
      a10 = madd(a10, x1, d0);
      a11 = madd(a11, x1, d1);
      a20 = madd(a20, x2, d0);
      a21 = madd(a21, x2, d1);
      a30 = madd(a30, x3, d0);
      a31 = madd(a31, x3, d1);
      xq += step;
      dq += dStep;
    }
  }
  v128.store(wp, a00);
  v128.store(wp, a01, 16);
  v128.store(wp + rs, a10);
  v128.store(wp + rs, a11, 16);
  v128.store(wp + 2 * rs, a20);
  v128.store(wp + 2 * rs, a21, 16);
  v128.store(wp + 3 * rs, a30);
  v128.store(wp + 3 * rs, a31, 16);
}

function tile4x4(xp: usize, dp: usize, wp: usize): void {
  const rs = wRow;
  let a0 = v128.load(wp);
  let a1 = v128.load(wp + rs);
  let a2 = v128.load(wp + 2 * rs);
  let a3 = v128.load(wp + 3 * rs);
  const ow = outWidth;
  const step = xCol;
  const dStep = dyStep;
  let dq = dp;
  for (let r = 0; r < outHeight; r++) {
    let xq = xp + <usize>r * xRow;
    for (let c = 0; c < ow; c++) {
      const d = v128.load(dq);
      a0 = madd(a0, v128.load32_splat(xq), d);
      a1 = madd(a1, v128.load32_splat(xq, 4), d);
      a2 = madd(a2, v128.load32_splat(xq, 8), d);
      a3 = madd(a3, v128.load32_splat(xq, 12), d);
      xq += step;
      dq += dStep;
    }
  }
  v128.store(wp, a0);
  v128.store(wp + rs, a1);
  v128.store(wp + 2 * rs, a2);
  v128.store(wp + 3 * rs, a3);
}

function tile1x8(xp: usize, dp: usize, wp: usize): void {
  let a0 = v128.load(wp);
  let a1 = v128.load(wp, 16);
  const ow = outWidth;
  const step = xCol;
  const dStep = dyStep;
  let dq = dp;
  for (let r = 0; r < outHeight; r++) {
    let xq = xp + <usize>r * xRow;
    for (let c = 0; c < ow; c++) {
      const x0 = v128.load32_splat(xq);
      a0 = madd(a0, x0, v128.load(dq));
      a1 = madd(a1, x0, v128.load(dq, 16));
      xq += step;
      dq += dStep;
    }
  }
  v128.store(wp, a0);
  v128.store(wp, a1, 16);
}

function tile1x4(xp: usize, dp: usize, wp: usize): void {
  let a = v128.load(wp);
  const ow = outWidth;
  const step = xCol;
  const dStep = dyStep;
  let dq = dp;
  for (let r = 0; r < outHeight; r++) {
    let xq = xp + <usize>r * xRow;
    for (let c = 0; c < ow; c++) {
      a = madd(a, v128.load32_splat(xq), v128.load(dq));
      xq += step;
      dq += dStep;
    }
  }
  v128.store(wp, a);
}

function tile1x1(xp: usize, dp: usize, wp: usize): void {
  let a = load<f32>(wp);
  const ow = outWidth;
  const step = xCol;
  const dStep = dyStep;
  let dq = dp;
  for (let r = 0; r < outHeight; r++) {
    let xq = xp + <usize>r * xRow;
    for (let c = 0; c < ow; c++) {
      a += load<f32>(xq) * load<f32>(dq);
      xq += step;
      dq += dStep;
    }
  }
  store<f32>(wp, a);
}

/** One patch row (fixed kh) of dW, `rows` wide, over one image, into tiles of MR rows. */
function patchRows(xr: usize, db: usize, wr: usize, rows: i32, co: i32): void {
  const rs = wRow;
  let m = 0;
  for (; m + 4 <= rows; m += 4) {
    const xm = xr + ((<usize>m) << 2);
    const wm = wr + <usize>m * rs;
    let c = 0;
    for (; c + 8 <= co; c += 8) tile4x8(xm, db + ((<usize>c) << 2), wm + ((<usize>c) << 2));
    for (; c + 4 <= co; c += 4) tile4x4(xm, db + ((<usize>c) << 2), wm + ((<usize>c) << 2));
    for (; c < co; c++) {
      for (let i = 0; i < 4; i++) {
        tile1x1(
          xm + ((<usize>i) << 2),
          db + ((<usize>c) << 2),
          wm + <usize>i * rs + ((<usize>c) << 2),
        );
      }
    }
  }
  for (; m < rows; m++) {
    const xm = xr + ((<usize>m) << 2);
    const wm = wr + <usize>m * rs;
    let c = 0;
    for (; c + 8 <= co; c += 8) tile1x8(xm, db + ((<usize>c) << 2), wm + ((<usize>c) << 2));
    for (; c + 4 <= co; c += 4) tile1x4(xm, db + ((<usize>c) << 2), wm + ((<usize>c) << 2));
    for (; c < co; c++) tile1x1(xm, db + ((<usize>c) << 2), wm + ((<usize>c) << 2));
  }
}

/**
 * dW [kh, kw, ci, co] from the padded input x [n, hp, wp, ci] (exactly the rows and columns
 * the forward pass read) and dy [n, oh, ow, co]. All pointers are byte offsets in this memory.
 */
export function filterGrad(
  x: usize,
  dy: usize,
  dw: usize,
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
): void {
  const rows = kw * ci; // (kw, ci) entries of one patch row: contiguous in x
  outHeight = oh;
  outWidth = ow;
  xCol = (<usize>(sw * ci)) << 2;
  xRow = (<usize>(sh * wp * ci)) << 2;
  dyStep = (<usize>co) << 2;
  wRow = (<usize>co) << 2;
  memory.fill(dw, 0, (<usize>(kh * rows * co)) << 2);
  const xImage = (<usize>(hp * wp * ci)) << 2;
  const dyImage = (<usize>(oh * ow * co)) << 2;
  const xPatchRow = (<usize>(wp * ci)) << 2;
  const wPatchRow = (<usize>(rows * co)) << 2;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * xImage;
    const db = dy + <usize>b * dyImage;
    for (let r = 0; r < kh; r++) {
      patchRows(xb + <usize>r * xPatchRow, db, dw + <usize>r * wPatchRow, rows, co);
    }
  }
}

export { pad } from './pad';
