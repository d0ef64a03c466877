/** Line chart: accuracy as the budget grows, one line per attack (all in the same budget unit). */
import { axisStyle, baseOption, COLORS, type ChartBuildOptions } from './theme';

export interface EpsCurve {
  /** Attack name, e.g. "PGD-50". */
  name: string;
  /** Points sorted by eps; accuracy as a fraction in [0,1]. */
  points: { eps: number; accuracy: number }[];
}

export interface AccuracyVsEpsData {
  curves: EpsCurve[];
  /** Unit of every eps on the x axis, e.g. "pixel [0,1]" or "latent". */
  unit: string;
  /** Show eps as multiples of 1/255 (image-space L∞ budgets read better that way). */
  over255?: boolean;
}

export function accuracyVsEpsOption(data: AccuracyVsEpsData, opts: ChartBuildOptions = {}) {
  const scale = data.over255 ? 255 : 1;
  const axisName = data.over255 ? 'ε (×1/255, pixel [0,1])' : `budget (${data.unit})`;
  return {
    ...baseOption(opts),
    grid: { left: 56, right: 24, top: opts.title ? 48 : 28, bottom: 76 },
    legend: { bottom: 0, textStyle: { color: COLORS.muted } },
    tooltip: { trigger: 'axis' as const },
    xAxis: {
      type: 'value' as const,
      name: axisName,
      nameLocation: 'middle' as const,
      nameGap: 28,
      min: 0,
      ...axisStyle(),
    },
    yAxis: {
      type: 'value' as const,
      name: 'accuracy (%)',
      min: 0,
      max: 100,
      ...axisStyle(),
    },
    series: data.curves.map((c) => ({
      type: 'line' as const,
      name: c.name,
      symbolSize: 6,
      data: c.points.map((p) => [round4(p.eps * scale), Math.round(p.accuracy * 1000) / 10]),
    })),
  };
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
