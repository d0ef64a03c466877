/**
 * Importing a PyTorch classifier exported to ONNX: read, convert (convert.ts), then the checks
 * every classifier passes (finite weights, a batch of class scores, logits rather than
 * probabilities, preprocessing that fits the channels). Nothing is written here; the library
 * saves the result as a TensorFlow.js folder only once all of this has passed.
 */

import path from 'node:path';
import { sha256File } from '../../data/checksum';
import { LayersClassifier } from '../classifier';
import { ModelError } from '../errors';
import { preprocessingProblem } from '../preprocessing';
import { IDENTITY_PREPROCESSING, type Preprocessing } from '../types';
import { checkFiniteWeights, probeOutputs } from '../validate';
import { convertOnnx, type OnnxConversion } from './convert';
import { readOnnxFile } from './proto';

/** Metadata keys our own export writes, read back on import. */
export const META_KEYS = {
  name: 'dmat.name',
  classNames: 'dmat.classNames',
  architecture: 'dmat.architecture',
  input: 'dmat.input',
} as const;

export interface OnnxImportOptions {
  name?: string;
  /** How [0,1] pixels become the graph's input when the graph does not normalise itself. */
  preprocessing?: Partial<Preprocessing>;
}

export interface OnnxProvenance {
  importedFrom: 'onnx';
  sourceFile: string;
  sourceSha256: string;
  opset: number;
  irVersion: number;
  producer: string;
  inputLayout: 'NCHW';
  operators: Record<string, number>;
  inGraphNormalisation?: { mean?: number[]; std?: number[] };
  strippedSoftmax?: string;
  trainingModeNodes?: boolean;
}

export interface ImportedOnnx {
  classifier: LayersClassifier;
  conversion: OnnxConversion;
  provenance: OnnxProvenance;
  architecture: string;
  /** What the user should know about the import, one sentence each. */
  notes: string[];
}

export const isOnnxPath = (p: string): boolean => p.toLowerCase().endsWith('.onnx');

function parsedList(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function importOnnxClassifier(
  file: string,
  opts: OnnxImportOptions = {},
): Promise<ImportedOnnx> {
  const abs = path.resolve(file);
  const onnx = await readOnnxFile(abs);
  const conversion = convertOnnx(onnx);
  const { model } = conversion;
  try {
    checkFiniteWeights(model, abs);
    const channels = conversion.inputShape[2];
    const norm = conversion.inGraphNormalisation;
    const p = opts.preprocessing ?? {};
    if (norm && (p.mean || p.std)) {
      throw new ModelError(
        abs,
        `the graph already normalises its input (mean [${fmt(norm.mean)}], std [${fmt(norm.std)}]); giving a mean or std as well would normalise twice`,
      );
    }
    const preprocessing: Preprocessing = { ...IDENTITY_PREPROCESSING, ...p };
    const problem = preprocessingProblem(preprocessing, channels);
    if (problem) throw new ModelError(abs, problem);
    const classNames = parsedList(onnx.metadata[META_KEYS.classNames]);
    const classifier = new LayersClassifier(model, {
      name:
        opts.name ?? onnx.metadata[META_KEYS.name] ?? path.basename(abs).replace(/\.onnx$/i, ''),
      inputShape: conversion.inputShape,
      numClasses: conversion.numClasses,
      preprocessing,
      classNames: classNames?.length === conversion.numClasses ? classNames : undefined,
      source: abs,
    });
    const probe = probeOutputs(classifier);
    if (!probe.finite)
      throw new ModelError(abs, 'the model outputs NaN or Infinity on ordinary [0,1] images');
    if (probe.looksLikeProbabilities) {
      throw new ModelError(
        abs,
        'the model outputs probabilities (every row is non-negative and sums to 1), not logits; attacks need logits: through a softmax their gradients vanish and robustness is overstated. Export the model without its final softmax.',
      );
    }
    const notes: string[] = [];
    if (conversion.strippedSoftmax) {
      notes.push(
        `the graph's final ${conversion.strippedSoftmax} was left out: attacks need logits`,
      );
    }
    if (norm)
      notes.push(
        `the graph normalises its input itself (mean [${fmt(norm.mean)}], std [${fmt(norm.std)}]); it takes [0,1] pixels`,
      );
    else if (!p.mean && !p.std && !p.inputRange) {
      notes.push(
        'no normalisation found in the graph: it is fed [0,1] pixels as they are (give a mean and std if it was trained on normalised inputs)',
      );
    }
    if (conversion.trainingModeNodes) {
      notes.push(
        "exported in training mode: audits use batch norm's running statistics and no dropout, as model.eval() does",
      );
    }
    const provenance: OnnxProvenance = {
      importedFrom: 'onnx',
      sourceFile: abs,
      sourceSha256: await sha256File(abs),
      opset: onnx.opset,
      irVersion: onnx.irVersion,
      producer: onnx.producer,
      inputLayout: 'NCHW',
      operators: conversion.operators,
      ...(norm ? { inGraphNormalisation: norm } : {}),
      ...(conversion.strippedSoftmax ? { strippedSoftmax: conversion.strippedSoftmax } : {}),
      ...(conversion.trainingModeNodes ? { trainingModeNodes: true } : {}),
    };
    const architecture =
      onnx.metadata[META_KEYS.architecture] ?? `ONNX graph (${onnx.producer}, opset ${onnx.opset})`;
    return { classifier, conversion, provenance, architecture, notes };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

const fmt = (v: number[] | undefined) => (v ? v.map((x) => +x.toFixed(4)).join(', ') : '–');
