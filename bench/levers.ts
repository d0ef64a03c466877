/**
 * `node bin/run-ts.mjs bench/levers.ts [--repeats N]`: the speed levers of the wasm path, switched
 * on one at a time, each measured on the benchmark CNN at batch 128 (PGD step and training step),
 * so bench/RESULTS.md can say what each one pays. Kernel and gradient registrations are global,
 * so each configuration re-registers tfjs's own versions (captured before the engine replaces
 * them) or the engine's. Wasm only.
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism, loadavg } from 'node:os';
import { frozenForward } from '../src/main/engine/models/frozen';
import { gradientOverrides, wasmKernels } from '../src/main/engine/runtime/kernels/index';
import { useLazyFusedConv2d } from '../src/main/engine/runtime/kernels/lazy-fused-conv2d';
import { channelKernelConfigs } from '../src/main/engine/runtime/kernels/channel-kernels';
import { BATCH, benchModel, crossEntropy, randomBatch } from './cases/fixtures';

await import('@tensorflow/tfjs-backend-wasm');
const stockKernels = new Map(
  wasmKernels.map((k) => [k.kernelName, tf.getKernel(k.kernelName, 'wasm')]),
);
const ourKernels = new Map(
  wasmKernels.map((k) => [k.kernelName, k.make(stockKernels.get(k.kernelName))]),
);
const stockGradients = new Map(
  gradientOverrides.map((g) => [g.kernelName, tf.getGradient(g.kernelName)]),
);
await tf.setBackend('wasm');
await tf.ready();

const optional = new Set(channelKernelConfigs.map((k) => k.kernelName));

/** Use the engine's version of each named kernel/gradient, tfjs's own for the rest. */
function configure(engine: Set<string>): void {
  for (const { kernelName } of wasmKernels) {
    const stock = stockKernels.get(kernelName);
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    // The batch-norm channel kernels are optional: without them the engine uses tfjs ops.
    if (optional.has(kernelName) && !engine.has(kernelName)) continue;
    tf.registerKernel(engine.has(kernelName) || !stock ? ourKernels.get(kernelName)! : stock);
  }
  for (const g of gradientOverrides) {
    const stock = stockGradients.get(g.kernelName);
    tf.registerGradient(engine.has(`${g.kernelName} gradient`) || !stock ? g : stock);
  }
  useLazyFusedConv2d(engine.has('lazy fused conv2d'));
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function time(f: () => void, repeats: number): { wall: number; cpu: number } {
  f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const repeatsArg = process.argv.indexOf('--repeats');
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 3;
const model = benchModel();
const { x, y } = randomBatch(BATCH);
const frozen = frozenForward(model);
const optimizer = tf.train.momentum(0.01, 0.9);
const inputGrad = (logits: (xx: tf.Tensor4D) => tf.Tensor) =>
  tf.grad((xx: tf.Tensor) => crossEntropy(logits(xx as tf.Tensor4D), y));
const viaLayers = inputGrad((xx) => model.apply(xx, { training: false }) as tf.Tensor);
const viaFrozen = inputGrad(frozen);

/** Levers in the order they are switched on; each row keeps every lever above it. */
const levers: { lever: string; adds: string[]; frozen?: boolean }[] = [
  {
    lever: 'tfjs wasm as shipped + Conv2DBackpropFilter (needed to run at all; our SIMD kernel)',
    adds: ['Conv2DBackpropFilter'],
  },
  { lever: '+ Conv2DBackpropInput as a forward convolution', adds: ['Conv2DBackpropInput'] },
  {
    lever: '+ lazy batch-norm gradient (no tiling, no unused terms)',
    adds: ['FusedBatchNorm gradient'],
  },
  {
    lever: '+ MaxPoolGrad in one pass, SIMD for 2×2 (also fixes all-negative windows)',
    adds: ['MaxPoolGrad'],
  },
  { lever: '+ Identity without a copy (tensors saved for the backward pass)', adds: ['Identity'] },
  { lever: '+ Sum/Mean over leading axes in one pass (no transpose)', adds: ['Sum', 'Mean'] },
  {
    lever: '+ lazy gradients for tf.fused.conv2d (each input only when the tape needs it)',
    adds: ['lazy fused conv2d'],
  },
  { lever: '+ Cast to the same dtype without a copy (ReLU gradient)', adds: ['Cast'] },
  {
    lever: '+ batch-norm passes as SIMD channel kernels (one pass each)',
    adds: [...optional],
  },
  {
    lever: '+ Conv2D and FusedConv2D by our SIMD kernel (also the input gradients)',
    adds: ['Conv2D', 'FusedConv2D'],
  },
  {
    lever: '+ frozen forward for attacks (BN folded, input-only gradient)',
    adds: [],
    frozen: true,
  },
];
const steps = levers.map((l, i) => ({
  lever: l.lever,
  engine: levers.slice(0, i + 1).flatMap((x) => x.adds),
  frozen: l.frozen ?? false,
}));

console.log(
  `wasm, ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, median of ${repeats}`,
);
console.log('lever | PGD step wall / cpu ms | training step wall / cpu ms');
for (const s of steps) {
  configure(new Set(s.engine));
  const g = s.frozen ? viaFrozen : viaLayers;
  const pgd = time(() => tf.tidy(() => void g(x).dataSync()), repeats);
  const train = s.frozen
    ? null
    : time(() => {
        const cost = optimizer.minimize(
          () => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y),
          true,
        );
        cost?.dataSync();
        cost?.dispose();
      }, repeats);
  const fmt = (t: { wall: number; cpu: number } | null) =>
    t ? `${t.wall.toFixed(0)} / ${t.cpu.toFixed(0)}` : '(same)';
  console.log(`${s.lever} | ${fmt(pgd)} | ${fmt(train)}`);
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
