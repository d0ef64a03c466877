/** Grouped bars: several models side by side, one group per attack (the paper's tables as a chart). */
import { axisStyle, baseOption, COLORS, type ChartBuildOptions } from './theme';

export interface ModelComparisonData {
  /** Column names: "Clean", attack names, "Worst case". */
  columns: string[];
  /** One row per model; accuracies are fractions in [0,1] aligned with `columns` (null: not run). */
  models: { name: string; accuracies: (number | null)[] }[];
}

export function modelComparisonOption(data: ModelComparisonData, opts: ChartBuildOptions = {}) {
  const crowded = data.columns.length > 7;
  return {
    ...baseOption(opts),
    grid: { left: 56, right: 16, top: opts.title ? 48 : 28, bottom: crowded ? 112 : 76 },
    legend: { bottom: 0, textStyle: { color: COLORS.muted } },
    tooltip: { trigger: 'axis' as const, axisPointer: { type: 'shadow' as const } },
    xAxis: {
      type: 'category' as const,
      data: data.columns,
      ...axisStyle(),
      axisLabel: {
        color: COLORS.muted,
        interval: 0,
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
    series: data.models.map((m) => ({
      type: 'bar' as const,
      name: m.name,
      barMaxWidth: 28,
      data: m.accuracies.map((a) => (a === null ? null : Math.round(a * 1000) / 10)),
      label: { show: data.models.length <= 3, position: 'top' as const, fontSize: 10 },
    })),
  };
}
