import { describe, expect, it } from 'vitest';
import * as echarts from 'echarts';
import {
  accuracyVsEpsOption,
  attackAccuracyOption,
  formatBudget,
  lossAndLrOption,
  modelComparisonOption,
  trainingAccuracyOption,
} from '../../src/shared/charts';

/** Renders an option with ECharts' server-side SVG renderer (what the PDF does). */
function svg(option: object): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 600, height: 320 });
  chart.setOption(option as never);
  const out = chart.renderToSVGString();
  chart.dispose();
  return out;
}

describe('shared chart builders', () => {
  const audit = {
    standardAccuracy: 0.912,
    worstCaseAccuracy: 0.304,
    attacks: [
      { name: 'PGD-50', accuracy: 0.421, budgetLabel: 'ε 4/255 px' },
      { name: 'OM-PGD-50', accuracy: 0.5555, budgetLabel: 'η 0.02 latent' },
    ],
  };

  it('puts clean first and the worst case last, in percent', () => {
    const o = attackAccuracyOption(audit, { animation: false });
    expect(o.xAxis.data).toEqual([
      'Clean\nstandard',
      'PGD-50\nε 4/255 px',
      'OM-PGD-50\nη 0.02 latent',
      'Worst case\nall attacks',
    ]);
    expect(o.series[0].data.map((d) => d.value)).toEqual([91.2, 42.1, 55.6, 30.4]);
    expect(o.animation).toBe(false);
    const text = svg(o);
    for (const label of ['PGD-50', 'Worst case', '30.4 %', 'accuracy (%)'])
      expect(text).toContain(label);
  });

  it('turns the labels of a crowded chart (the paper suite: 12 attacks) so they do not collide', () => {
    const many = {
      ...audit,
      attacks: Array.from({ length: 12 }, (_, i) => ({
        name: `Attack-${i}`,
        accuracy: 0.5,
        budgetLabel: 'ε 0.1 px',
      })),
    };
    const o = attackAccuracyOption(many, { animation: false });
    expect(o.xAxis.axisLabel.rotate).toBeGreaterThan(0);
    expect(o.grid.bottom).toBeGreaterThan(attackAccuracyOption(audit).grid.bottom);
    expect(attackAccuracyOption(audit).xAxis.axisLabel.rotate).toBe(0);
  });

  it('draws accuracy against ε in /255 units for L∞ pixel budgets', () => {
    const o = accuracyVsEpsOption({
      unit: 'pixel [0,1]',
      over255: true,
      curves: [
        {
          name: 'PGD-50',
          points: [0, 2, 4, 8].map((k, i) => ({ eps: k / 255, accuracy: 0.9 - i * 0.2 })),
        },
      ],
    });
    expect(o.series[0].data).toEqual([
      [0, 90],
      [2, 70],
      [4, 50],
      [8, 30],
    ]);
    expect(o.xAxis.name).toContain('1/255');
    expect(svg(o)).toContain('PGD-50');
  });

  it('compares models column by column and leaves missing cells empty', () => {
    const o = modelComparisonOption({
      columns: ['Clean', 'PGD-50', 'Worst case'],
      models: [
        { name: 'AT', accuracies: [0.8, 0.4, 0.35] },
        { name: 'DMAT', accuracies: [0.82, null, 0.38] },
      ],
    });
    expect(o.series.map((s) => s.data)).toEqual([
      [80, 40, 35],
      [82, null, 38],
    ]);
    expect(svg(o)).toContain('DMAT');
  });

  it('plots training loss with its learning rate and per-epoch accuracies', () => {
    const loss = lossAndLrOption([
      { epoch: 0.25, loss: 2.3, lr: 0.1 },
      { epoch: 0.5, loss: 1.9 },
    ]);
    expect(loss.series[0].data).toEqual([
      [0.25, 2.3],
      [0.5, 1.9],
    ]);
    expect(loss.series[1].data).toEqual([[0.25, 0.1]]);
    const acc = trainingAccuracyOption([
      { epoch: 1, clean: 0.7, pgd: 0.3 },
      { epoch: 2, clean: 0.8, pgd: 0.35, omPgd: 0.4 },
    ]);
    expect(acc.series.map((s) => [s.name, s.data])).toEqual([
      [
        'clean',
        [
          [1, 70],
          [2, 80],
        ],
      ],
      [
        'PGD',
        [
          [1, 30],
          [2, 35],
        ],
      ],
      ['OM-PGD', [[2, 40]]],
    ]);
  });

  it('writes budgets with their units', () => {
    expect(formatBudget(4 / 255, 'pixel [0,1]')).toBe('4/255 px');
    expect(formatBudget(0.5, 'pixel [0,1]')).toBe('0.5 px');
    expect(formatBudget(0.02, 'latent')).toBe('0.02 latent');
    expect(formatBudget(128, 'attack-specific')).toBe('128 attack-specific');
  });
});
