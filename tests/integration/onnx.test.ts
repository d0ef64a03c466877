/**
 * ONNX from the command line, as a PyTorch user meets it: import a real PyTorch export, audit it,
 * export classifiers back and check the files with onnxruntime (an independent ONNX engine), and
 * refuse every file of the bad-input corpus with one line, storing nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditDetail, ModelInfo } from '../../src/shared/api';
import { createApi } from '../../src/main/api/index';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { loadClassifier } from '../../src/main/engine/models/load';
import { readNpy } from '../../src/main/engine/data/npy';

const ROOT = path.resolve(__dirname, '../..');
const FIX = path.join(ROOT, 'tests/fixtures/onnx');
const home = mkdtempSync(path.join(tmpdir(), 'dmat-onnx-'));
const out = mkdtempSync(path.join(tmpdir(), 'dmat-onnx-out-'));

function dmat(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/dmat.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, DMAT_HOME: home },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function userModels(): ModelInfo[] {
  const r = dmat('models', 'list', '--json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as ModelInfo[]).filter((m) => !m.builtin);
}

async function ortLogits(file: string, nchw: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file);
  const result = await session.run({ input: new ort.Tensor('float32', nchw, dims) });
  return result.logits.data as Float32Array;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

beforeAll(async () => {
  await initBackend();
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

describe('the bad-input corpus', () => {
  const expected: Record<string, RegExp> = {
    'truncated.onnx': /not a readable ONNX model .*truncated/,
    'not-onnx.onnx': /not a readable ONNX model/,
    'unknown-op.onnx':
      /node "\/LeakyRelu" \(FancyActivation, opset 17\): operator FancyActivation is not supported/,
    'wrong-opset.onnx': /opset 7 is not supported: export with opset_version between 11 and 18/,
    'no-initializer.onnx':
      /node "\/stem\/Conv" \(Conv, opset 17\): input "stem.weight" is not produced by any node or initializer/,
    'two-outputs.onnx': /the graph has 2 outputs/,
    'dynamic-spatial.onnx': /dynamic spatial size .* export with a fixed C×H×W/,
    'nan-weights.onnx': /weight "onnx_stem_Conv\/kernel" has 1 non-finite value/,
    'dilated-conv.onnx': /\(Conv, opset 13\): attribute "dilations" = \[2,2\] is not supported/,
    'grouped-conv.onnx': /\(Conv, opset 13\): attribute "group" = 2 is not supported/,
    'ceil-avg-pool.onnx':
      /\(AveragePool, opset 13\): attribute "ceil_mode" = 1 is not supported for average pooling/,
  };

  it('covers every file in tests/fixtures/onnx/bad', () => {
    expect(readdirSync(path.join(FIX, 'bad')).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [file, reason] of Object.entries(expected)) {
    it(`${file}: one line naming the file and the reason, exit 2, nothing stored`, () => {
      const r = dmat('models', 'import', path.join(FIX, 'bad', file));
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(path.join(FIX, 'bad', file));
      expect(lines[0]).toMatch(reason);
      expect(lines[0]).not.toMatch(/\bat .*\.ts:\d+/);
      const models = path.join(home, 'models');
      expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
      expect(userModels()).toEqual([]);
    });
  }
});

describe('a PyTorch export, imported', () => {
  it('imports once, audits with the quick suite, and exports back to the same logits under onnxruntime', async () => {
    const file = path.join(FIX, 'resnet18-narrow.onnx');
    const imp = dmat('models', 'import', file, '--name', 'r18', '--json');
    expect(imp.stderr).toBe('');
    const info = JSON.parse(imp.stdout) as ModelInfo;
    expect(info).toMatchObject({
      name: 'r18',
      inputShape: [32, 32, 3],
      numClasses: 10,
      format: 'layers',
    });
    expect(info.provenance).toMatchObject({ importedFrom: 'onnx', opset: 13, inputLayout: 'NCHW' });
    const again = dmat('models', 'import', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already in the library as "r18"/);

    const exported = path.join(out, 'r18.onnx');
    const ex = dmat('models', 'export', 'r18', '--onnx', exported);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/exported r18 .* opset 17, logits within/);
    const golden = JSON.parse(readFileSync(path.join(FIX, 'resnet18-narrow.golden.json'), 'utf8'));
    const logits = await ortLogits(
      exported,
      Float32Array.from(golden.input.data),
      golden.input.dims,
    );
    expect(maxAbs(logits, golden.logits.data)).toBeLessThan(1e-4);
    expect(dmat('models', 'export', 'r18', '--onnx', exported).stderr).toMatch(
      /exists; pass overwrite \(--force\)/,
    );
  });
});

describe('a classifier trained here, exported', () => {
  it('gives onnxruntime the logits the engine computes, and audits the same after a round trip', async () => {
    const exported = path.join(out, 'normal.onnx');
    const ex = dmat('models', 'export', 'resources/models/normal', '--onnx', exported);
    expect(ex.code, ex.stderr).toBe(0);
    // Engine vs onnxruntime on real test images.
    const x = await readNpy(path.join(ROOT, 'resources/om-fashion-mnist/test/x.npy'));
    const n = 64;
    const images = tf.tidy(() =>
      tf.tensor4d(
        Float32Array.from(x.data.slice(0, n * 784), (v) => v / 255),
        [n, 28, 28, 1],
      ),
    );
    const { model } = await loadClassifier(path.join(ROOT, 'resources/models/normal'));
    const ours = tf.tidy(() => model.logits(images).dataSync());
    const nchw = tf.tidy(() => images.transpose([0, 3, 1, 2]).dataSync() as Float32Array);
    const theirs = await ortLogits(exported, nchw, [n, 1, 28, 28]);
    expect(maxAbs(ours, theirs)).toBeLessThan(1e-4);
    model.dispose();
    images.dispose();

    // The same weights through ONNX audit exactly like the TensorFlow.js original (PGD-10).
    const imp = dmat('models', 'import', exported, '--name', 'normal-via-onnx');
    expect(imp.code, imp.stderr).toBe(0);
    const suite = path.join(out, 'pgd10.json');
    writeFileSync(
      suite,
      JSON.stringify({
        name: 'pgd10',
        attacks: [
          { preset: 'pgd-50', eps: 0.1, stepSize: 0.025, steps: 10, label: 'PGD-10' },
          { preset: 'fgsm', eps: 0.1 },
        ],
      }),
    );
    const audit = (model: string) => {
      const r = dmat(
        'audit',
        '--model',
        model,
        '--data',
        'resources/om-fashion-mnist',
        '--suite',
        suite,
        '--samples',
        '100',
        '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { audit: AuditDetail }).audit;
    };
    const a = audit('resources/models/normal');
    const b = audit('normal-via-onnx');
    expect(b.attacks.map((t) => [t.name, t.correct])).toEqual(
      a.attacks.map((t) => [t.name, t.correct]),
    );
    expect(b.standardAccuracy).toBe(a.standardAccuracy);
    // Sample for sample: the same prediction under every attack.
    const api = createApi({ home });
    try {
      const outcomes = async (id: string) =>
        (await api.getSampleOutcomes({ auditId: id, limit: 1000 })).samples.map((o) => [
          o.sampleIndex,
          o.cleanPredicted,
          ...o.attacks.map((t) => t.predicted),
        ]);
      const [oa, ob] = [await outcomes(a.id), await outcomes(b.id)];
      expect(oa).toHaveLength(100);
      expect(ob).toEqual(oa);
    } finally {
      await api.close();
    }
    expect(b.worstCaseAccuracy).toBe(a.worstCaseAccuracy);
    expect(a.attacks.find((t) => t.name.startsWith('PGD'))!.correct).toBeLessThan(
      a.standardAccuracy! * 100,
    );
  });
});

describe('fine-tuning an imported PyTorch model', () => {
  it('trains it with DMAT and TRADES (batch norm and dropout from a training-mode export) and exports the result', async () => {
    const imp = dmat(
      'models',
      'import',
      path.join(FIX, 'small-cnn-training-mode.onnx'),
      '--name',
      'pt-small',
    );
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/exported in training mode/);
    for (const method of ['dmat', 'trades']) {
      const r = dmat(
        'train',
        '--method',
        method,
        '--data',
        'resources/om-fashion-mnist',
        '--init-model',
        'pt-small',
        '--epochs',
        '1',
        '--samples',
        '64',
        '--batch',
        '32',
        '--validation',
        '32',
        '--name',
        `pt-${method}`,
      );
      expect(r.code, r.stderr).toBe(0);
      const id = /model (mdl_\w+)/.exec(r.stdout)?.[1];
      expect(id, r.stdout).toBeDefined();
      const file = path.join(out, `pt-${method}.onnx`);
      const ex = dmat('models', 'export', id!, '--onnx', file);
      expect(ex.code, ex.stderr).toBe(0);
      // The fine-tuned weights differ from the import's, and onnxruntime computes what the engine does.
      const api = createApi({ home });
      try {
        const info = await api.getModel({ id: id! });
        const { model } = await loadClassifier(info.path);
        const images = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
        const ours = tf.tidy(() => model.logits(images).dataSync());
        const nchw = tf.tidy(() => images.transpose([0, 3, 1, 2]).dataSync() as Float32Array);
        expect(maxAbs(ours, await ortLogits(file, nchw, [8, 1, 28, 28]))).toBeLessThan(1e-4);
        const before = await ortLogits(
          path.join(FIX, 'small-cnn-training-mode.onnx'),
          nchw,
          [8, 1, 28, 28],
        );
        expect(maxAbs(ours, before)).toBeGreaterThan(1e-3);
        model.dispose();
        images.dispose();
      } finally {
        await api.close();
      }
    }
  });
});
