/**
 * MaxPoolGrad for the common 2×2 pool with stride 2 and no padding (NHWC), compiled to wasm SIMD
 * by AssemblyScript (`npm run build:wasm`). Windows do not overlap, so each input element gets
 * its window's gradient or zero, written once; four channels at a time.
 *
 * Semantics of tfjs's cpu backend: the gradient goes to the window's first maximum in row-major
 * order (ties: the earliest), NaN never wins, and a window whose values are all −∞ or NaN passes
 * no gradient. Rows and columns past the last window (odd sizes) get zero.
 */

export function maxPoolGrad2x2(
  x: usize,
  g: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
): void {
  if (2 * oh != h || 2 * ow != w) memory.fill(dx, 0, (<usize>(n * h * w * c)) << 2);
  const pixel = (<usize>c) << 2;
  const row = (<usize>(w * c)) << 2;
  const none = f32x4.splat(-Infinity);
  let gAt = g;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      let at = (<usize>((b * h + 2 * r) * w * c)) << 2;
      for (let col = 0; col < ow; col++) {
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o00 = at + ((<usize>ch) << 2);
          const o01 = o00 + pixel;
          const o10 = o00 + row;
          const o11 = o10 + pixel;
          const v0 = v128.load(x + o00);
          const v1 = v128.load(x + o01);
          const v2 = v128.load(x + o10);
          const v3 = v128.load(x + o11);
          // Strict "greater than the best so far", in window order: NaN compares false.
          const m0 = f32x4.gt(v0, none);
          let best = v128.bitselect(v0, none, m0);
          const m1 = f32x4.gt(v1, best);
          best = v128.bitselect(v1, best, m1);
          const m2 = f32x4.gt(v2, best);
          best = v128.bitselect(v2, best, m2);
          const m3 = f32x4.gt(v3, best);
          // The winner is the last window position whose test passed.
          const w2 = v128.andnot(m2, m3);
          const w1 = v128.andnot(v128.andnot(m1, m2), m3);
          const w0 = v128.andnot(v128.andnot(v128.andnot(m0, m1), m2), m3);
          const d = v128.load(gAt + ((<usize>ch) << 2));
          v128.store(dx + o00, v128.and(d, w0));
          v128.store(dx + o01, v128.and(d, w1));
          v128.store(dx + o10, v128.and(d, w2));
          v128.store(dx + o11, v128.and(d, m3));
        }
        for (; ch < c; ch++) {
          const o00 = at + ((<usize>ch) << 2);
          const o01 = o00 + pixel;
          const o10 = o00 + row;
          const o11 = o10 + pixel;
          let best: f32 = -Infinity;
          let win = -1;
          let v = load<f32>(x + o00);
          if (v > best) {
            best = v;
            win = 0;
          }
          v = load<f32>(x + o01);
          if (v > best) {
            best = v;
            win = 1;
          }
          v = load<f32>(x + o10);
          if (v > best) {
            best = v;
            win = 2;
          }
          v = load<f32>(x + o11);
          if (v > best) win = 3;
          const d = load<f32>(gAt + ((<usize>ch) << 2));
          store<f32>(dx + o00, win == 0 ? d : 0);
          store<f32>(dx + o01, win == 1 ? d : 0);
          store<f32>(dx + o10, win == 2 ? d : 0);
          store<f32>(dx + o11, win == 3 ? d : 0);
        }
        at += 2 * pixel;
        gAt += pixel;
      }
    }
  }
}
