/**
 * Generator wrappers over TensorFlow.js models: latent w → image in [0,1], NHWC. A network whose
 * raw output has another range (tanh: [-1,1]) is mapped to [0,1] here, from its sidecar.
 */
import * as tf from '@tensorflow/tfjs';
import { graphForward, layersForward, layersTrainables } from './run-model';
import type { Generator } from './types';

export interface GeneratorInfo {
  name: string;
  latentShape: number[];
  imageShape: [number, number, number];
  /** Range of the raw output, mapped linearly to [0,1]; default [0,1]. */
  outputRange?: [number, number];
  source?: string;
}

abstract class BaseGenerator implements Generator {
  readonly name: string;
  readonly latentShape: number[];
  readonly imageShape: [number, number, number];
  readonly outputRange: [number, number];
  readonly source?: string;

  constructor(info: GeneratorInfo) {
    this.name = info.name;
    this.latentShape = info.latentShape;
    this.imageShape = info.imageShape;
    this.outputRange = info.outputRange ?? [0, 1];
    this.source = info.source;
  }

  generate(w: tf.Tensor, opts: { training?: boolean } = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const out = this.forward(w, opts.training ?? false);
      const [lo, hi] = this.outputRange;
      const scaled = lo === 0 && hi === 1 ? out : out.sub(lo).div(hi - lo);
      return scaled.reshape([w.shape[0], ...this.imageShape]) as tf.Tensor4D;
    });
  }

  protected abstract forward(w: tf.Tensor, training: boolean): tf.Tensor;
  abstract trainableVariables(): tf.Variable[];
  abstract dispose(): void;
}

export class LayersGenerator extends BaseGenerator {
  constructor(
    readonly model: tf.LayersModel,
    info: GeneratorInfo,
  ) {
    super(info);
  }

  protected forward(w: tf.Tensor, training: boolean): tf.Tensor {
    return layersForward(this.model, w, training);
  }

  trainableVariables(): tf.Variable[] {
    return layersTrainables(this.model);
  }

  dispose(): void {
    this.model.dispose();
  }
}

export class GraphGenerator extends BaseGenerator {
  constructor(
    readonly model: tf.GraphModel,
    info: GeneratorInfo,
  ) {
    super(info);
  }

  protected forward(w: tf.Tensor): tf.Tensor {
    return graphForward(this.model, w);
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  dispose(): void {
    this.model.dispose();
  }
}
