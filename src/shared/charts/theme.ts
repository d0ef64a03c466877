/**
 * Look shared by every chart on screen and in the PDF report: one palette, one font, one grid.
 * Builders in this folder are pure functions of plain data (no DOM, no echarts import at runtime),
 * so the renderer and the server-side SVG renderer draw the same picture from the same numbers.
 */
export const PALETTE = [
  '#2f6fdf', // blue
  '#e8743b', // orange
  '#19a979', // green
  '#945ecf', // purple
  '#ed4a7b', // pink
  '#13a4b4', // teal
  '#d4b106', // ochre
  '#6c757d', // grey
];

export const COLORS = {
  text: '#1f2933',
  muted: '#616e7c',
  axis: '#9aa5b1',
  grid: '#e4e7eb',
  clean: '#19a979',
  worst: '#d64545',
  attack: '#2f6fdf',
} as const;

export const FONT_FAMILY = 'Inter, "DejaVu Sans", "Helvetica Neue", Arial, sans-serif';

/** Options every builder accepts. */
export interface ChartBuildOptions {
  /** Off for server-side rendering and screenshots. */
  animation?: boolean;
  /** Title drawn inside the chart; omit when the page already has one. */
  title?: string;
}

export function baseOption(opts: ChartBuildOptions = {}) {
  return {
    animation: opts.animation ?? true,
    color: PALETTE,
    textStyle: { fontFamily: FONT_FAMILY, color: COLORS.text, fontSize: 12 },
    ...(opts.title
      ? {
          title: {
            text: opts.title,
            left: 0,
            top: 0,
            textStyle: { fontSize: 14, fontWeight: 600 as const, color: COLORS.text },
          },
        }
      : {}),
  };
}

export function axisStyle() {
  return {
    axisLine: { lineStyle: { color: COLORS.axis } },
    axisTick: { lineStyle: { color: COLORS.axis } },
    axisLabel: { color: COLORS.muted },
    splitLine: { lineStyle: { color: COLORS.grid } },
    nameTextStyle: { color: COLORS.muted },
  };
}

/** Accuracy in [0,1] → "87.5 %". */
export function formatPercent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** A budget with its unit: 4/255 in pixel units prints as "4/255 px", latent as "0.02 latent". */
export function formatBudget(eps: number, unit: string): string {
  if (unit.startsWith('pixel')) {
    const over255 = eps * 255;
    const rounded = Math.round(over255);
    if (rounded > 0 && Math.abs(over255 - rounded) < 1e-6) return `${rounded}/255 px`;
    return `${+eps.toPrecision(3)} px`;
  }
  if (unit === 'latent') return `${+eps.toPrecision(3)} latent`;
  return `${+eps.toPrecision(4)} ${unit}`;
}
