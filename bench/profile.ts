/**
 * `node bin/run-ts.mjs bench/profile.ts [--case train|pgd]`: where the time of one benchmark
 * step goes, per tfjs kernel (wall ms summed over calls), on the backend the engine picks.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/runtime/backend';
import { frozenForward } from '../src/main/engine/models/frozen';
import { BATCH, benchModel, crossEntropy, randomBatch } from './cases/fixtures';

const which = process.argv.includes('pgd') ? 'pgd' : 'train';
const report = await initBackend();
const model = benchModel();
const { x, y } = randomBatch(BATCH);
const optimizer = tf.train.momentum(0.01, 0.9);
const frozen = frozenForward(model);
const inputGrad = tf.grad((xx: tf.Tensor) => crossEntropy(frozen(xx as tf.Tensor4D), y));
const step = () => {
  if (which === 'pgd') {
    tf.tidy(() => void inputGrad(x).dataSync());
    return;
  }
  const cost = optimizer.minimize(
    () => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y),
    true,
  );
  cost?.dataSync();
  cost?.dispose();
};
step();
step();
const t0 = performance.now();
const info = await tf.profile(step);
const wall = performance.now() - t0;
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const ms = await k.kernelTimeMs;
  const key = `${k.name} ${JSON.stringify(k.inputShapes[0] ?? [])}`;
  const e = byKernel.get(key) ?? { ms: 0, calls: 0 };
  e.ms += typeof ms === 'number' ? ms : 0;
  e.calls += 1;
  byKernel.set(key, e);
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(
  `${which} step on ${report.backend}: ${wall.toFixed(0)} ms wall (profiled), kernels ${total.toFixed(0)} ms`,
);
for (const [k, e] of rows.slice(0, 40))
  console.log(`${e.ms.toFixed(1).padStart(7)} ms ${String(e.calls).padStart(3)}× ${k}`);
