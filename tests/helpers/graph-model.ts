/**
 * Writes a small TensorFlow.js GraphModel by hand (the converter's JSON GraphDef plus a weights
 * file), so GraphModel loading is tested without Python or the converter: a linear classifier
 * reshape → MatMul → BiasAdd on [H, W, C] images, optionally followed by a Softmax op.
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
  inputShape: [number, number, number];
  /** [H·W·C, K] row-major. */
  kernel: Float32Array;
  /** [K]. */
  bias: Float32Array;
  softmax?: boolean;
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
  if (spec.softmax)
    nodes.push({ name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: float } });
  const weights = Buffer.concat([
    Buffer.from(new Int32Array([-1, features]).buffer),
    Buffer.from(spec.kernel.buffer, spec.kernel.byteOffset, spec.kernel.byteLength),
    Buffer.from(spec.bias.buffer, spec.bias.byteOffset, spec.bias.byteLength),
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
        ],
      },
    ],
  };
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'group1-shard1of1.bin'), weights);
  await fs.writeFile(path.join(folder, 'model.json'), JSON.stringify(modelJson));
  return folder;
}
