/**
 * Models sent to replica threads: topology JSON and weights of a Layers classifier or generator,
 * rebuilt on the other side into the same wrapper (preprocessing and output range included).
 */
import * as tf from '@tensorflow/tfjs';
import { LayersClassifier, type ClassifierInfo } from '../models/classifier';
import { LayersGenerator, type GeneratorInfo } from '../models/generator';
import type { Generator } from '../models/types';
import type { NamedArray } from '../training/optimizer';
import { getModelState, setModelState } from '../training/weights';

export interface TransferredModel<Info> {
  topology: object;
  weights: NamedArray[];
  info: Info;
}

function pack<Info>(model: tf.LayersModel, info: Info): TransferredModel<Info> {
  return {
    topology: model.toJSON(undefined, false) as object,
    weights: getModelState(model).map((w) => ({ ...w, data: w.data.slice() })),
    info,
  };
}

async function unpack(t: TransferredModel<unknown>): Promise<tf.LayersModel> {
  const model = await tf.models.modelFromJSON({
    modelTopology: t.topology as tf.io.ModelJSON['modelTopology'],
  });
  setModelState(model, t.weights);
  return model;
}

export function packClassifier(c: LayersClassifier): TransferredModel<ClassifierInfo> {
  return pack(c.model, {
    name: c.name,
    inputShape: c.inputShape,
    numClasses: c.numClasses,
    preprocessing: c.preprocessing,
    classNames: c.classNames,
    source: c.source,
  });
}

export async function unpackClassifier(
  t: TransferredModel<ClassifierInfo>,
): Promise<LayersClassifier> {
  return new LayersClassifier(await unpack(t), t.info);
}

/** Null when the generator cannot be sent (not a Layers model). */
export function packGenerator(g: Generator): TransferredModel<GeneratorInfo> | null {
  if (!(g instanceof LayersGenerator)) return null;
  return pack(g.model, {
    name: g.name,
    latentShape: g.latentShape,
    imageShape: g.imageShape,
    outputRange: g.outputRange,
    source: g.source,
  });
}

export async function unpackGenerator(t: TransferredModel<GeneratorInfo>): Promise<Generator> {
  return new LayersGenerator(await unpack(t), t.info);
}
