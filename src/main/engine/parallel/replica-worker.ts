/**
 * A replica thread of a data-parallel training group: rebuilds the classifier (and generator)
 * from the main thread's copy, then runs the training step on the shards it is sent, in step
 * with the other replicas through the shared collective.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../runtime/backend';
import { methodSpec } from '../training/methods/index';
import { methodContext } from '../training/method-context';
import { SgdMomentum } from '../training/optimizer';
import { Collective } from './collective';
import type { FromReplica, ReplicaInit, ShardArrays, ToReplica } from './messages';
import { unpackClassifier, unpackGenerator } from './model-transfer';
import { replicaTrainingStep } from './replica-step';

const port = parentPort!;
const init = workerData as ReplicaInit;
const post = (m: FromReplica) => port.postMessage(m);
const collective = new Collective(init.collective, init.rank, init.timeoutMs);
// A thread dying of an error nobody caught must still release the others.
process.on('uncaughtException', (err) => fail(err));

function toBatch(s: ShardArrays) {
  return {
    x: tf.tensor4d(s.x.data, s.x.shape as [number, number, number, number]),
    y: tf.tensor1d(s.y.data, 'int32'),
    w: s.w && tf.tensor(s.w.data, s.w.shape),
  };
}

function fail(err: unknown): void {
  collective.abort();
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'failed', message: e.message, stack: e.stack });
}

try {
  const report = await initBackend();
  const classifier = await unpackClassifier(init.classifier);
  const generator = init.generator ? await unpackGenerator(init.generator) : undefined;
  const spec = methodSpec(init.method);
  const ctx = methodContext(classifier, generator, init.settings);
  const vars = classifier.trainableVariables();
  const optimizer = new SgdMomentum(init.momentum, init.weightDecay);
  optimizer.setState(init.optimizerState, vars);
  // Steps run one after another even if a message arrives while one is in flight.
  let queue = Promise.resolve();
  port.on('message', (m: ToReplica) => {
    if (m.type === 'close') {
      optimizer.dispose();
      classifier.dispose();
      generator?.dispose();
      port.close();
      return;
    }
    if (process.env.DMAT_DEBUG_REPLICA) console.error(`replica ${init.rank}: ${m.type}`);
    queue = queue.then(async () => {
      const batch = toBatch(m.shard);
      try {
        const loss = await replicaTrainingStep(spec, ctx, batch, {
          vars,
          optimizer,
          lr: m.lr,
          seed: m.seed,
          weight: m.weight,
          collective,
        });
        post({ type: 'stepped', loss });
      } catch (err) {
        fail(err);
      } finally {
        tf.dispose([batch.x, batch.y, ...(batch.w ? [batch.w] : [])]);
      }
    });
  });
  post({ type: 'ready', backend: report.backend });
} catch (err) {
  fail(err);
}
