/** The classifier a run trains: a built-in architecture (optionally wider or narrower) or a loaded model. */
import { architectures, resnetLike, smallCnn } from '../models/architectures/index';
import { LayersClassifier } from '../models/classifier';
import { loadClassifier } from '../models/load';
import { TrainingConfigError } from './train';

export interface ClassifierSpec {
  architecture?: string;
  width?: number;
  initModelPath?: string;
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
  classNames?: string[];
}

/** Builders that honour a width; the others use their registry entry as is. */
const WIDTHED: Record<
  string,
  (s: [number, number, number], k: number, w: number) => ReturnType<typeof smallCnn>
> = {
  'small-cnn': (s, k, w) => smallCnn(s, k, { width: w }),
  'resnet18-like': (s, k, w) => resnetLike(s, k, { width: w, blocks: [2, 2, 2, 2] }),
  'resnet-small': (s, k, w) => resnetLike(s, k, { width: w, blocks: [2, 2, 2, 2] }),
};

export async function classifierFor(
  spec: ClassifierSpec,
): Promise<{ classifier: LayersClassifier; fresh: boolean; architecture: string }> {
  if (spec.initModelPath) {
    const loaded = await loadClassifier(spec.initModelPath);
    if (!(loaded.model instanceof LayersClassifier)) {
      loaded.model.dispose();
      throw new TrainingConfigError([
        `${loaded.file}: a graph model has no trainable weights; fine-tune a Layers model`,
      ]);
    }
    return {
      classifier: loaded.model,
      fresh: false,
      architecture: loaded.meta?.architecture ?? 'loaded model',
    };
  }
  const name = spec.architecture ?? 'small-cnn';
  const entry = architectures[name];
  if (!entry) {
    throw new TrainingConfigError([
      `architecture "${name}" is not built in; use one of ${Object.keys(architectures).join(', ')}`,
    ]);
  }
  const model =
    spec.width !== undefined && WIDTHED[name]
      ? WIDTHED[name](spec.inputShape, spec.numClasses, Math.max(1, Math.round(spec.width)))
      : entry.build(spec.inputShape, spec.numClasses);
  const classifier = new LayersClassifier(model, {
    name: spec.name,
    inputShape: spec.inputShape,
    numClasses: spec.numClasses,
    classNames: spec.classNames,
  });
  return {
    classifier,
    fresh: true,
    architecture: spec.width !== undefined ? `${name} (width ${spec.width})` : name,
  };
}
