/**
 * Per-channel passes over activations laid out as [rows, c] (NHWC with every axis but the
 * channel one flattened): the elementwise work of batch-norm in training mode, each in one pass
 * over memory. Compiled to wasm SIMD by AssemblyScript (`npm run build:wasm`).
 *
 * Why: on the benchmark CNN's first layer an activation is 16.8 MB, so every pass tfjs makes
 * (a multiply, a sum, a squared difference) streams it from DRAM; batch-norm's forward and
 * backward took about ten such passes, these take four.
 *
 * Sums run in f32 over blocks of 64 rows (which stay in L1) and are combined across blocks in
 * f64, so their error does not grow with the batch. All pointers are byte offsets into the
 * imported memory (the tfjs wasm backend's); the module keeps no state of its own there.
 */

const BLOCK: i32 = 64;

/**
 * Mean and M2 = Σ (x − mean)² of each channel, as f32 into out[0, c) and out[c, 2c). Each block
 * of rows gives its own mean and M2 (two passes while it is in L1), merged into running f64
 * values in `scratch` (2c f64) by Chan et al.'s pairwise update: one pass over memory, and as
 * stable as two.
 */
export function moments(x: usize, rows: i32, c: i32, out: usize, scratch: usize): void {
  const rowBytes = (<usize>c) << 2;
  memory.fill(scratch, 0, (<usize>c) << 4);
  let seen: f64 = 0;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const n = min(BLOCK, rows - r0);
    const nf = <f32>n;
    const block = x + <usize>r0 * rowBytes;
    const total = seen + <f64>n;
    const wNew = <f64>n / total;
    const wCross = (seen * <f64>n) / total;
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const col = block + ((<usize>ch) << 2);
      // Shifted by the block's first row: x − x0 is exact for close values, so a large mean
      // against a small spread loses nothing to the f32 sums.
      const x0 = v128.load(col);
      let s = f32x4.splat(0);
      let p = col;
      for (let r = 0; r < n; r++) {
        s = f32x4.add(s, f32x4.sub(v128.load(p), x0));
        p += rowBytes;
      }
      const m = f32x4.div(s, f32x4.splat(nf));
      let q = f32x4.splat(0);
      p = col;
      for (let r = 0; r < n; r++) {
        const d = f32x4.sub(f32x4.sub(v128.load(p), x0), m);
        q = f32x4.add(q, f32x4.mul(d, d));
        p += rowBytes;
      }
      for (let lane = 0; lane < 4; lane++) {
        const mean = <f64>load<f32>(col + ((<usize>lane) << 2)) + <f64>lane4(m, lane);
        merge(scratch, c, ch + lane, mean, <f64>lane4(q, lane), wNew, wCross);
      }
    }
    for (; ch < c; ch++) {
      const col = block + ((<usize>ch) << 2);
      const x0 = load<f32>(col);
      let s: f32 = 0;
      let p = col;
      for (let r = 0; r < n; r++) {
        s += load<f32>(p) - x0;
        p += rowBytes;
      }
      const m = s / nf;
      let q: f32 = 0;
      p = col;
      for (let r = 0; r < n; r++) {
        const d = load<f32>(p) - x0 - m;
        q += d * d;
        p += rowBytes;
      }
      merge(scratch, c, ch, <f64>x0 + <f64>m, <f64>q, wNew, wCross);
    }
    seen = total;
  }
  for (let ch = 0; ch < c; ch++) {
    store<f32>(out + ((<usize>ch) << 2), <f32>load<f64>(scratch + ((<usize>ch) << 3)));
    store<f32>(out + ((<usize>(c + ch)) << 2), <f32>load<f64>(scratch + ((<usize>(c + ch)) << 3)));
  }
}

/** Lane i of an f32x4 (extract_lane needs a constant lane). */
function lane4(v: v128, i: i32): f32 {
  if (i == 0) return f32x4.extract_lane(v, 0);
  if (i == 1) return f32x4.extract_lane(v, 1);
  if (i == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

/** Chan's update of channel ch's running (mean, M2) with a block's (m, q). */
function merge(scratch: usize, c: i32, ch: i32, m: f64, q: f64, wNew: f64, wCross: f64): void {
  const meanAt = scratch + ((<usize>ch) << 3);
  const m2At = scratch + ((<usize>(c + ch)) << 3);
  const mean = load<f64>(meanAt);
  const delta = m - mean;
  store<f64>(meanAt, mean + delta * wNew);
  store<f64>(m2At, load<f64>(m2At) + q + delta * delta * wCross);
}

/** Σ dy and Σ dy·x of each channel, as f32 into out[0, c) and out[c, 2c) (f64 across blocks). */
export function sums(dy: usize, x: usize, rows: i32, c: i32, out: usize, scratch: usize): void {
  const rowBytes = (<usize>c) << 2;
  memory.fill(scratch, 0, (<usize>c) << 4);
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const n = min(BLOCK, rows - r0);
    const offset = <usize>r0 * rowBytes;
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      let p = offset + ((<usize>ch) << 2);
      let s = f32x4.splat(0);
      let sx = f32x4.splat(0);
      for (let r = 0; r < n; r++) {
        const d = v128.load(dy + p);
        s = f32x4.add(s, d);
        sx = f32x4.add(sx, f32x4.mul(d, v128.load(x + p)));
        p += rowBytes;
      }
      accumulate(scratch, c, ch, s, sx);
    }
    for (; ch < c; ch++) {
      let p = offset + ((<usize>ch) << 2);
      let s: f32 = 0;
      let sx: f32 = 0;
      for (let r = 0; r < n; r++) {
        const d = load<f32>(dy + p);
        s += d;
        sx += d * load<f32>(x + p);
        p += rowBytes;
      }
      const sAt = scratch + ((<usize>ch) << 3);
      const sxAt = scratch + ((<usize>(c + ch)) << 3);
      store<f64>(sAt, load<f64>(sAt) + <f64>s);
      store<f64>(sxAt, load<f64>(sxAt) + <f64>sx);
    }
  }
  for (let ch = 0; ch < 2 * c; ch++) {
    store<f32>(out + ((<usize>ch) << 2), <f32>load<f64>(scratch + ((<usize>ch) << 3)));
  }
}

