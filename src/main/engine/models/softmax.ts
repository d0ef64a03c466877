/**
 * Removing a trailing softmax from a LayersModel, so that it outputs logits. Attacks maximise
 * cross-entropy on logits; through a softmax the gradients saturate and the audit overstates
 * robustness. Only the last layer is touched: its activation becomes linear (a `Softmax` layer
 * becomes a linear `Activation`), so names, wiring and weights stay as they were.
 */
import * as tf from '@tensorflow/tfjs';

type LayerJson = { class_name: string; config: Record<string, unknown> & { name?: string } };
type ModelConfig =
  { layers?: LayerJson[]; output_layers?: [string, number, number][] } | LayerJson[];

function lastLayer(topology: Record<string, unknown>): LayerJson | undefined {
  const root = (topology.model_config ?? topology) as { class_name?: string; config?: ModelConfig };
  const config = root.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!layers || layers.length === 0) return undefined;
  if (root.class_name === 'Sequential' || Array.isArray(config)) return layers[layers.length - 1];
  const outputs = (config as { output_layers?: [string, number, number][] }).output_layers;
  if (!outputs || outputs.length !== 1) return undefined;
  return layers.find((l) => l.config.name === outputs[0][0]);
}

/** Whether the topology ends in a softmax that `stripTrailingSoftmax` can remove. */
export function endsInSoftmax(topology: unknown): boolean {
  const last = lastLayer(topology as Record<string, unknown>);
  return !!last && (last.class_name === 'Softmax' || last.config.activation === 'softmax');
}

/**
 * A copy of `model` without its trailing softmax; undefined when the last layer is no softmax.
 * The original model is left untouched (the caller disposes it).
 */
export async function stripTrailingSoftmax(
  model: tf.LayersModel,
): Promise<tf.LayersModel | undefined> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts || artifacts.modelTopology instanceof ArrayBuffer) return undefined;
  const topology = structuredClone(artifacts.modelTopology) as Record<string, unknown>;
  const last = lastLayer(topology);
  if (!last) return undefined;
  if (last.class_name === 'Softmax') {
    last.class_name = 'Activation';
    const { name, dtype } = last.config;
    last.config = { name, trainable: false, activation: 'linear', ...(dtype ? { dtype } : {}) };
  } else if (last.config.activation === 'softmax') {
    last.config.activation = 'linear';
  } else {
    return undefined;
  }
  return tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology }));
}
