// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../../src/renderer/src/lib/api';
import { useAuditsStore } from '../../src/renderer/src/stores/audits';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { useLibraryStore } from '../../src/renderer/src/stores/library';
import { useRunsStore } from '../../src/renderer/src/stores/runs';
import { useWizardStore } from '../../src/renderer/src/stores/wizard';
import { fakeBridge, type FakeBridge } from './renderer-fixtures';

let bridge: FakeBridge;
beforeEach(() => {
  bridge = fakeBridge();
  installApi(bridge);
  setActivePinia(createPinia());
});

describe('library store', () => {
  it('loads models and datasets and splits classifiers from generators', async () => {
    const lib = useLibraryStore();
    await lib.load();
    expect(lib.classifiers.map((m) => m.name)).toEqual(['normal', 'cifar-net']);
    expect(lib.datasetById('ds-om')?.name).toBe('OM-Fashion-MNIST');
  });

  it('imports a model with the path and name the user gave, then reloads', async () => {
    const lib = useLibraryStore();
    await lib.load();
    await lib.importModel('/tmp/my-model', 'mine');
    expect(bridge.calls.find((c) => c.name === 'importModel')?.input).toEqual({
      path: '/tmp/my-model',
      name: 'mine',
    });
    expect(lib.classifiers.map((m) => m.name)).toContain('mine');
  });
});

describe('wizard store', () => {
  it('starts from the engine defaults for DMAT on the on-manifold dataset', async () => {
    const wiz = useWizardStore();
    await wiz.init();
    expect(wiz.draft?.method).toBe('dmat');
    expect(wiz.draft?.datasetId).toBe('ds-om');
    expect(wiz.draft?.imageAttack?.eps).toBeCloseTo(4 / 255);
    expect(wiz.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('keeps the user on a step with errors and shows them from then on', async () => {
    const wiz = useWizardStore();
    await wiz.init();
    wiz.draft!.datasetId = 'ds-nat';
    expect(wiz.next()).toBe(true); // data step itself is fine
    expect(wiz.next()).toBe(true); // classifier
    expect(wiz.step).toBe('method');
    expect(wiz.next()).toBe(false);
    expect(wiz.step).toBe('method');
    expect(wiz.touched).toContain('method');
  });

  it('edits a copy: the paper defaults shown as hints stay as they were', async () => {
    const wiz = useWizardStore();
    await wiz.init();
    wiz.draft!.imageAttack!.steps = 2;
    wiz.draft!.lrKnots[1].value = 0.05;
    expect(wiz.defaults?.imageAttack?.steps).toBe(5);
    expect(wiz.defaults?.lrKnots[1].value).toBe(0.4);
  });

  it('keeps schedule choices when the method changes', async () => {
    const wiz = useWizardStore();
    await wiz.init();
    wiz.draft!.epochs = 2;
    wiz.draft!.samples = 200;
    await wiz.setMethod('at');
    expect(wiz.draft).toMatchObject({ method: 'at', epochs: 2, samples: 200 });
    expect(wiz.draft?.latentAttack).toBeUndefined();
  });

  it('sends a config without empty optional fields', async () => {
    const wiz = useWizardStore();
    await wiz.init();
    wiz.draft!.samples = undefined;
    wiz.draft!.name = '';
    const cfg = wiz.finalConfig()!;
    expect('samples' in cfg).toBe(false);
    expect('name' in cfg).toBe(false);
  });
});

describe('jobs and runs stores', () => {
  it('routes live metrics of the open run into its charts and tracks progress', async () => {
    const jobs = useJobsStore();
    jobs.start();
    const runs = useRunsStore();
    await runs.open('r1');
    // 200 samples / batch 50 = 4 iterations per epoch.
    expect(runs.stepsPerEpoch).toBe(4);
    const base = { jobId: 'j1', kind: 'train' as const, targetId: 'r1', at: '' };
    bridge.emit({
      ...base,
      type: 'progress',
      progress: { phase: 'epoch 1/2', done: 2, total: 8, unit: 'steps', etaSeconds: 12 },
    });
    bridge.emit({
      ...base,
      type: 'metrics',
      points: [
        { scope: 'step', epoch: 0, step: 2, name: 'loss', value: 2.1, at: '' },
        { scope: 'step', epoch: 0, step: 2, name: 'lr', value: 0.2, at: '' },
        { scope: 'epoch', epoch: 1, step: 4, name: 'cleanAcc', value: 0.5, at: '' },
        { scope: 'epoch', epoch: 1, step: 4, name: 'pgdAcc', value: 0.2, at: '' },
      ],
    });
    // Another run's metrics must not leak into the open one.
    bridge.emit({
      ...base,
      targetId: 'other',
      type: 'metrics',
      points: [{ scope: 'step', epoch: 0, step: 1, name: 'loss', value: 9, at: '' }],
    });
    expect(jobs.progress.r1.etaSeconds).toBe(12);
    expect(jobs.activeCount).toBe(1);
    expect(runs.lossPoints).toEqual([{ epoch: 0.5, loss: 2.1, lr: 0.2 }]);
    expect(runs.accuracyPoints).toEqual([{ epoch: 1, clean: 0.5, pgd: 0.2 }]);
    bridge.emit({ ...base, type: 'done', result: null });
    expect(jobs.activeCount).toBe(0);
  });
});

describe('audits store', () => {
  it('resumes an interrupted audit by its id, then shows it again', async () => {
    const audit = { id: 'a-1', status: 'running' };
    const b = fakeBridge({
      resumeAudit: (async (input: { id: string }) => {
        b.calls.push({ name: 'resumeAudit', input });
        return { jobId: 'j-2', kind: 'audit', targetId: input.id };
      }) as never,
      listAudits: (async () => [audit]) as never,
      getAudit: (async (input: { id: string }) => {
        b.calls.push({ name: 'getAudit', input });
        return audit;
      }) as never,
    });
    installApi(b);
    const audits = useAuditsStore();
    const ref = await audits.resume('a-1');
    expect(ref).toEqual({ jobId: 'j-2', kind: 'audit', targetId: 'a-1' });
    expect(b.calls.map((c) => c.name)).toEqual(['resumeAudit', 'getAudit']);
    expect(audits.currentId).toBe('a-1');
    expect(audits.current?.status).toBe('running');
  });
});