/** Adds four f32 lanes into the four f64 values at `at`. */
function addToF64(at: usize, v: v128): void {
  v128.store(at, f64x2.add(v128.load(at), f64x2.promote_low_f32x4(v)));
  const high = i32x4.shuffle(v, v, 2, 3, 0, 1);
  v128.store(at, f64x2.add(v128.load(at, 16), f64x2.promote_low_f32x4(high)), 16);
}

/** Adds four channels' block sums (f32x4) into their running f64 sums. */
function accumulate(scratch: usize, c: i32, ch: i32, s: v128, sx: v128): void {
  addToF64(scratch + ((<usize>ch) << 3), s);
  addToF64(scratch + ((<usize>(c + ch)) << 3), sx);
}

/** y = x·a + b per channel (a, b: c values). */
export function affine(x: usize, a: usize, b: usize, y: usize, rows: i32, c: i32): void {
  const rowBytes = (<usize>c) << 2;
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes;
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const k = (<usize>ch) << 2;
      v128.store(
        y + at + k,
        f32x4.add(f32x4.mul(v128.load(x + at + k), v128.load(a + k)), v128.load(b + k)),
      );
    }
    for (; ch < c; ch++) {
      const k = (<usize>ch) << 2;
      store<f32>(y + at + k, load<f32>(x + at + k) * load<f32>(a + k) + load<f32>(b + k));
    }
  }
}

/** out = dy·a + x·b + k per channel (a, b, k: c values): batch-norm's input gradient. */
export function affine2(
  dy: usize,
  x: usize,
  a: usize,
  b: usize,
  k: usize,
  out: usize,
  rows: i32,
  c: i32,
): void {
  const rowBytes = (<usize>c) << 2;
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes;
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const o = (<usize>ch) << 2;
      const v = f32x4.add(
        f32x4.add(
          f32x4.mul(v128.load(dy + at + o), v128.load(a + o)),
          f32x4.mul(v128.load(x + at + o), v128.load(b + o)),
        ),
        v128.load(k + o),
      );
      v128.store(out + at + o, v);
    }
    for (; ch < c; ch++) {
      const o = (<usize>ch) << 2;
      store<f32>(
        out + at + o,
        load<f32>(dy + at + o) * load<f32>(a + o) +
          load<f32>(x + at + o) * load<f32>(b + o) +
          load<f32>(k + o),
      );
    }
  }
}

/**
 * scale · Σ over the rows of each of `outer` matrices x [outer, rows, c], as f32 into out
 * [outer, c]: sums over a block of axes that leaves the last one (bias gradients, means, FiLM
 * scale gradients). f32 within blocks of 64 rows, f64 across them (c f64 of `scratch`).
 */
export function columnSums(
  x: usize,
  outer: i32,
  rows: i32,
  c: i32,
  out: usize,
  scratch: usize,
  scale: f64,
): void {
  const rowBytes = (<usize>c) << 2;
  for (let o = 0; o < outer; o++) {
    const matrix = x + <usize>o * <usize>rows * rowBytes;
    const sums = out + <usize>o * rowBytes;
    memory.fill(scratch, 0, (<usize>c) << 3);
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const n = min(BLOCK, rows - r0);
      const offset = matrix + <usize>r0 * rowBytes;
      let ch = 0;
      for (; ch + 4 <= c; ch += 4) {
        let p = offset + ((<usize>ch) << 2);
        let s = f32x4.splat(0);
        for (let r = 0; r < n; r++) {
          s = f32x4.add(s, v128.load(p));
          p += rowBytes;
        }
        addToF64(scratch + ((<usize>ch) << 3), s);
      }
      for (; ch < c; ch++) {
        let p = offset + ((<usize>ch) << 2);
        let s: f32 = 0;
        for (let r = 0; r < n; r++) {
          s += load<f32>(p);
          p += rowBytes;
        }
        const at = scratch + ((<usize>ch) << 3);
        store<f64>(at, load<f64>(at) + <f64>s);
      }
    }
    for (let ch = 0; ch < c; ch++) {
      store<f32>(sums + ((<usize>ch) << 2), <f32>(load<f64>(scratch + ((<usize>ch) << 3)) * scale));
    }
  }
}

