/**
 * Writes a small TensorFlow.js GraphModel by hand (the converter's JSON GraphDef plus a weights
 * file), so GraphModel loading is tested without Python or the converter: reshape → MatMul →
 * BiasAdd on inputs of any shape, optionally followed by Softmax or Sigmoid and a final reshape
 * (a linear classifier on images, or a one-layer generator on latents).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const float = { type: 'DT_FLOAT' };

function constNode(name: string, dtype: 'DT_FLOAT' | 'DT_INT32', shape: number[]) {
  return {
    name,
    op: 'Const',
    attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: dims(shape) } } },
  };
}

export interface LinearGraphSpec {
  /** Shape of one input (without the batch axis). */
  inputShape: number[];
  /** [H·W·C, K] row-major. */
  kernel: Float32Array;
  /** [K]. */
  bias: Float32Array;
  softmax?: boolean;
  sigmoid?: boolean;
  /** Reshape the output to [batch, ...reshapeTo] (e.g. an image shape). */
  reshapeTo?: number[];
}

export async function writeLinearGraphModel(
  folder: string,
  spec: LinearGraphSpec,
): Promise<string> {
  const features = spec.inputShape.reduce((a, b) => a * b, 1);
  const k = spec.bias.length;
  const nodes: unknown[] = [
    {
      name: 'images',
      op: 'Placeholder',
      attr: { dtype: float, shape: { shape: dims([-1, ...spec.inputShape]) } },
    },
    constNode('flat_shape', 'DT_INT32', [2]),
    constNode('dense/kernel', 'DT_FLOAT', [features, k]),
    constNode('dense/bias', 'DT_FLOAT', [k]),
    {
      name: 'flat',
      op: 'Reshape',
      input: ['images', 'flat_shape'],
      attr: { T: float, Tshape: { type: 'DT_INT32' } },
    },
    {
      name: 'dense/MatMul',
      op: 'MatMul',
      input: ['flat', 'dense/kernel'],
      attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
    },
    {
      name: 'logits',
      op: 'BiasAdd',
      input: ['dense/MatMul', 'dense/bias'],
      attr: { T: float, data_format: { s: Buffer.from('NHWC').toString('base64') } },
    },
  ];
  let last = 'logits';
  for (const op of [spec.softmax && 'Softmax', spec.sigmoid && 'Sigmoid'].filter(Boolean)) {
    nodes.push({ name: `${op}_out`, op, input: [last], attr: { T: float } });
    last = `${op}_out`;
  }
  if (spec.reshapeTo) {
    nodes.push(constNode('out_shape', 'DT_INT32', [spec.reshapeTo.length + 1]));
    nodes.push({
      name: 'output',
      op: 'Reshape',
      input: [last, 'out_shape'],
      attr: { T: float, Tshape: { type: 'DT_INT32' } },
    });
  }
  const weights = Buffer.concat([
    Buffer.from(new Int32Array([-1, features]).buffer),
    Buffer.from(spec.kernel.buffer, spec.kernel.byteOffset, spec.kernel.byteLength),
    Buffer.from(spec.bias.buffer, spec.bias.byteOffset, spec.bias.byteLength),
    Buffer.from(new Int32Array(spec.reshapeTo ? [-1, ...spec.reshapeTo] : []).buffer),
  ]);
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'hand-written test graph',
    convertedBy: null,
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'flat_shape', shape: [2], dtype: 'int32' },
          { name: 'dense/kernel', shape: [features, k], dtype: 'float32' },
          { name: 'dense/bias', shape: [k], dtype: 'float32' },
          ...(spec.reshapeTo
            ? [{ name: 'out_shape', shape: [spec.reshapeTo.length + 1], dtype: 'int32' }]
            : []),
        ],
      },
    ],
  };
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'group1-shard1of1.bin'), weights);
  await fs.writeFile(path.join(folder, 'model.json'), JSON.stringify(modelJson));
  return folder;
}
