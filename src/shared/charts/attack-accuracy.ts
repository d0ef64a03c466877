/** Bar chart: accuracy per attack, the clean (standard) accuracy first and the worst case last. */
import { axisStyle, baseOption, COLORS, formatPercent, type ChartBuildOptions } from './theme';

export interface AttackAccuracyBar {
  /** Display name, e.g. "PGD-50". */
  name: string;
  /** Accuracy under this attack, fraction in [0,1]. */
  accuracy: number;
  /** Budget with its unit, e.g. "ε = 4/255 px". Shown under the name. */
  budgetLabel?: string;
}

export interface AttackAccuracyData {
  /** Standard (clean) accuracy, fraction in [0,1]. */
  standardAccuracy: number;
  attacks: AttackAccuracyBar[];
  /** Per-sample worst case over all attacks, fraction in [0,1]. */
  worstCaseAccuracy: number;
}

export function attackAccuracyOption(data: AttackAccuracyData, opts: ChartBuildOptions = {}) {
  const bars = [
    { name: 'Clean', label: 'standard', value: data.standardAccuracy, color: COLORS.clean },
    ...data.attacks.map((a) => ({
      name: a.name,
      label: a.budgetLabel ?? '',
      value: a.accuracy,
      color: COLORS.attack,
    })),
    {
      name: 'Worst case',
      label: 'all attacks',
      value: data.worstCaseAccuracy,
      color: COLORS.worst,
    },
  ];
  // Past seven bars the two-line labels collide: they turn and the plot leaves them room.
  const crowded = bars.length > 7;
  return {
    ...baseOption(opts),
    grid: { left: 56, right: 16, top: opts.title ? 40 : 24, bottom: crowded ? 104 : 64 },
    tooltip: {
      trigger: 'axis' as const,
      axisPointer: { type: 'shadow' as const },
      valueFormatter: (v: unknown) => formatPercent(Number(v) / 100),
    },
    xAxis: {
      type: 'category' as const,
      data: bars.map((b) => (b.label ? `${b.name}\n${b.label}` : b.name)),
      ...axisStyle(),
      axisLabel: {
        color: COLORS.muted,
        interval: 0,
        lineHeight: 14,
        fontSize: crowded ? 10 : 11,
        rotate: crowded ? 35 : 0,
      },
    },
    yAxis: {
      type: 'value' as const,
      name: 'accuracy (%)',
      min: 0,
      max: 100,
      ...axisStyle(),
    },
    series: [
      {
        type: 'bar' as const,
        name: 'accuracy',
        barMaxWidth: 48,
        data: bars.map((b) => ({
          value: round1(b.value * 100),
          itemStyle: { color: b.color, borderRadius: [3, 3, 0, 0] },
        })),
        label: {
          show: true,
          position: 'top' as const,
          color: COLORS.text,
          fontSize: crowded ? 9 : 11,
          formatter: (p: { value: unknown }) => `${Number(p.value).toFixed(1)} %`,
        },
      },
    ],
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
