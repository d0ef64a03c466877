/**
 * BatchMatMul and _FusedMatMul with a transposed operand, for wasm: the backend's own kernel
 * multiplies a transposed operand about 10× slower than a plain one (12 ms against 1.2 ms for
 * [64,128]·[1568,128]ᵀ, the input gradient of a dense layer), while transposing it first costs a
 * fraction of a millisecond. So the operand is transposed explicitly and the backend's kernel runs
 * without transposes. Exact: a transpose moves values, and the product is the same.
 *
 * Also a fix: the backend's _FusedMatMul adds the bias wrongly when the batch axis is longer than
 * one (tfjs-backend-wasm 4.22, off by up to the bias itself against the cpu backend: see
 * tests/unit/kernels.test.ts). There the product, the bias and the activation run as three ops.
 */
import * as tf from '@tensorflow/tfjs';

type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | 'prelu';

function activate(
  x: tf.Tensor,
  activation: Activation,
  alpha: number | undefined,
  prelu: tf.Tensor | undefined,
): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, alpha);
    case 'prelu':
      if (!prelu) throw new Error('_FusedMatMul: prelu without its weights');
      return tf.prelu(x, prelu);
  }
}

export function transposingMatMul(
  kernelName: 'BatchMatMul' | '_FusedMatMul',
  stock: tf.KernelConfig | undefined,
): tf.KernelConfig {
  if (!stock) throw new Error(`${kernelName}: the wasm backend has no kernel to build on`);
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as {
        transposeA: boolean;
        transposeB: boolean;
        activation?: Activation;
        leakyreluAlpha?: number;
      };
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.Tensor>;
      const batch = (t: tf.Tensor) => tf.util.sizeFromShape(t.shape.slice(0, -2));
      if (kernelName === '_FusedMatMul' && bias && (batch(a) > 1 || batch(b) > 1)) {
        return tf.tidy(() => {
          const product = tf.matMul(a, b, transposeA, transposeB);
          const act = activation ?? 'linear';
          return activate(tf.add(product, bias), act, leakyreluAlpha, preluActivationWeights);
        });
      }
      if (!transposeA && !transposeB) return stock.kernelFunc(args);
      const made: tf.TensorInfo[] = [];
      const plain = (t: tf.TensorInfo, transposed: boolean) => {
        if (!transposed) return t;
        const perm = t.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
        const out = tf
          .engine()
          .runKernel('Transpose', { x: t as tf.Tensor }, { perm }) as tf.Tensor;
        made.push(out);
        return out;
      };
      try {
        return stock.kernelFunc({
          ...args,
          inputs: { ...args.inputs, a: plain(a, transposeA), b: plain(b, transposeB) },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        tf.dispose(made as tf.Tensor[]);
      }
    },
  };
}
