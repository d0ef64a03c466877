// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../../src/renderer/src/lib/api';
import { useWizardStore } from '../../src/renderer/src/stores/wizard';
import WizardView from '../../src/renderer/src/views/WizardView.vue';
import NumberField from '../../src/renderer/src/components/NumberField.vue';
import { fakeBridge, type FakeBridge } from './renderer-fixtures';

let bridge: FakeBridge;
beforeEach(() => {
  bridge = fakeBridge();
  installApi(bridge);
  setActivePinia(createPinia());
});

async function mountWizard() {
  const w = mount(WizardView);
  await flushPromises();
  return w;
}

describe('NumberField', () => {
  it('shows a pixel budget in /255 units and writes back [0,1] units', async () => {
    const w = mount(NumberField, {
      props: { label: 'Budget ε', modelValue: 4 / 255, unit: '/255 px [0,1]', scale: 255 },
    });
    const input = w.get('input');
    expect((input.element as HTMLInputElement).value).toBe('4');
    expect(w.text()).toContain('/255 px [0,1]');
    await input.setValue('8');
    expect(w.emitted('update:modelValue')![0][0]).toBeCloseTo(8 / 255, 12);
  });
});

describe('New run wizard', () => {
  it('walks from dataset to review with the paper defaults and units beside the fields', async () => {
    const w = await mountWizard();
    expect(w.find('[data-testid="wizard-step-data"]').exists()).toBe(true);
    await w.get('[data-testid="wizard-next"]').trigger('click');
    await w.get('[data-testid="wizard-next"]').trigger('click');
    const method = w.get('[data-testid="wizard-step-method"]');
    expect(method.text()).toContain('default 4/255 px');
    expect(method.text()).toContain('paper, ImageNet: 4/255');
    expect(method.text()).toContain('latent');
    const eps = method.get('[data-testid="wizard-image-eps"]').element as HTMLInputElement;
    expect(eps.value).toBe('4');
    await w.get('[data-testid="wizard-next"]').trigger('click');
    const schedule = w.get('[data-testid="wizard-step-schedule"]');
    expect(schedule.text()).toContain('images');
    await flushPromises();
    expect(w.get('[data-testid="wizard-estimate"]').text()).toContain('10 min 0 s');
    await w.get('[data-testid="wizard-next"]').trigger('click');
    expect(w.get('[data-testid="wizard-step-review"]').text()).toContain('PGD-5, ε 4/255 px');
  });

  it('explains in place why DMAT cannot use a natural dataset and does not advance', async () => {
    const w = await mountWizard();
    await w.get('[data-testid="wizard-dataset-Natural MNIST"]').trigger('click');
    await flushPromises();
    await w.get('[data-testid="wizard-next"]').trigger('click');
    await w.get('[data-testid="wizard-next"]').trigger('click');
    await w.get('[data-testid="wizard-next"]').trigger('click');
    const alert = w.get('[role="alert"]');
    expect(alert.text()).toContain('"Natural MNIST" is a natural dataset without latents');
    expect(useWizardStore().step).toBe('method');
    // Switching to AT resolves it.
    await w.get('[data-testid="wizard-method-at"]').trigger('click');
    await flushPromises();
    expect(w.find('[role="alert"]').exists()).toBe(false);
    await w.get('[data-testid="wizard-next"]').trigger('click');
    expect(useWizardStore().step).toBe('schedule');
  });

  it('starts the run with the reviewed configuration', async () => {
    const w = await mountWizard();
    const wiz = useWizardStore();
    wiz.draft!.epochs = 1;
    wiz.draft!.samples = 100;
    wiz.goTo(4);
    await flushPromises();
    bridge.startRun = async (input) => {
      bridge.calls.push({ name: 'startRun', input });
      return { jobId: 'j', kind: 'train', targetId: 'r1' };
    };
    await w.get('[data-testid="wizard-start"]').trigger('click');
    await flushPromises();
    const sent = bridge.calls.find((c) => c.name === 'startRun')!.input as {
      config: Record<string, unknown>;
    };
    expect(sent.config).toMatchObject({
      method: 'dmat',
      epochs: 1,
      samples: 100,
      datasetId: 'ds-om',
    });
  });
});
