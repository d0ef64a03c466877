/**
 * Classifier wrappers over TensorFlow.js models. Both take [0,1] NHWC images and apply the
 * model's preprocessing inside `logits`, so callers never normalise.
 */
import * as tf from '@tensorflow/tfjs';
import { graphForward, layersForward, layersTrainables } from './run-model';
import { applyPreprocessing } from './preprocessing';
import { IDENTITY_PREPROCESSING, type Classifier, type Preprocessing } from './types';
// Registers the layers of imported ONNX models, so every saved import loads (here and in replica threads).
import './onnx/layers';

export interface ClassifierInfo {
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
  preprocessing?: Preprocessing;
  classNames?: string[];
  /** The model.json it was loaded from, for messages. */
  source?: string;
}

abstract class BaseClassifier implements Classifier {
  readonly name: string;
  readonly inputShape: [number, number, number];
  readonly numClasses: number;
  readonly preprocessing: Preprocessing;
  readonly classNames?: string[];
  readonly source?: string;

  constructor(info: ClassifierInfo) {
    this.name = info.name;
    this.inputShape = info.inputShape;
    this.numClasses = info.numClasses;
    this.preprocessing = info.preprocessing ?? IDENTITY_PREPROCESSING;
    this.classNames = info.classNames;
    this.source = info.source;
  }

  logits(x: tf.Tensor4D, opts: { training?: boolean } = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.forward(applyPreprocessing(x, this.preprocessing), opts.training ?? false);
      return out.rank === 2 ? (out as tf.Tensor2D) : out.reshape([out.shape[0], -1]);
    });
  }

  protected abstract forward(x: tf.Tensor4D, training: boolean): tf.Tensor;
  abstract trainableVariables(): tf.Variable[];
  abstract dispose(): void;
}

/** A classifier over a tf.LayersModel: trainable, batch-norm aware. */
export class LayersClassifier extends BaseClassifier {
  constructor(
    readonly model: tf.LayersModel,
    info: ClassifierInfo,
  ) {
    super(info);
  }

  protected forward(x: tf.Tensor4D, training: boolean): tf.Tensor {
    return layersForward(this.model, x, training);
  }

  trainableVariables(): tf.Variable[] {
    return layersTrainables(this.model);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** A classifier over a frozen tf.GraphModel: gradients flow to the input, nothing trains. */
export class GraphClassifier extends BaseClassifier {
  constructor(
    readonly model: tf.GraphModel,
    info: ClassifierInfo,
  ) {
    super(info);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor {
    return graphForward(this.model, x);
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  dispose(): void {
    this.model.dispose();
  }
}
