/**
 * Training charts for the run monitor and the training report: loss and learning rate per logged
 * step, and clean / PGD / OM-PGD accuracy per evaluated epoch.
 */
import { axisStyle, baseOption, COLORS, type ChartBuildOptions } from './theme';

export interface LossPoint {
  /** Fractional epoch (e.g. 1.5 = halfway through the second epoch). */
  epoch: number;
  loss: number;
  /** Learning rate at that step. */
  lr?: number;
}

export interface AccuracyPoint {
  epoch: number;
  /** Fractions in [0,1]; omitted when that evaluation was not run. */
  clean?: number;
  pgd?: number;
  omPgd?: number;
}

export function lossAndLrOption(points: LossPoint[], opts: ChartBuildOptions = {}) {
  const withLr = points.filter((p) => typeof p.lr === 'number');
  return {
    ...baseOption(opts),
    grid: { left: 56, right: 64, top: opts.title ? 48 : 28, bottom: 72 },
    legend: { bottom: 0, textStyle: { color: COLORS.muted } },
    tooltip: { trigger: 'axis' as const },
    xAxis: {
      type: 'value' as const,
      name: 'epoch',
      nameLocation: 'middle' as const,
      nameGap: 26,
      min: 0,
      ...axisStyle(),
    },
    yAxis: [
      { type: 'value' as const, name: 'loss', scale: true, ...axisStyle() },
      {
        type: 'value' as const,
        name: 'learning rate',
        ...axisStyle(),
        splitLine: { show: false },
      },
    ],
    series: [
      {
        type: 'line' as const,
        name: 'loss',
        showSymbol: false,
        data: points.map((p) => [p.epoch, p.loss]),
      },
      {
        type: 'line' as const,
        name: 'learning rate',
        yAxisIndex: 1,
        showSymbol: false,
        lineStyle: { type: 'dashed' as const },
        data: withLr.map((p) => [p.epoch, p.lr as number]),
      },
    ],
  };
}

const ACCURACY_SERIES: { key: 'clean' | 'pgd' | 'omPgd'; name: string; color: string }[] = [
  { key: 'clean', name: 'clean', color: COLORS.clean },
  { key: 'pgd', name: 'PGD', color: COLORS.attack },
  { key: 'omPgd', name: 'OM-PGD', color: '#945ecf' },
];

export function trainingAccuracyOption(points: AccuracyPoint[], opts: ChartBuildOptions = {}) {
  return {
    ...baseOption(opts),
    grid: { left: 56, right: 24, top: opts.title ? 48 : 28, bottom: 72 },
    legend: { bottom: 0, textStyle: { color: COLORS.muted } },
    tooltip: { trigger: 'axis' as const },
    xAxis: {
      type: 'value' as const,
      name: 'epoch',
      nameLocation: 'middle' as const,
      nameGap: 26,
      min: 0,
      minInterval: 1,
      ...axisStyle(),
    },
    yAxis: {
      type: 'value' as const,
      name: 'accuracy (%)',
      min: 0,
      max: 100,
      ...axisStyle(),
    },
    series: ACCURACY_SERIES.map((s) => ({
      type: 'line' as const,
      name: s.name,
      symbolSize: 6,
      itemStyle: { color: s.color },
      data: points
        .filter((p) => typeof p[s.key] === 'number')
        .map((p) => [p.epoch, Math.round((p[s.key] as number) * 1000) / 10]),
    })),
  };
}
