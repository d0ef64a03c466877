/**
 * The heat map for difference images (|x_adv − x|), shared by the PDF gallery and the screen so
 * both colour a distortion the same way: inferno, perceptually uniform, dark → bright.
 */
const INFERNO: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

/** v in [0,1] → 8-bit RGB on the inferno map (linear between stops). */
export function inferno(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(t));
  const f = t - i;
  const a = INFERNO[i];
  const b = INFERNO[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}
