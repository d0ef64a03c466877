/**
 * `exportModel`: a library classifier written as an ONNX file. The file is checked before it is
 * written: decoded and converted back by the importer, its logits on a probe batch must match
 * the classifier's. The path is the user's choice (CLI or desktop save dialog): it must end in
 * .onnx, its folder must exist, and an existing file is replaced only when asked.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExportedModel, ModelInfo } from '../../shared/api';
import { writeFileAtomic } from '../engine/data/atomic';
import { LayersClassifier } from '../engine/models/classifier';
import { loadClassifier } from '../engine/models/load';
import { convertOnnx } from '../engine/models/onnx/convert';
import { exportClassifierToOnnx } from '../engine/models/onnx/export';
import { decodeOnnx } from '../engine/models/onnx/proto';
import { probeBatch } from '../engine/models/validate';
import { initBackend } from '../engine/runtime/backend';
import { ApiError } from './errors';

/** Largest logit difference accepted between a model and its exported file (float32 rounding). */
export const EXPORT_TOLERANCE = 1e-3;

export async function exportModelAsOnnx(
  info: ModelInfo,
  onnxPath: string,
  opts: { opset?: number; overwrite?: boolean } = {},
): Promise<ExportedModel> {
  const file = path.resolve(onnxPath);
  if (!file.toLowerCase().endsWith('.onnx')) {
    throw new ApiError('invalid-input', `${file}: the file name must end in .onnx`, 'onnxPath');
  }
  if (!existsSync(path.dirname(file))) {
    throw new ApiError('invalid-input', `${path.dirname(file)}: no such folder`, 'onnxPath');
  }
  if (existsSync(file) && !opts.overwrite) {
    throw new ApiError(
      'conflict',
      `${file} exists; pass overwrite (--force) to replace it`,
      'onnxPath',
    );
  }
  if (info.kind !== 'classifier') {
    throw new ApiError(
      'invalid-input',
      `"${info.name}" is a ${info.kind}; only classifiers export to ONNX`,
      'id',
    );
  }
  await initBackend();
  const { model } = await loadClassifier(info.path);
  try {
    if (!(model instanceof LayersClassifier)) {
      throw new ApiError(
        'invalid-input',
        `"${info.name}" is a TensorFlow.js graph model; only Layers models export to ONNX`,
        'id',
      );
    }
    const opset = opts.opset ?? 17;
    const bytes = exportClassifierToOnnx(model, { opset });
    const maxLogitDifference = checkExport(model, bytes, file);
    await writeFileAtomic(file, bytes);
    return { path: file, sizeBytes: (await fs.stat(file)).size, opset, maxLogitDifference };
  } finally {
    model.dispose();
  }
}

/** Decode and convert the written bytes and compare logits with the model's own. */
function checkExport(model: LayersClassifier, bytes: Uint8Array, file: string): number {
  const back = convertOnnx(decodeOnnx(bytes, file));
  try {
    const diff = tf.tidy(() => {
      const x = probeBatch(model.inputShape);
      const ours = model.logits(x);
      const theirs = back.model.predict(x) as tf.Tensor;
      return tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0];
    });
    if (!(diff <= EXPORT_TOLERANCE)) {
      throw new Error(
        `the exported graph's logits differ from the model's by ${diff}; nothing was written`,
      );
    }
    return diff;
  } finally {
    back.model.dispose();
  }
}
