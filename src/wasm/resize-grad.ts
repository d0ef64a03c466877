/**
 * Gradient of nearest-neighbour upsampling by integer factors (NHWC, corners not aligned), compiled
 * to wasm SIMD by AssemblyScript (`npm run build:wasm`): each input pixel takes the sum of the
 * kh × kw block of dy it was copied to. Four channels at a time.
 */

export function resizeNearestGrad(
  dy: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  kh: i32,
  kw: i32,
): void {
  const pixel = (<usize>c) << 2;
  const dyRow = <usize>(w * kw) * pixel;
  let out = dx;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const rowStart = dy + <usize>(b * h + i) * <usize>kh * dyRow;
      for (let j = 0; j < w; j++) {
        const block = rowStart + <usize>(j * kw) * pixel;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const at = block + ((<usize>ch) << 2);
          let s = f32x4.splat(0);
          for (let a = 0; a < kh; a++) {
            let p = at + <usize>a * dyRow;
            for (let q = 0; q < kw; q++) {
              s = f32x4.add(s, v128.load(p));
              p += pixel;
            }
          }
          v128.store(out + ((<usize>ch) << 2), s);
        }
        for (; ch < c; ch++) {
          const at = block + ((<usize>ch) << 2);
          let s: f32 = 0;
          for (let a = 0; a < kh; a++) {
            let p = at + <usize>a * dyRow;
            for (let q = 0; q < kw; q++) {
              s += load<f32>(p);
              p += pixel;
            }
          }
          store<f32>(out + ((<usize>ch) << 2), s);
        }
        out += pixel;
      }
    }
  }
}
