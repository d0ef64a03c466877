/** Zero padding of NHWC activations, shared by the convolution kernels. */

/**
 * Copies x [n, h, w, c] (at src) into a zeroed [n, h + top + bottom, w + left + right, c] (at
 * dst): the padded input the convolution kernels read. Negative padding crops.
 */
export function pad(
  src: usize,
  dst: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  top: i32,
  bottom: i32,
  left: i32,
  right: i32,
): void {
  const hp = h + top + bottom;
  const wp = w + left + right;
  memory.fill(dst, 0, (<usize>(n * hp * wp * c)) << 2);
  const rowFrom = max(0, -top);
  const rowTo = min(h, hp - top);
  const colFrom = max(0, -left);
  const colTo = min(w, wp - left);
  if (colTo <= colFrom) return;
  const bytes = (<usize>((colTo - colFrom) * c)) << 2;
  for (let b = 0; b < n; b++) {
    for (let r = rowFrom; r < rowTo; r++) {
      const from = src + ((<usize>(((b * h + r) * w + colFrom) * c)) << 2);
      const to = dst + ((<usize>(((b * hp + r + top) * wp + colFrom + left) * c)) << 2);
      memory.copy(to, from, bytes);
    }
  }
}
