/**
 * Thread side of pgd-step-threads: the benchmark CNN and this thread's shard of the batch; one
 * PGD step (frozen forward) per 'run' message, answered with 'done'.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { pgdStepper } from './pgd-step';

const { offset, size } = workerData as { offset: number; size: number };
await initBackend();
const step = pgdStepper(offset, size);
parentPort!.on('message', (m: string) => {
  if (m === 'close') {
    step.dispose();
    parentPort!.close();
    return;
  }
  step.run();
  parentPort!.postMessage('done');
});
parentPort!.postMessage(`ready ${tf.getBackend()}`);