// Binary operations of broadcast: out = x ∘ s, or s ∘ x when the small operand comes first.
const MUL = 0;
const ADD = 1;
const SUB = 2;
const MAX = 3;
const MIN = 4;
const DIV = 5;

function apply4(op: i32, a: v128, b: v128): v128 {
  if (op == MUL) return f32x4.mul(a, b);
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MAX) return f32x4.max(a, b);
  if (op == MIN) return f32x4.min(a, b);
  assert(op == DIV);
  return f32x4.div(a, b);
}

function apply1(op: i32, a: f32, b: f32): f32 {
  if (op == MUL) return a * b;
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  // NaN wins, as in f32x4.max / min and JavaScript's Math.max / min.
  if (op == MAX) return a != a || b != b ? NaN : max(a, b);
  if (op == MIN) return a != a || b != b ? NaN : min(a, b);
  assert(op == DIV);
  return a / b;
}

/**
 * out[o, m, i] = x[o, m, i] ∘ s[o, i] (or s ∘ x when smallFirst ≠ 0), for x [outer, mid, inner]
 * and s [outer, inner]: a binary operation whose small operand is broadcast over one block of
 * axes (per-image channel scales [B,1,1,C], per-pixel values [B,H,W,1], per-image scalars
 * [B,1,1,1]). Vectorised over inner, or over mid when inner is 1.
 */
export function broadcast(
  x: usize,
  s: usize,
  out: usize,
  outer: i32,
  mid: i32,
  inner: i32,
  op: i32,
  smallFirst: i32,
): void {
  const rowBytes = (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const sRow = s + <usize>o * rowBytes;
    const base = <usize>o * <usize>mid * rowBytes;
    if (inner == 1) {
      const t1 = load<f32>(sRow);
      const t = f32x4.splat(t1);
      let m = 0;
      for (; m + 4 <= mid; m += 4) {
        const k = base + ((<usize>m) << 2);
        const v = v128.load(x + k);
        v128.store(out + k, smallFirst ? apply4(op, t, v) : apply4(op, v, t));
      }
      for (; m < mid; m++) {
        const k = base + ((<usize>m) << 2);
        const v = load<f32>(x + k);
        store<f32>(out + k, smallFirst ? apply1(op, t1, v) : apply1(op, v, t1));
      }
      continue;
    }
    for (let m = 0; m < mid; m++) {
      const at = base + <usize>m * rowBytes;
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const k = (<usize>i) << 2;
        const v = v128.load(x + at + k);
        const t = v128.load(sRow + k);
        v128.store(out + at + k, smallFirst ? apply4(op, t, v) : apply4(op, v, t));
      }
      for (; i < inner; i++) {
        const k = (<usize>i) << 2;
        const v = load<f32>(x + at + k);
        const t = load<f32>(sRow + k);
        store<f32>(out + at + k, smallFirst ? apply1(op, t, v) : apply1(op, v, t));
      }
    }
  }
}

// Comparisons of broadcast: out = (x ∘ s) as bytes 0/1, or (s ∘ x) when the small operand comes
// first. NaN compares unequal to everything and neither greater nor less, as in JavaScript.
const EQUAL = 0;
const NOT_EQUAL = 1;
const GREATER = 2;
const GREATER_EQUAL = 3;
const LESS = 4;
const LESS_EQUAL = 5;

function compare1(op: i32, a: f32, b: f32): u8 {
  if (op == EQUAL) return <u8>(a == b);
  if (op == NOT_EQUAL) return <u8>(a != b);
  if (op == GREATER) return <u8>(a > b);
  if (op == GREATER_EQUAL) return <u8>(a >= b);
  if (op == LESS) return <u8>(a < b);
  assert(op == LESS_EQUAL);
  return <u8>(a <= b);
}

/**
 * out[o, m, i] = x[o, m, i] ∘ s[o, i] (or s ∘ x), as one byte per value (tfjs's bool), for x
 * [outer, mid, inner] and s [outer, inner]: the comparison counterpart of `broadcast`.
 */
export function compareBroadcast(
  x: usize,
  s: usize,
  out: usize,
  outer: i32,
  mid: i32,
  inner: i32,
  op: i32,
  smallFirst: i32,
): void {
  let to = out;
  for (let o = 0; o < outer; o++) {
    const sRow = s + ((<usize>o * <usize>inner) << 2);
    let from = x + ((<usize>o * <usize>mid * <usize>inner) << 2);
    for (let m = 0; m < mid; m++) {
      for (let i = 0; i < inner; i++) {
        const v = load<f32>(from);
        const t = load<f32>(sRow + ((<usize>i) << 2));
        store<u8>(to, smallFirst ? compare1(op, t, v) : compare1(op, v, t));
        from += 4;
        to += 1;
      }
    }
  }
}
