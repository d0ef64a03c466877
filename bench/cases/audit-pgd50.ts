/**
 * A whole audit pass against PyTorch: PGD-50 (and the clean pass before it) on the first 1,000
 * test records of the shipped OM-Fashion-MNIST with the shipped Normal classifier, at the shipped
 * suite's budget, with 1 thread and with one per core. The engine runs in its own process
 * (audit-pgd50-process.ts) and PyTorch in its own (bench/pytorch/same_weights.py pgd50, the same
 * weights through the engine's ONNX export, the same images), so each one's peak resident memory
 * is its own. Both report clean and robust accuracy: the same weights and images give the same
 * clean accuracy, and PGD-50 from different random starts agrees to about a point.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClassifier } from '../../src/main/engine/models/load';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { exportClassifierToOnnx } from '../../src/main/engine/models/onnx/export';
import type { BenchCase } from '../types';
import { fastest, runTorch, torchAvailable, type TorchTiming } from './torch-reference';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const AUDIT_MODEL = join(ROOT, 'resources/models/normal');
export const AUDIT_DATA = join(ROOT, 'resources/om-fashion-mnist');
export const AUDIT_SAMPLES = 1000;
const PROCESS = fileURLToPath(new URL('./audit-pgd50-process.ts', import.meta.url));

interface EngineAudit {
  imagesPerSecond: number;
  cleanAccuracy: number;
  robustAccuracy: number;
  peakRssMb: number;
}

function engineAudit(args: string[]): EngineAudit {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run-ts.mjs'), PROCESS, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`engine audit failed: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as EngineAudit;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

function auditCase(threads: number): BenchCase {
  let last: EngineAudit | undefined;
  return {
    id: threads === 1 ? 'audit-pgd50' : 'audit-pgd50-threads',
    metric: `audit pass, clean + PGD-50 on ${AUDIT_SAMPLES.toLocaleString('en')} shipped test images (Normal), ${threads} thread${threads === 1 ? '' : 's'} (ms/step = per image)`,
    imagesPerRun: () => AUDIT_SAMPLES,
    stepsPerRun: () => AUDIT_SAMPLES,
    warmup: () => 0,
    repeats: () => 1,
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'dmat-bench-audit-'));
      let torch: TorchTiming | undefined;
      if (torchAvailable()) {
        const onnx = join(dir, 'model.onnx');
        const { model } = await loadClassifier(AUDIT_MODEL);
        writeFileSync(onnx, exportClassifierToOnnx(model as LayersClassifier));
        model.dispose();
        engineAudit(['--write', dir]);
        torch = runTorch(['pgd50', onnx, String(threads), join(dir, 'spec.json')]);
      }
      return {
        run: () => {
          last = engineAudit([String(threads)]);
        },
        note: () => {
          const e = last!;
          const own = `engine ${e.imagesPerSecond.toFixed(1)} img/s, clean ${pct(e.cleanAccuracy)}, PGD-50 ${pct(e.robustAccuracy)}, peak RSS ${e.peakRssMb.toFixed(0)} MB`;
          if (!torch) return `${own}; PyTorch not found at /usr/bin/python3 (with onnx)`;
          const parts = Object.entries(torch.variants).map(
            ([n, v]) =>
              `${n} ${v.imagesPerSecond!.toFixed(1)} img/s (clean ${pct(v.cleanAccuracy!)}, PGD-50 ${pct(v.robustAccuracy!)}, peak RSS ${(torch.peakRssByVariant?.[n] ?? torch.peakRssMb).toFixed(0)} MB)`,
          );
          const best = fastest(torch, 'imagesPerSecond');
          return `${own}; PyTorch ${torch.torch} CPU, ${threads} thread(s), same weights and images: ${parts.join(', ')}; engine time ÷ PyTorch (${best.name}) = ${(best.value / e.imagesPerSecond).toFixed(2)}×`;
        },
        dispose: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

export const auditPgd50 = auditCase(1);
export const auditPgd50Threads = auditCase(Math.min(availableParallelism(), 8));
