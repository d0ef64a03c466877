import { describe, expect, it } from 'vitest';
import {
  scaleKnots,
  validateTrainingDraft,
  type WizardContext,
} from '../../src/renderer/src/lib/wizard-validation';
import {
  classifier,
  colourClassifier,
  naturalDataset,
  omDataset,
  paperDefaults,
} from './renderer-fixtures';

const ctx: WizardContext = { dataset: omDataset, initModel: null, source: 'architecture' };
const errors = (cfg = paperDefaults('dmat'), c: WizardContext = ctx) =>
  validateTrainingDraft(cfg, c).filter((i) => i.severity === 'error');

describe('run wizard validation', () => {
  it('accepts the paper defaults for every method on an on-manifold dataset', () => {
    for (const m of ['normal', 'at', 'omat', 'dmat', 'trades', 'dmat-trades'] as const) {
      expect(errors(paperDefaults(m)), m).toEqual([]);
    }
  });

  it('explains why latent methods cannot train on a natural dataset, on the method step', () => {
    const c = { ...ctx, dataset: naturalDataset };
    for (const m of ['omat', 'dmat', 'dmat-trades'] as const) {
      const e = errors(paperDefaults(m, naturalDataset.id), c);
      expect(e).toHaveLength(1);
      expect(e[0]).toMatchObject({ step: 'method', field: 'method' });
      expect(e[0].message).toContain('natural dataset');
    }
    // Image-space methods are fine there.
    expect(errors(paperDefaults('at', naturalDataset.id), c)).toEqual([]);
  });

  it('asks for the generator when the on-manifold dataset has none', () => {
    const c = { ...ctx, dataset: { ...omDataset, generatorModelId: null } };
    expect(errors(paperDefaults('dmat'), c)[0].message).toContain('no generator');
  });

  it('refuses a model to fine-tune whose input or classes do not fit the dataset', () => {
    const cfg = {
      ...paperDefaults('dmat'),
      architecture: undefined,
      initModelId: colourClassifier.id,
    };
    const e = errors(cfg, { ...ctx, source: 'model', initModel: colourClassifier });
    expect(e.map((i) => i.field)).toEqual(['initModelId']);
    expect(e[0].message).toBe(
      '"cifar-net" takes 32×32×3 images but "OM-Fashion-MNIST" has 28×28×1.',
    );
    const ok = { ...cfg, initModelId: classifier.id };
    expect(errors(ok, { ...ctx, source: 'model', initModel: classifier })).toEqual([]);
  });

  it('checks budgets in their units and warns when the steps cannot reach the boundary', () => {
    const cfg = paperDefaults('dmat');
    cfg.imageAttack = { eps: 4 / 255, stepSize: 0.5 / 255, steps: 5 };
    const issues = validateTrainingDraft(cfg, ctx);
    expect(issues).toEqual([
      expect.objectContaining({
        field: 'imageAttack.stepSize',
        severity: 'warning',
        message: '5 steps of 0.5/255 cannot reach the ε = 4/255 boundary.',
      }),
    ]);
    cfg.imageAttack = { eps: 2, stepSize: 1 / 255, steps: 5 };
    expect(errors(cfg).map((i) => i.field)).toEqual(['imageAttack.eps']);
    cfg.imageAttack = { eps: 4 / 255, stepSize: 1 / 255, steps: 2.5 };
    expect(errors(cfg).map((i) => i.field)).toEqual(['imageAttack.steps']);
  });

  it('requires OM-FGSM to be a single step', () => {
    const cfg = paperDefaults('omat');
    cfg.latentAttack = { eps: 0.02, stepSize: 0.02, steps: 5, kind: 'om-fgsm' };
    expect(errors(cfg).map((i) => i.field)).toEqual(['latentAttack.steps']);
  });

  it('checks the schedule against the dataset sizes', () => {
    const cfg = { ...paperDefaults('normal'), samples: 5000, validationSamples: 900 };
    expect(errors(cfg).map((i) => i.message)).toEqual([
      'The train split has only 2000 records.',
      'The test split has only 500 records.',
    ]);
    const small = { ...paperDefaults('normal'), samples: 32, batchSize: 64 };
    expect(errors(small).map((i) => i.field)).toEqual(['batchSize']);
  });

  it('leaves threads to the machine by default and bounds them by the batch', () => {
    expect(errors({ ...paperDefaults('normal'), replicas: undefined })).toEqual([]);
    expect(errors({ ...paperDefaults('normal'), replicas: 4 })).toEqual([]);
    const tooMany = { ...paperDefaults('normal'), batchSize: 6, replicas: 4 };
    expect(errors(tooMany).map((i) => [i.field, i.message])).toEqual([
      ['replicas', 'Each thread needs at least 2 images of the batch: at most 3 threads.'],
    ]);
    expect(errors({ ...paperDefaults('normal'), replicas: 0 }).map((i) => i.field)).toEqual([
      'replicas',
    ]);
  });

  it('checks the learning-rate knots', () => {
    const cfg = paperDefaults('normal');
    cfg.lrKnots = [
      { epoch: 0, value: 0.1 },
      { epoch: 0, value: 0.01 },
    ];
    expect(errors(cfg)[0].message).toContain('must increase');
    cfg.lrKnots = [{ epoch: 0, value: 0 }];
    expect(errors(cfg)[0].message).toContain('Every learning rate is 0');
  });

  it('stretches the paper schedule to the run length', () => {
    const k = paperDefaults('dmat').lrKnots;
    expect(scaleKnots(k, 20, 2).map((x) => x.epoch)).toEqual([0, 0.1, 0.6, 1.2, 1.5, 2]);
    expect(scaleKnots(k, 20, 2).map((x) => x.value)).toEqual(k.map((x) => x.value));
  });
});
