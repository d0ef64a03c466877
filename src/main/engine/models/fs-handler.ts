/**
 * A tf.io handler on node:fs for the TensorFlow.js model formats (model.json + weight files).
 * tfjs-node's file:// handler is not available on the wasm and cpu backends, so the engine
 * brings its own. Saving writes weights first and model.json last, each atomically, so a reader
 * never finds a model.json whose weights are missing or half-written.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic';
import { confinedPath } from '../files/confine';
import { parseJsonText, readTextCapped } from '../files/json-text';
import { FILE_LIMITS } from '../files/limits';
import { ModelError } from './errors';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Resolve a folder or a model.json path to the model.json path. */
export async function resolveModelJson(pathOrFolder: string): Promise<string> {
  const p = path.resolve(pathOrFolder);
  let stat;
  try {
    stat = await fs.stat(p);
  } catch {
    throw new ModelError(pathOrFolder, 'no such file or folder');
  }
  if (!stat.isDirectory()) return p;
  const json = path.join(p, MODEL_JSON);
  try {
    await fs.access(json);
  } catch {
    throw new ModelError(json, 'missing: a model folder holds a TensorFlow.js model.json');
  }
  return json;
}

export async function readModelJson(file: string): Promise<tf.io.ModelJSON> {
  const read = await readTextCapped(file, FILE_LIMITS.modelJsonBytes, 'a model.json');
  if (!read.ok) throw new ModelError(file, read.problem);
  const parsed = parseJsonText(read.text);
  if (!parsed.ok) throw new ModelError(file, parsed.problem);
  const json = parsed.value as tf.io.ModelJSON;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !json.modelTopology) {
    throw new ModelError(file, 'not a TensorFlow.js model: "modelTopology" is missing');
  }
  const manifest = json.weightsManifest as unknown;
  const groups = Array.isArray(manifest) ? (manifest as tf.io.WeightsManifestConfig) : [];
  const wellFormed = groups.every(
    (g) =>
      typeof g === 'object' &&
      g !== null &&
      Array.isArray(g.paths) &&
      g.paths.every((p: unknown) => typeof p === 'string') &&
      Array.isArray(g.weights),
  );
  if (manifest !== undefined && (!Array.isArray(manifest) || !wellFormed)) {
    throw new ModelError(
      file,
      'weightsManifest: expected a list of groups, each with "paths" (file names) and "weights"',
    );
  }
  // A model is its weights: without them tfjs would build the layers on random initial values
  // and every audit of "this model" would measure a different, untrained network.
  if (groups.every((g) => g.weights.length === 0)) {
    throw new ModelError(
      file,
      'weightsManifest: the model has no weights (a topology alone would run on random initial values); save it with its weights',
    );
  }
  return json;
}

/** A weight file named in model.json, refused unless it lies inside the model's folder. */
export function weightFilePath(modelJsonFile: string, rel: string, group: number): string {
  return confinedPath(
    path.dirname(modelJsonFile),
    rel,
    (problem) => new ModelError(modelJsonFile, `weightsManifest.${group}.paths: ${problem}`),
  );
}

async function loadWeights(
  modelJsonFile: string,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const [g, group] of manifest.entries()) {
    specs.push(...group.weights);
    for (const rel of group.paths) {
      const file = weightFilePath(modelJsonFile, rel, g);
      let buf: Buffer;
      try {
        buf = await fs.readFile(file);
      } catch {
        throw new ModelError(file, `weights file is missing (listed in ${modelJsonFile})`);
      }
      buffers.push(
        buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
      );
    }
  }
  const data = tf.io.concatenateArrayBuffers(buffers);
  const need = specs.reduce((n, s) => n + weightBytes(s), 0);
  if (data.byteLength !== need) {
    throw new ModelError(
      modelJsonFile,
      `weight files hold ${data.byteLength} bytes but the weights manifest describes ${need} bytes (truncated or mismatched weight files)`,
    );
  }
  return [specs, data];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 };

function weightBytes(s: tf.io.WeightsManifestEntry): number {
  const n = s.shape.reduce((a, b) => a * b, 1);
  if (s.quantization) {
    return n * (s.quantization.dtype === 'float16' ? 2 : s.quantization.dtype === 'uint16' ? 2 : 1);
  }
  if (s.dtype === 'string') return NaN;
  return n * (BYTES[s.dtype] ?? 4);
}

/** A tf.io handler that loads from and saves to a folder (or a model.json path). */
export function fileSystemHandler(pathOrFolder: string): tf.io.IOHandler {
  return {
    async load() {
      const file = await resolveModelJson(pathOrFolder);
      const json = await readModelJson(file);
      return tf.io.getModelArtifactsForJSON(json, (m) => loadWeights(file, m));
    },
    async save(artifacts) {
      const folder = pathOrFolder.endsWith('.json') ? path.dirname(pathOrFolder) : pathOrFolder;
      const topology = artifacts.modelTopology;
      if (topology === undefined || topology instanceof ArrayBuffer) {
        throw new Error('only models with a JSON topology can be saved');
      }
      await fs.mkdir(folder, { recursive: true });
      const weightsManifest: tf.io.WeightsManifestConfig = [];
      if (artifacts.weightData !== undefined && artifacts.weightSpecs) {
        const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
        await writeFileAtomic(path.join(folder, WEIGHTS_BIN), new Uint8Array(data));
        weightsManifest.push({ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs });
      }
      const json: tf.io.ModelJSON = {
        modelTopology: topology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest,
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature) json.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer) json.modelInitializer = artifacts.modelInitializer;
      await writeFileAtomic(path.join(folder, MODEL_JSON), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes:
            artifacts.weightData === undefined
              ? 0
              : tf.io.CompositeArrayBuffer.join(artifacts.weightData).byteLength,
        },
      };
    },
  };
}
