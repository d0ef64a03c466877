/**
 * Gather along one axis (tfjs GatherV2 without batch dimensions), compiled to wasm by
 * AssemblyScript (`npm run build:wasm`): out[o, j, :] = x[o, indices[j], :] for x seen as
 * [outer, n, inner]. Rows of four or more values are copied four at a time.
 *
 * Returns the number of indices outside [0, n); the caller then discards the output and lets the
 * backend's own kernel handle (and report) them.
 */
export function gather(
  x: usize,
  indices: usize,
  out: usize,
  outer: i32,
  n: i32,
  inner: i32,
  count: i32,
): i32 {
  let bad = 0;
  for (let j = 0; j < count; j++) {
    const i = load<i32>(indices + ((<usize>j) << 2));
    if (i < 0 || i >= n) bad++;
  }
  if (bad) return bad;
  const rowBytes = (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const from = x + <usize>o * <usize>n * rowBytes;
    let to = out + <usize>o * <usize>count * rowBytes;
    for (let j = 0; j < count; j++) {
      const src = from + <usize>load<i32>(indices + ((<usize>j) << 2)) * rowBytes;
      if (inner == 1) {
        store<f32>(to, load<f32>(src));
      } else if (inner == 2) {
        store<f64>(to, load<f64>(src));
      } else if (inner == 3) {
        store<f64>(to, load<f64>(src));
        store<f32>(to, load<f32>(src, 8), 8);
      } else {
        let k: usize = 0;
        for (; k + 16 <= rowBytes; k += 16) v128.store(to + k, v128.load(src + k));
        for (; k < rowBytes; k += 4) store<f32>(to + k, load<f32>(src + k));
      }
      to += rowBytes;
    }
  }
  return 0;
}

/**
 * Copies `outer` runs of `inner` floats from src (runs `srcStride` bytes apart) to dst (runs
 * `dstStride` bytes apart): one output of Unpack, or one input of Pack, along any axis.
 */
export function strided(
  src: usize,
  dst: usize,
  outer: i32,
  inner: i32,
  srcStride: usize,
  dstStride: usize,
): void {
  const bytes = (<usize>inner) << 2;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      store<f32>(dst + <usize>o * dstStride, load<f32>(src + <usize>o * srcStride));
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    memory.copy(dst + <usize>o * dstStride, src + <usize>o * srcStride, bytes);
  }
}
