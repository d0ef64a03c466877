/** Summary statistics of per-sample quality figures (projection L1, PSNR). */

export interface Distribution {
  mean: number;
  min: number;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  max: number;
}

/** Quantile by linear interpolation between order statistics (NumPy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function distribution(values: ArrayLike<number>): Distribution {
  if (values.length === 0) throw new Error('distribution of no values');
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of s) sum += v;
  const r = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    mean: r(sum / s.length),
    min: r(s[0]),
    p5: r(quantile(s, 0.05)),
    p25: r(quantile(s, 0.25)),
    p50: r(quantile(s, 0.5)),
    p75: r(quantile(s, 0.75)),
    p95: r(quantile(s, 0.95)),
    max: r(s[s.length - 1]),
  };
}

/** Count of each label 0..numClasses-1. */
export function classCounts(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}
