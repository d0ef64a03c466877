/**
 * Convolutions with FIXED filters (snow flake kernels, Gabor kernels, the elastic Gaussian) whose
 * gradient is only ever needed with respect to the input. Each gradient is written as the
 * adjoint operation built from fast forward kernels: for a stride-1 'same' convolution with an
 * odd filter, the adjoint is the same convolution with the filter flipped in space (and its
 * channel axes swapped). This avoids wasm's naive Conv2DBackpropInput and its missing depthwise
 * input gradient, and computes no filter gradient at all.
 */
import * as tf from '@tensorflow/tfjs';

function assertOdd(filter: tf.Tensor4D): void {
  const [kh, kw] = filter.shape;
  if (kh % 2 === 0 || kw % 2 === 0) {
    throw new Error(`fixed-filter convolution needs an odd filter size, got ${kh}×${kw}`);
  }
}

/** Space-flipped filter [KH, KW, A, B] → [KH, KW, B, A] (the adjoint of a 'same' conv2d). */
function adjointFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
}

/** A convolution with a fixed filter; `tensors` are the filters it made (dispose when done). */
export interface FixedFilter {
  apply: (x: tf.Tensor4D) => tf.Tensor4D;
  tensors: tf.Tensor[];
}

/** conv2d(x, filter, stride 1, 'same') for a constant filter, differentiable in x. */
export function fixedConv2d(filter: tf.Tensor4D): FixedFilter {
  assertOdd(filter);
  const adjoint = adjointFilter(filter);
  const apply = tf.customGrad((...args) => {
    const x = args[0] as tf.Tensor4D;
    return {
      value: tf.conv2d(x, filter, 1, 'same'),
      gradFunc: (dy: tf.Tensor) => tf.conv2d(dy as tf.Tensor4D, adjoint, 1, 'same'),
    };
  }) as (x: tf.Tensor4D) => tf.Tensor4D;
  return { apply, tensors: [adjoint] };
}

/**
 * Per-channel ('depthwise') 'same' convolution with a constant filter [KH, KW, C, 1],
 * differentiable in x. The adjoint is the depthwise convolution with the space-flipped filter.
 */
export function fixedDepthwise(filter: tf.Tensor4D): FixedFilter {
  assertOdd(filter);
  const flipped = tf.tidy(() => tf.reverse(filter, [0, 1]) as tf.Tensor4D);
  const apply = tf.customGrad((...args) => {
    const x = args[0] as tf.Tensor4D;
    return {
      value: tf.depthwiseConv2d(x, filter, 1, 'same'),
      gradFunc: (dy: tf.Tensor) => tf.depthwiseConv2d(dy as tf.Tensor4D, flipped, 1, 'same'),
    };
  }) as (x: tf.Tensor4D) => tf.Tensor4D;
  return { apply, tensors: [flipped] };
}

/**
 * The n×n matrix of a 1-D filter with reflect padding (the boundary folded in), so a separable
 * smoothing is two matrix products whose gradients are matrix products too.
 */
export function reflectFilterMatrix(n: number, taps: ArrayLike<number>): Float32Array {
  const r = (taps.length - 1) / 2;
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = -r; k <= r; k++) {
      let j = i + k;
      // Reflect without repeating the edge (PyTorch/NumPy 'reflect'); r < n keeps one fold.
      if (j < 0) j = -j;
      if (j > n - 1) j = 2 * (n - 1) - j;
      m[i * n + j] += taps[k + r];
    }
  }
  return m;
}
